"""A file source streams each of its files with the reader of its format, restricted to the requested columns."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

from airflow_provider_clarify.engine.data.file_source import FileSource
from airflow_provider_clarify.engine.data.json_readers import JsonLayout


def test_every_format_gives_the_same_rows(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    (tmp_path / "d.jsonl").write_text(
        "\n".join(json.dumps({"f": [a, b]}) for a, b in frame.itertuples(index=False))
    )
    sources = [
        FileSource("text/csv", [tmp_path / "d.csv"], ["a", "b"], [True]),
        FileSource("application/x-parquet", [tmp_path / "d.parquet"], ["a", "b"]),
        FileSource(
            "application/jsonlines",
            [tmp_path / "d.jsonl"],
            ["a", "b"],
            json_layout=JsonLayout("f", None, None, ["a", "b"], "label0", "predicted_label"),
        ),
    ]
    for source in sources:
        table = pa.concat_tables(source.iter_tables(["b"], chunk_rows=2))
        assert table.to_pydict() == {"b": ["x", "y", "z"]}, source.dataset_type
