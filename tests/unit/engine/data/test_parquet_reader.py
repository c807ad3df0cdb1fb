"""Parquet: columns by name, batches of chunk_rows, and a clear error for a file that is not Parquet."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.data.parquet_reader import iter_parquet, parquet_columns
from airflow_provider_clarify.engine.errors import AnalysisError


def test_columns_and_batches(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"a": range(7), "b": list("abcdefg")}).to_parquet(path, index=False)
    assert parquet_columns(path) == ["a", "b"]
    chunks = list(iter_parquet(path, ["b"], chunk_rows=3))
    assert [chunk.num_rows for chunk in chunks] == [3, 3, 1]
    assert pa.concat_tables(chunks).column("b").to_pylist() == list("abcdefg")


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "d.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(AnalysisError, match=r"d\.parquet: not a readable Parquet file"):
        parquet_columns(path)
    with pytest.raises(AnalysisError, match="not a readable Parquet file"):
        list(iter_parquet(path, None, 10))
