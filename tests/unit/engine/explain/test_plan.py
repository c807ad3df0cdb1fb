"""The explanation plan: feature kinds, text columns, explained positions, checked before any model call."""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.explain import ExplanationData, ExplanationError
from airflow_provider_clarify.engine.explain.plan import plan_explanations

DATA = ExplanationData(
    pd.DataFrame({"n": [1, 2], "c": ["a", "b"], "t": ["good day", "bad"]}), label_columns=["y"]
)


def config(shap: dict, **document) -> object:
    return load_config({"dataset_type": "text/csv", "methods": {"shap": shap}, "predictor": {}, **document})


def test_kinds_and_explained_features():
    plan = plan_explanations(config({"features_to_explain": ["t", 0]}), DATA)
    assert plan.names == ["n", "c", "t"] and plan.kinds == ["numerical", "categorical", "categorical"]
    assert plan.explained == [0, 2] and plan.text_columns == [] and plan.non_text == [0, 2]


def test_text_config_makes_string_columns_free_text():
    plan = plan_explanations(config({"text_config": {"granularity": "token", "language": "en"}}), DATA)
    assert plan.kinds == ["numerical", "free_text", "free_text"] and plan.text_columns == [1, 2]
    assert plan.non_text == [0] and plan.text_config.max_top_tokens == 50


def test_the_label_is_never_explained():
    with pytest.raises(ExplanationError, match="features_to_explain names 'y', the label"):
        plan_explanations(config({"features_to_explain": ["y"]}, label=3, headers=["n", "c", "t", "y"]), DATA)
