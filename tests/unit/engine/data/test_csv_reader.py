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


def read_all(path: Path, names: list[str], header: bool, columns=None, **options) -> dict:
    return pa.concat_tables(iter_csv(path, names, header, columns, 1000, **options)).to_pydict()


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfg,y\na,1\nd,0\n")
    assert detect_header(path, None) == (["g", "y"], True)
    assert read_all(path, ["g", "y"], True) == {"g": ["a", "d"], "y": [1, 0]}


def test_a_quoted_newline_in_a_header_cell_is_one_record(tmp_path):
    path = write(tmp_path / "d.csv", 'g,"note\nsecond line",y\na,x,1\nd,z,0\n')
    names, header = detect_header(path, None)
    assert (names, header) == (["g", "note\nsecond line", "y"], True)
    # No row is lost or shifted: the header is parsed as one CSV record, not skipped as one line.
    assert read_all(path, names, header, ["g", "y"]) == {"g": ["a", "d"], "y": [1, 0]}


def test_a_row_longer_than_two_read_blocks_is_read(tmp_path):
    long_cell = "x" * (5 << 20)
    path = write(tmp_path / "d.csv", "g,note,y\n" + "a,s,1\n" * 3 + f"d,{long_cell},0\n" + "a,s,1\n")
    table = read_all(path, ["g", "note", "y"], True, ["g", "y"], block_bytes=1 << 20)
    assert table == {"g": ["a", "a", "a", "d", "a"], "y": [1, 1, 1, 0, 1]}


def test_bytes_that_are_not_utf8_in_a_used_column_name_the_row_and_the_fix(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"g,note,y\na,ok,1\nd,ok,0\ncaf\xe9,ok,1\n")
    with pytest.raises(
        AnalysisError,
        match=r"latin\.csv: row 3 \(line 4\), column 'g', holds bytes that are not UTF-8 .*save the file as UTF-8",
    ):
        read_all(path, ["g", "note", "y"], True)
    other = tmp_path / "other.csv"
    other.write_bytes(b"g,note,y\na,caf\xe9,1\nd,ok,0\n")
    assert read_all(other, ["g", "note", "y"], True, ["g", "y"]) == {"g": ["a", "d"], "y": [1, 0]}


def test_a_truncated_gzip_file_is_named(tmp_path):
    packed = gzip.compress(("g,y\n" + "a,1\n" * 50_000).encode())
    path = tmp_path / "d.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(AnalysisError, match=r"d\.csv\.gz: the gzip data ends early \(the file is truncated"):
        read_all(path, ["g", "y"], True)


def test_gzip_without_the_gz_suffix_is_recognised_by_its_magic_bytes(tmp_path):
    path = tmp_path / "part-0"
    path.write_bytes(gzip.compress(b"g,y\na,1\nd,0\n"))
    assert detect_header(path, None) == (["g", "y"], True)
    assert read_all(path, ["g", "y"], True) == {"g": ["a", "d"], "y": [1, 0]}
