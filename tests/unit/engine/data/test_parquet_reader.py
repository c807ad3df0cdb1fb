"""Parquet: columns by name, batches of chunk_rows, and a clear error for a file that is not Parquet."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.data.parquet_reader import dataset_schema, iter_parquet, parquet_columns
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


def parts(tmp_path, *tables: pa.Table):
    folder = tmp_path / "parts"
    folder.mkdir()
    for index, table in enumerate(tables):
        pq.write_table(table, folder / f"part-{index}.parquet")
    return sorted(folder.iterdir())


def test_one_type_per_column_across_parts(tmp_path):
    files = parts(
        tmp_path,
        pa.table({"n": pa.array([1], pa.int32()), "f": [1], "t": pa.array([1], pa.int64())}),
        pa.table({"n": pa.array([2], pa.int64()), "f": [2.5], "t": ["x"]}),
    )
    names, types = dataset_schema(files, "dataset_uri")
    assert names == ["n", "f", "t"] and types == {"n": pa.int64(), "f": pa.float64(), "t": pa.string()}
    read = pa.concat_tables(table for path in files for table in iter_parquet(path, None, 10, types))
    assert read.to_pydict() == {"n": [1, 2], "f": [1.0, 2.5], "t": ["1", "x"]}


def test_a_part_missing_a_column_is_named_with_the_column(tmp_path):
    files = parts(tmp_path, pa.table({"g": ["a"], "y": [1]}), pa.table({"y": [0]}))
    with pytest.raises(
        AnalysisError, match=r"dataset_uri: part-1\.parquet lacks column\(s\) \['g'\]; every Parquet file"
    ):
        dataset_schema(files, "dataset_uri")
    with pytest.raises(AnalysisError, match=r"part-1\.parquet: column\(s\) \['g'\] are missing"):
        list(iter_parquet(files[1], ["g", "y"], 10))


def test_a_repeated_column_name_is_refused(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["g", "g"]), path)
    with pytest.raises(AnalysisError, match=r"the column name 'g' appears more than once in d\.parquet"):
        dataset_schema([path], "dataset_uri")


def test_a_nested_facet_is_named_with_the_fix(tmp_path):
    path = tmp_path / "d.parquet"
    table = pa.table({"g": pa.array([["a"], ["d", "a"]] * 10), "y": [1, 0] * 10})
    pq.write_table(table, path)
    document = {"dataset_type": "application/x-parquet", "label": "y", "label_values_or_threshold": [1, 0],
                "facet": [{"name_or_index": "g"}], "methods": {"pre_training_bias": {"methods": ["CI"]}}}  # fmt: skip
    with pytest.raises(AnalysisError, match=r"column 'g' holds nested values \(list<element: string>\)"):
        run_analysis(load_config(document), path)
