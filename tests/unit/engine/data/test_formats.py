"""What a data file is: refused by name (documents, other formats) or by its first bytes (Parquet, zip)."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airflow_provider_clarify.engine.data.formats import check_data_file, is_gzip
from airflow_provider_clarify.engine.errors import AnalysisError

CSV, JSONL, PARQUET = "text/csv", "application/jsonlines", "application/x-parquet"


@pytest.mark.parametrize(
    ("name", "dataset_type"),
    [("part-0.csv", CSV), ("part-00000", CSV), ("part-0.csv.gz", CSV), ("scores.out", CSV), ("data.txt", CSV),
     ("part-0.jsonl", JSONL), ("part-0.json", JSONL), ("part-0", JSONL)],
)  # fmt: skip
def test_data_files_pass(tmp_path, name, dataset_type):
    path = tmp_path / name
    path.write_text("a,b\n1,2\n")
    check_data_file(path, dataset_type, "dataset_uri")


@pytest.mark.parametrize(
    ("name", "dataset_type", "reason"),
    [
        ("README.md", CSV, "it documents the dataset"),
        ("readme.txt", JSONL, "it documents the dataset"),
        ("LICENSE", CSV, "it documents the dataset"),
        ("extra.jsonl", CSV, "its name says it holds application/jsonlines"),
        ("extra.parquet", CSV, "its name says it holds application/x-parquet"),
        ("scores.csv.gz", JSONL, "its name says it holds text/csv"),
        ("notes.txt", PARQUET, "it does not start with the Parquet magic bytes"),
    ],
)
def test_other_files_are_refused_by_name_with_the_reason(tmp_path, name, dataset_type, reason):
    path = tmp_path / name
    path.write_text("whatever\n")
    with pytest.raises(
        AnalysisError, match=rf"dataset_uri: {name} is not a {dataset_type} data file"
    ) as raised:
        check_data_file(path, dataset_type, "dataset_uri")
    assert reason in str(raised.value)


def test_contents_that_betray_another_format(tmp_path):
    parquet = tmp_path / "part-1"
    pq.write_table(pa.table({"a": [1]}), parquet)
    with pytest.raises(AnalysisError, match=r"part-1 is not a text/csv data file \(it is a Parquet file\)"):
        check_data_file(parquet, CSV, "dataset_uri")
    check_data_file(parquet, PARQUET, "dataset_uri")
    archive = tmp_path / "bundle"
    archive.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(AnalysisError, match=r"it is a zip archive"):
        check_data_file(archive, CSV, "dataset_uri")


def test_gzip_is_known_by_its_magic_bytes_not_its_name(tmp_path):
    packed, plain = tmp_path / "part-0", tmp_path / "x.gz"
    packed.write_bytes(gzip.compress(b"a\n"))
    plain.write_text("a\n")
    assert is_gzip(packed) and not is_gzip(plain)
