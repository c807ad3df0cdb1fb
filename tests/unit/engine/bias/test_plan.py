"""The bias plan: metric lists from the config, the columns streamed and the tuple keys per facet column."""

from __future__ import annotations

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.bias.plan import MODEL_PREDICTION_COLUMN, plan_bias
from airflow_provider_clarify.engine.roles import ColumnRoles, FacetRole
from airflow_provider_clarify.engine.run import AnalysisRun

COLUMNS = ["id", "x1", "x2", "sex", "zip", "y"]


def run_of(methods: dict, predicted: str | None) -> AnalysisRun:
    config = load_config(
        {"dataset_type": "text/csv", "label": "y", "label_values_or_threshold": [1],
         "facet": [{"name_or_index": "sex"}], "group_variable": "zip", "methods": methods,
         "predictor": {"endpoint_name": "e"}}
    )  # fmt: skip
    roles = ColumnRoles(
        "y",
        predicted,
        [FacetRole("sex", None, 0), FacetRole("sex", ["f"], 1)],
        "zip",
        "id",
        [],
        ["x1", "x2", "sex", "zip"],
    )
    return AnalysisRun(config, roles)


def test_pre_training_only_reads_the_role_columns():
    plan = plan_bias(run_of({"pre_training_bias": {"methods": "all"}}, "p"), COLUMNS)
    assert (
        plan.pre_metrics == ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL") and plan.post_metrics is None
    )
    assert plan.predicted is None and not plan.uses_model
    assert plan.role_columns == ["y", "sex", "zip"] == plan.read_columns
    assert plan.tuple_keys == {"sex": ["sex", "y", "zip"]}
    assert plan.ft_columns is None and plan.label_values == [1]


def test_model_predictions_read_the_features_and_ft_reads_every_non_role_column():
    plan = plan_bias(run_of({"post_training_bias": {"methods": ["FT", "DPPL"]}}, None), COLUMNS)
    assert plan.post_metrics == ("FT", "DPPL") and plan.uses_model
    assert plan.predicted == MODEL_PREDICTION_COLUMN
    assert plan.role_columns == ["y", "sex", "zip", MODEL_PREDICTION_COLUMN]
    assert plan.ft_columns == ["x1", "x2", "sex", "zip"]  # label and join key are never FT features
    assert plan.read_columns == ["y", "sex", "zip", "x1", "x2"]
    assert plan.tuple_keys == {"sex": ["sex", "y", MODEL_PREDICTION_COLUMN, "zip"]}
