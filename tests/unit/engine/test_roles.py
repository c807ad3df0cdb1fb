"""Column roles resolved once against the columns the readers found (SPEC §3.4)."""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.data import open_dataset
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.roles import ColumnRoles, resolve_roles

FRAME = pd.DataFrame(
    {"id": [1, 2], "age": [30, 40], "sex": ["f", "m"], "zip": ["1", "2"], "y": [1, 0], "p": [1, 1]}
)


def roles_of(tmp_path, **document) -> ColumnRoles:
    FRAME.to_csv(tmp_path / "d.csv", index=False)
    config = load_config(
        {"dataset_type": "text/csv", "label_values_or_threshold": [1], "facet": [{"name_or_index": "sex"}],
         "methods": {"pre_training_bias": {"methods": ["CI"]}}, **document}
    )  # fmt: skip
    return resolve_roles(config, open_dataset(config, tmp_path / "d.csv"))


def test_features_are_every_column_but_the_roles_in_file_order(tmp_path):
    roles = roles_of(
        tmp_path, label="y", predicted_label=5, excluded_columns=["zip"], joinsource_name_or_index="id"
    )
    assert (roles.label, roles.predicted_label, roles.join_key, roles.excluded) == ("y", "p", "id", ["zip"])
    assert roles.features == ["age", "sex"]  # facets stay features; label, prediction, key, excluded do not
    assert roles.label_columns == ["y", "p"]
    assert [(f.column, f.values, f.index) for f in roles.facets] == [("sex", None, 0)]


def test_facet_values_and_group_variable(tmp_path):
    roles = roles_of(
        tmp_path, label=4, facet=[{"name_or_index": 2, "value_or_threshold": ["f"]}], group_variable="zip"
    )
    assert roles.label == "y" and roles.group_variable == "zip"
    assert [(f.column, f.values) for f in roles.facets] == [("sex", ["f"])]


def test_parquet_columns_are_named_not_indexed(tmp_path):
    FRAME.to_parquet(tmp_path / "d.parquet", index=False)
    config = load_config(
        {"dataset_type": "application/x-parquet", "label": 4, "label_values_or_threshold": [1],
         "facet": [{"name_or_index": "sex"}], "methods": {"pre_training_bias": {"methods": ["CI"]}}}
    )  # fmt: skip
    with pytest.raises(AnalysisError, match="label: Parquet columns are addressed by name, got index 4"):
        resolve_roles(config, open_dataset(config, tmp_path / "d.parquet"))


def test_roles_of_a_features_only_table():
    roles = ColumnRoles.of_features(["a", "b"])
    assert roles.features == ["a", "b"] and roles.label is None and roles.label_columns == []
