"""Model features: their kinds, the explained positions, and reading them from a dataset by resolved roles."""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.data import open_dataset
from airflow_provider_clarify.engine.explain.errors import ExplanationError
from airflow_provider_clarify.engine.explain.features import (
    column_kind,
    feature_position,
    label_columns,
    read_explanation_data,
    resolve_features_to_explain,
)
from airflow_provider_clarify.engine.roles import resolve_roles


def test_column_kinds():
    assert column_kind(pd.Series([1.5]), text=False) == "numerical"
    assert column_kind(pd.Series([True]), text=False) == "categorical"
    assert column_kind(pd.Series(["a"]), text=False) == "categorical"
    assert column_kind(pd.Series(["a"]), text=True) == "free_text"


def test_feature_positions_by_name_or_index():
    names = ["a", "b", "c"]
    assert feature_position("b", names, "methods.pdp.features") == 1
    assert feature_position(2, names, "methods.pdp.features") == 2
    with pytest.raises(ExplanationError, match=r"methods.pdp.features index 3 is out of range"):
        feature_position(3, names, "methods.pdp.features")
    with pytest.raises(ExplanationError, match="names 'z', which is not a model feature"):
        feature_position("z", names, "methods.shap.features_to_explain")
    assert resolve_features_to_explain(["c", 0, "c"], names, []) == [0, 2]
    assert resolve_features_to_explain(None, names, []) == [0, 1, 2]


def test_label_columns_as_the_document_names_them():
    config = load_config(
        {"dataset_type": "text/csv", "headers": ["a", "y", "p"], "label": 1, "predicted_label": "p",
         "methods": {"shap": {}}, "predictor": {}}
    )  # fmt: skip
    assert label_columns(config) == ["y", "p"]


def test_read_from_a_dataset_by_the_resolved_roles(tmp_path):
    pd.DataFrame({"id": [7, 8], "a": [1, 2], "y": [0, 1]}).to_csv(tmp_path / "d.csv", index=False)
    config = load_config(
        {"dataset_type": "text/csv", "label": "y", "joinsource_name_or_index": "id", "methods": {"shap": {}},
         "predictor": {}}
    )  # fmt: skip
    dataset = open_dataset(config, tmp_path / "d.csv")
    data = read_explanation_data(dataset, resolve_roles(config, dataset))
    assert data.features.to_dict("list") == {"a": [1, 2]}
    assert data.join_key.tolist() == [7, 8] and data.label_columns == ["y"]
