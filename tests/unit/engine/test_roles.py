"""Column roles resolved once against the columns the readers found (reference §3.4)."""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.data import open_dataset
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.roles import ColumnRoles, resolve_roles, role_problems
from tests.unit.engine.compas_like import bias_config, compas_frame, write_compas

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


# ------------------------------------------------------------------ names that do not resolve, observed on COMPAS


def fails(tmp_path, document: dict, data) -> str:
    with pytest.raises(AnalysisError) as caught:
        run_analysis(load_config(document), data, tmp_path / "out")
    assert not (tmp_path / "out" / "analysis.json").exists()
    return caught.value.reason


def test_column_name_typos_get_did_you_mean(tmp_path):
    data, _ = write_compas(tmp_path)
    race = fails(tmp_path, bias_config(facet=[{"name_or_index": "Race"}]), data)
    assert race.startswith(
        "facet[0].name_or_index: column 'Race' is not in the dataset; available columns: ["
    )
    assert race.endswith("; did you mean 'race'?")
    key = fails(tmp_path, bias_config(joinsource_name_or_index="ID"), data)
    assert key.startswith("joinsource_name_or_index: column 'ID' is not in the dataset")
    assert key.endswith("; did you mean 'id'?")


def test_a_header_less_csv_gets_the_hint_to_set_headers(tmp_path):
    data, _ = write_compas(tmp_path, header=False)
    reason = fails(tmp_path, bias_config(), data)
    assert reason.startswith(
        "label: column 'two_year_recid' is not in the dataset; available columns: ['column_0'"
    )
    assert (
        "The data has no header row (its first row holds values), so its columns are named column_0 … column_7: "
        "set headers to the column names in file order, or give 0-based indices"
    ) in reason
    headers = list(compas_frame().columns)
    run_analysis(load_config(bias_config(headers=headers)), data, tmp_path / "with_headers")  # the fix works


def test_a_predicted_label_dataset_without_predicted_label_says_set_predicted_label(tmp_path):
    data, frame = write_compas(tmp_path)
    frame[["id", "decile_score"]].to_csv(tmp_path / "scores.csv", index=False)
    frame.drop(columns=["decile_score"]).to_csv(data, index=False)
    document = bias_config(
        predicted_label_dataset_uri=str(tmp_path / "scores.csv"),
        joinsource_name_or_index="id",
        methods={"post_training_bias": {"methods": ["DI"]}},
    )
    reason = fails(tmp_path, document, data)
    assert reason == (
        "predicted_label: not set, so the predicted-label column is the one named 'predicted_label', and the "
        "predicted-label dataset has no such column (its columns: ['id', 'decile_score']); set predicted_label to "
        "the name or index of the column that holds the predictions; here that is probably 'decile_score'"
    )
    # reference §2.1: a column that has the default name is read without predicted_label.
    frame[["id", "predicted"]].rename(columns={"predicted": "predicted_label"}).to_csv(
        tmp_path / "scores.csv", index=False
    )
    analysis = run_analysis(load_config(document), data, tmp_path / "default_name")
    assert analysis["post_training_bias_metrics"]["facets"]["race"][0]["metrics"][0]["name"] == "DI"


def test_role_problems_lists_every_role_that_does_not_resolve(tmp_path):
    FRAME.to_csv(tmp_path / "d.csv", index=False)
    config = load_config(
        {"dataset_type": "text/csv", "label": "Y", "label_values_or_threshold": [1],
         "facet": [{"name_or_index": "sex"}, {"name_or_index": "Age"}], "group_variable": "zipcode",
         "excluded_columns": ["ID"], "methods": {"pre_training_bias": {"methods": ["CI"]}}}
    )  # fmt: skip
    problems = role_problems(config, open_dataset(config, tmp_path / "d.csv"))
    assert [problem.split(":")[0] for problem in problems] == [
        "label",
        "facet[1].name_or_index",
        "group_variable",
        "excluded_columns[0]",
    ]
    assert [problem.rsplit("; ", 1)[-1] for problem in problems] == [
        "did you mean 'y'?",
        "did you mean 'age'?",
        "did you mean 'zip'?",
        "did you mean 'id'?",
    ]
