"""JSON Lines and JSON: JMESPath features/label into named columns, and clear errors for the wrong shape."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.data.json_readers import JsonLayout, iter_json, iter_jsonlines
from airflow_provider_clarify.engine.errors import AnalysisError

LAYOUT = JsonLayout("f", "y", None, None, "label0", "predicted_label")


def test_jsonlines_records_become_named_columns(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps({"f": [i, f"t{i}"], "y": i % 2}) for i in range(5)) + "\n\n")
    table = pa.concat_tables(iter_jsonlines(path, LAYOUT, chunk_rows=2))
    assert table.column_names == ["column_0", "column_1", "label0"]
    assert table.column("column_0").to_pylist() == [0, 1, 2, 3, 4]
    assert table.column("label0").to_pylist() == [0, 1, 0, 1, 0]


def test_headers_name_features_then_label(tmp_path):
    layout = JsonLayout("f", "y", None, ["age", "sex"], "target", "predicted_label")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"f": [30, "f"], "y": 1}) + "\n")
    assert next(iter_jsonlines(path, layout, 10)).column_names == ["age", "sex", "target"]


def test_json_document_rows_and_label_list(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"rows": [[1, 2], [3, 4], [5, 6]], "labels": ["a", "b", "a"]}))
    layout = JsonLayout("rows", "labels", None, ["x", "z"], "label", "predicted_label")
    table = pa.concat_tables(iter_json(path, layout, chunk_rows=2))
    assert table.to_pydict() == {"x": [1, 3, 5], "z": [2, 4, 6], "label": ["a", "b", "a"]}


def test_mixed_column_falls_back_to_text(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"f": [1], "y": 0}) + "\n" + json.dumps({"f": ["x"], "y": 1}) + "\n")
    assert next(iter_jsonlines(path, LAYOUT, 10)).column("column_0").to_pylist() == ["1", "x"]


def test_a_line_that_is_not_json_names_the_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"f": [1], "y": 0}) + "\n{broken\n")
    with pytest.raises(AnalysisError, match=r"d\.jsonl line 2: not valid JSON"):
        list(iter_jsonlines(path, LAYOUT, 10))


def test_features_of_the_wrong_shape_and_label_counts_that_differ(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"rows": [1, 2], "labels": [0]}))
    with pytest.raises(AnalysisError, match="must yield a 2-D list"):
        list(iter_json(path, JsonLayout("rows", None, None, None, "l", "p"), 10))
    path.write_text(json.dumps({"rows": [[1], [2]], "labels": [0]}))
    with pytest.raises(AnalysisError, match=r"yields 1 value\(s\) but `features` yields 2 record\(s\)"):
        list(iter_json(path, JsonLayout("rows", "labels", None, None, "l", "p"), 10))


def test_header_count_must_match_the_features(tmp_path):
    layout = JsonLayout("f", None, None, ["only_one"], "l", "p")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"f": [1, 2]}) + "\n")
    with pytest.raises(AnalysisError, match=r"headers: 1 feature name\(s\) given but `features` yields 2"):
        list(iter_jsonlines(path, layout, 10))


def test_bytes_that_are_not_utf8_name_the_file_and_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"f": [1, "a"], "y": 1}\n{"f": [2, "caf\xe9"], "y": 0}\n')
    with pytest.raises(
        AnalysisError, match=r"d\.jsonl: line 2 holds bytes that are not UTF-8 .*save the file as UTF-8"
    ):
        list(iter_jsonlines(path, LAYOUT, 10))
    document = tmp_path / "d.json"
    document.write_bytes(b'{"f": [[1, "a"],\n [2, "caf\xe9"]], "y": [1, 0]}')
    with pytest.raises(AnalysisError, match=r"d\.json: line 2 holds bytes that are not UTF-8"):
        list(iter_json(document, LAYOUT, 10))


def test_a_byte_order_mark_and_gzip_without_the_suffix(tmp_path):
    import gzip

    text = "\n".join(json.dumps({"f": [i, "a"], "y": i % 2}) for i in range(3))
    with_bom = tmp_path / "bom.jsonl"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    packed = tmp_path / "part-0"
    packed.write_bytes(gzip.compress(text.encode()))
    for path in (with_bom, packed):
        table = pa.concat_tables(iter_jsonlines(path, LAYOUT, 10))
        assert table.column("column_0").to_pylist() == [0, 1, 2], path.name


def test_a_repeated_column_name_in_headers_is_refused(tmp_path):
    layout = JsonLayout("f", "y", None, ["age", "y"], "y", "predicted_label")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"f": [30, 1], "y": 1}) + "\n")
    with pytest.raises(AnalysisError, match=r"headers: the column name 'y' appears more than once"):
        list(iter_jsonlines(path, layout, 10))
