"""The logical table: files streamed in order, columns restricted on request, progress logged."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from airflow_provider_clarify.engine.data.dataset import TabularDataset
from airflow_provider_clarify.engine.data.file_source import FileSource
from airflow_provider_clarify.engine.errors import AnalysisError


def test_files_stream_in_order_restricted_to_the_requested_columns(tmp_path, caplog):
    paths = []
    for index in range(2):
        path = tmp_path / f"part-{index}.csv"
        pd.DataFrame({"a": [index * 10 + i for i in range(3)], "b": ["x"] * 3}).to_csv(path, index=False)
        paths.append(path)
    data = TabularDataset(FileSource("text/csv", paths, ["a", "b"], [True, True]), [], None, chunk_rows=2)
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    frame = pd.concat(data.iter_frames(["a"]), ignore_index=True)
    assert frame.columns.tolist() == ["a"] and frame["a"].tolist() == [0, 1, 2, 10, 11, 12]
    assert any(record.getMessage().startswith("Read 6 rows in") for record in caplog.records)


def test_unknown_columns_are_an_internal_error(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a\n1\n")
    data = TabularDataset(FileSource("text/csv", [path], ["a"], [True]), [], None, chunk_rows=10)
    with pytest.raises(AnalysisError, match=r"internal: unknown columns \['z'\]"):
        list(data.iter_tables(["z"]))
