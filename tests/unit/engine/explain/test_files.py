"""explanations_shap files are written whole, with plain newlines."""

from __future__ import annotations

import json

import pandas as pd

from airflow_provider_clarify.engine.explain.files import write_csv, write_jsonl


def test_csv_and_jsonl(tmp_path):
    write_csv(tmp_path / "shap" / "out.csv", pd.DataFrame({"a_y": [0.5, -1.0], "id": [1, 2]}))
    assert (tmp_path / "shap" / "out.csv").read_bytes() == b"a_y,id\n0.5,1\n-1.0,2\n"
    write_jsonl(tmp_path / "out.jsonl", [{"é": 1}, {"b": [2]}])
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [{"é": 1}, {"b": [2]}] and "é" in lines[0]
