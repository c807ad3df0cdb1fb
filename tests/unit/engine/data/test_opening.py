"""Opening a config's dataset(s): formats, joins planned from headers, and the refusals of the local engine."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.data import open_dataset
from airflow_provider_clarify.engine.errors import AnalysisError

BIAS = {"label": "y", "label_values_or_threshold": [1], "facet": [{"name_or_index": "g"}],
        "methods": {"pre_training_bias": {"methods": ["CI"]}}}  # fmt: skip


def config(**document):
    return load_config({"dataset_type": "text/csv", **BIAS, **document})


def test_csv_with_a_joined_facet_dataset(tmp_path):
    pd.DataFrame({"id": [1, 2, 3], "y": [1, 0, 1]}).to_csv(tmp_path / "main.csv", index=False)
    pd.DataFrame({"id": [3, 1], "g": ["c", "a"]}).to_csv(tmp_path / "facets.csv", index=False)
    data = open_dataset(
        config(facet_dataset_uri=str(tmp_path / "facets.csv"), joinsource_name_or_index="id"),
        tmp_path / "main.csv",
    )
    assert data.columns == ["id", "y", "g"] and data.join_key == "id"
    frame = pd.concat(data.iter_frames(["y", "g"]))
    assert frame.to_dict("list") == {"y": [1, 1], "g": ["a", "c"]}


def test_json_lines_columns_from_headers(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps({"f": [i, "a"], "t": i % 2}) for i in range(3)))
    document = {"dataset_type": "application/jsonlines", "features": "f", "headers": ["n", "g", "y"],
                **BIAS, "label": "t"}  # fmt: skip
    data = open_dataset(load_config(document), path)
    assert data.columns == ["n", "g", "y"]


def test_several_files_with_a_second_dataset_need_a_join_column(tmp_path):
    folder = tmp_path / "main"
    folder.mkdir()
    for index in range(2):
        pd.DataFrame({"y": [1, 0]}).to_csv(folder / f"part-{index}.csv", index=False)
    pd.DataFrame({"g": ["a"] * 4}).to_csv(tmp_path / "facets.csv", index=False)
    with pytest.raises(AnalysisError, match="joinsource_name_or_index: required because the dataset"):
        open_dataset(config(facet_dataset_uri=str(tmp_path / "facets.csv")), folder)
