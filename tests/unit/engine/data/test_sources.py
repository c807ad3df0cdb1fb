"""Finding a dataset's files: one file, a folder in path order, ``file://``, and the S3 key selection rule."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine.data.sources import list_files, select_s3_keys
from airflow_provider_clarify.engine.errors import AnalysisError


def test_directory_files_in_lexicographic_order_of_their_relative_path(tmp_path):
    for name in ("b/2.csv", "a.csv", "b/10.csv", ".hidden", "c/x.csv"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    files = list_files(tmp_path, "dataset_uri")
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.csv", "b/10.csv", "b/2.csv", "c/x.csv"]
    assert list_files(f"file://{tmp_path / 'a.csv'}", "dataset_uri") == [tmp_path / "a.csv"]


def test_missing_and_empty_locations_name_the_field(tmp_path):
    with pytest.raises(AnalysisError, match=r"facet_dataset_uri: .* does not exist"):
        list_files(tmp_path / "nowhere", "facet_dataset_uri")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AnalysisError, match=r"dataset_uri: directory .* holds no files"):
        list_files(tmp_path / "empty", "dataset_uri")


def test_s3_needs_a_client_and_a_well_formed_uri(tmp_path):
    with pytest.raises(AnalysisError, match="no S3 client was given"):
        list_files("s3://bucket/data.csv", "dataset_uri", scratch=tmp_path)


KEYS = ["data/part-0.csv", "data/part-1.csv", "data/", "data-old/x.csv", "other/y.csv"]


@pytest.mark.parametrize(
    ("key", "selected"),
    [
        ("data/part-1.csv", ["data/part-1.csv"]),  # the object itself
        ("data", ["data/part-0.csv", "data/part-1.csv"]),  # a folder: not data-old/
        ("data/", ["data/part-0.csv", "data/part-1.csv"]),
        ("data/part-", ["data/part-0.csv", "data/part-1.csv"]),  # a plain key prefix (S3Prefix)
    ],
)
def test_s3_key_selection(key, selected):
    listed = [k for k in KEYS if k.startswith(key)]  # what list_objects_v2 returns for Prefix=key
    assert select_s3_keys(listed, key) == selected
