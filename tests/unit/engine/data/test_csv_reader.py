"""CSV reading: the header rule, gzip, per-chunk typing like pandas, and a clear error for a broken line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.data.csv_reader import detect_header, infer_text_array, iter_csv
from airflow_provider_clarify.engine.errors import AnalysisError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_numberless_first_row_over_a_numeric_row_is_the_header(tmp_path):
    path = write(tmp_path / "d.csv", "age, sex\n31,f\n")
    assert detect_header(path, None) == (["age", "sex"], True)


def test_first_row_with_a_number_is_data_and_columns_are_generated(tmp_path):
    path = write(tmp_path / "d.csv", "31,f\n40,m\n")
    assert detect_header(path, None) == (["column_0", "column_1"], False)


def test_all_text_data_needs_a_referenced_column_to_have_a_header(tmp_path):
    path = write(tmp_path / "d.csv", "city,colour\nRome,red\n")
    assert detect_header(path, None) == (["column_0", "column_1"], False)
    assert detect_header(path, None, referenced=["colour"]) == (["city", "colour"], True)


def test_given_headers_drop_row_zero_only_when_it_repeats_them(tmp_path):
    with_header = write(tmp_path / "a.csv", "x,y\n1,2\n")
    without = write(tmp_path / "b.csv", "1,2\n")
    assert detect_header(with_header, ["x", "y"]) == (["x", "y"], True)
    assert detect_header(without, ["x", "y"]) == (["x", "y"], False)


def test_gzip_file_reads_like_the_plain_one(tmp_path):
    text = "x,label\n1,a\n2,b\n3,\n"
    plain = write(tmp_path / "d.csv", text)
    packed = tmp_path / "d.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert detect_header(packed, None) == detect_header(plain, None)
    tables = [pa.concat_tables(iter_csv(path, ["x", "label"], True, None, 10)) for path in (plain, packed)]
    assert tables[0].equals(tables[1])
    assert tables[0].column("x").to_pylist() == [1, 2, 3]
    assert tables[0].column("label").to_pylist() == ["a", "b", None]


def test_chunks_follow_chunk_rows_and_the_selected_columns(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5},t{i}" for i in range(10))
    path = write(tmp_path / "d.csv", "a,b,c\n" + rows + "\n")
    chunks = list(iter_csv(path, ["a", "b", "c"], True, ["c", "a"], chunk_rows=4, block_bytes=16))
    assert sum(chunk.num_rows for chunk in chunks) == 10
    assert all(
        chunk.column_names == ["c", "a"] for chunk in chunks
    )  # the requested columns, in request order
    assert [v for chunk in chunks for v in chunk.column("a").to_pylist()] == list(range(10))


@pytest.mark.parametrize(
    ("values", "expected_type", "expected"),
    [
        (["1", "2", None], pa.int64(), [1, 2, None]),
        (["1", "2.5"], pa.float64(), [1.0, 2.5]),
        (["True", "false", None], pa.bool_(), [True, False, None]),
        (["1", "x"], pa.string(), ["1", "x"]),
    ],
)
def test_text_columns_are_typed_like_pandas(values, expected_type, expected):
    typed = infer_text_array(pa.array(values, pa.string()))
    assert typed.type == expected_type
    assert typed.to_pylist() == expected


def test_a_broken_line_names_the_file_and_the_field_count(tmp_path):
    path = write(tmp_path / "bad.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(AnalysisError, match=r"bad.csv: unreadable CSV .*every row needs 2 comma-separated"):
        list(iter_csv(path, ["a", "b"], True, None, 100))
