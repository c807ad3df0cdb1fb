"""The logical table: files streamed in order, columns restricted on request, progress logged."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from airflow_provider_clarify.engine.data.dataset import TabularDataset
from airflow_provider_clarify.engine.data.file_source import AuxiliarySource, FileSource
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


def test_every_read_of_a_joined_dataset_drops_the_rows_without_a_match(tmp_path):
    """A read that needs no column of the joined file (the model features) still joins: same rows every time."""
    main = tmp_path / "data.csv"
    main.write_text("id,x\n" + "".join(f"{i},{i * 10}\n" for i in range(1, 7)))
    predictions = tmp_path / "predictions.csv"
    predictions.write_text("id,p\n2,1\n3,0\n5,1\n")  # ids 1, 4 and 6 have no prediction
    warnings: list[str] = []
    data = TabularDataset(
        FileSource("text/csv", [main], ["id", "x"], [True]),
        [
            AuxiliarySource(
                "predicted_label_dataset_uri",
                FileSource("text/csv", [predictions], ["id", "p"], [True]),
                ["p"],
            )
        ],
        "id",
        chunk_rows=4,
        warn=warnings.append,
    )
    with_predictions = pd.concat(data.iter_frames(["x", "p"]), ignore_index=True)
    features_only = pd.concat(data.iter_frames(["x"]), ignore_index=True)
    assert with_predictions.to_dict("list") == {"x": [20, 30, 50], "p": [1, 0, 1]}
    assert features_only.to_dict("list") == {"x": [20, 30, 50]}
    # Each complete read says what it dropped (the run's sink says it once, see WarningSink.warn_once).
    assert len(warnings) == 2 and warnings[0] == warnings[1]
    assert warnings[0].startswith(
        "Inner join on 'id' (joinsource_name_or_index) dropped 3 of 6 dataset row(s)"
    )
    assert "(3 without a match in predicted_label_dataset_uri)" in warnings[0]
