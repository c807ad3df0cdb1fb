"""Global SHAP summaries and the local-value files, from local values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from airflow_provider_clarify.engine.explain.kernel_shap import LocalShap, Unit
from airflow_provider_clarify.engine.explain.plan import ExplanationPlan
from airflow_provider_clarify.engine.explain.shap_output import local_documents, local_table, summaries


def plan(text_columns: list[int]) -> ExplanationPlan:
    kinds = ["numerical", "free_text" if text_columns else "numerical"]
    return ExplanationPlan(None, None, ["b", "a"], kinds, text_columns, [0, 1], None)


LOCAL = LocalShap(
    values=[np.array([[1.0], [-2.0]]), np.array([[3.0], [0.0]])],
    expected=np.array([[0.5], [1.5]]),
    prediction=np.array([[-0.5], [4.5]]),
)


def test_summary_per_target_in_model_order():
    result, first = summaries(plan([]), LOCAL, {}, ["y"], "mean_abs")
    assert result == {"y": {"global_shap_values": {"b": 2.0, "a": 1.0}, "expected_value": 1.0}}
    assert first == {"b": 2.0, "a": 1.0}


def test_local_table_columns_by_feature_and_target_with_the_join_key():
    table = local_table(plan([]), LOCAL, ["y"], pd.Series([10, 11], name="id"))
    assert table.to_dict("list") == {"b_y": [1.0, 3.0], "a_y": [-2.0, 0.0], "id": [10, 11]}


def test_text_units_sum_into_their_column_and_rank_as_top_text():
    units = {0: {1: [Unit("good", 0, 4), Unit("day", 5, 8)]}, 1: {1: [Unit("good", 0, 4)]}}
    local = LocalShap(
        values=[np.array([[1.0], [0.25], [0.5]]), np.array([[2.0], [0.75]])],
        expected=np.array([[0.0], [0.0]]),
        prediction=np.array([[1.75], [2.75]]),
    )
    result, _ = summaries(plan([1]), local, units, ["y"], "mean_abs")
    assert result["y"]["global_shap_values"] == {"b": 1.5, "a": 0.75}  # a: mean(|0.25 + 0.5|, |0.75|)
    assert result["y"]["global_top_shap_text"] == {"good": 0.5, "day": 0.5}
    documents = local_documents(plan([1]), local, units)
    assert documents[0]["explanations"][1]["attributions"][1] == {
        "attribution": [0.5],
        "description": {"partial_text": "day", "start_idx": 5},
    }
