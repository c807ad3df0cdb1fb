"""Finding a dataset's files: one file, a folder in path order, ``file://``, and the S3 key selection rule."""

from __future__ import annotations

import os

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


def test_spark_markers_and_hidden_files_are_skipped_in_folders_and_under_s3_prefixes(tmp_path):
    # Spark/Hadoop write _SUCCESS, _committed_* and hidden .crc files beside the parts; none of them is data.
    for name in ("part-0.csv", "_SUCCESS", ".part-0.csv.crc", "_temporary/0/part-9.csv", "sub/part-1.csv"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    files = list_files(tmp_path, "dataset_uri")
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["part-0.csv", "sub/part-1.csv"]
    keys = [
        "out/part-0.csv",
        "out/_SUCCESS",
        "out/.part-0.csv.crc",
        "out/_temporary/0/p.csv",
        "out/sub/p.csv",
    ]
    assert select_s3_keys(keys, "out") == ["out/part-0.csv", "out/sub/p.csv"]
    assert select_s3_keys(["out/_SUCCESS"], "out/_SUCCESS") == [
        "out/_SUCCESS"
    ]  # named exactly: read as given


def test_a_fifo_is_named_as_what_it_is_not_as_missing(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(AnalysisError, match=r"dataset_uri: .*pipe\.csv is a FIFO \(named pipe\), not a file"):
        list_files(fifo, "dataset_uri")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "part-0.csv").write_text("x\n")
    os.mkfifo(folder / "part-1.csv")
    with pytest.raises(AnalysisError, match=r"dataset_uri: part-1\.csv in .* is a FIFO \(named pipe\)"):
        list_files(folder, "dataset_uri")


def test_a_symlink_loop_and_a_dangling_link_are_named(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(AnalysisError, match=r"dataset_uri: .*/a is a symbolic link that loops"):
        list_files(tmp_path / "a", "dataset_uri")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(
        AnalysisError, match=r"dataset_uri: .*/gone is a symbolic link to .*nowhere\.csv, which"
    ):
        list_files(tmp_path / "gone", "dataset_uri")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "part-0.csv").write_text("x\n")
    (folder / "part-1.csv").symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(AnalysisError, match=r"part-1\.csv in .* is a symbolic link to .*nowhere\.csv, which"):
        list_files(folder, "dataset_uri")
