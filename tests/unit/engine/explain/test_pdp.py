"""Partial dependence (reference §7): grid, distribution, averaged predictions, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.explain import ExplanationError
from airflow_provider_clarify.engine.predictors import build_model
from tests.unit.engine.explain.runs import explain

DATA = pd.DataFrame({"x": [0, 1, 2, 3, 10], "colour": ["red", "blue", "red", "green", "red"], "z": [1.0] * 5})
COLOUR_VALUE = {"red": 1.0, "blue": 2.0, "green": 4.0}


def model_function(body: bytes) -> str:
    """Two scores per record: 2x + colour value + z, and the constant 0.5."""
    lines = []
    for line in body.decode().splitlines():
        x, colour, z = line.split(",")
        lines.append(f"{2 * float(x) + COLOUR_VALUE[colour] + float(z)},0.5")
    return "\n".join(lines)


def _run(tmp_path, pdp, shap=None):
    methods = {"pdp": pdp} | ({"shap": shap} if shap else {})
    config = {
        "dataset_type": "text/csv",
        "methods": methods,
        "predictor": {"label_headers": ["score", "half"]},
    }
    return explain(config, DATA, build_model(load_config(config), predictor=model_function), tmp_path)


def test_numeric_grid_is_bucket_centres_with_fractions(tmp_path):
    (entry,) = _run(tmp_path, {"features": ["x"], "grid_resolution": 4})["pdp"]
    assert entry["feature_name"] == "x" and entry["data_type"] == "numerical"
    assert entry["feature_values"] == [1.25, 3.75, 6.25, 8.75]  # [0, 10] in 4 equal buckets
    assert entry["data_distribution"] == [
        0.6,
        0.2,
        0.0,
        0.2,
    ]  # 0,1,2 in [0,2.5); 3 in [2.5,5); 10 in the last
    colour_mean = np.mean([COLOUR_VALUE[c] for c in DATA["colour"]])
    expected = [2 * v + colour_mean + 1.0 for v in entry["feature_values"]]
    np.testing.assert_allclose(entry["model_predictions"][0], expected)
    assert entry["model_predictions"][1] == [0.5] * 4
    assert entry["label_headers"] == ["score", "half"]


def test_categorical_values_in_order_of_appearance(tmp_path):
    (entry,) = _run(tmp_path, {"features": [1], "grid_resolution": 15})["pdp"]
    assert entry["data_type"] == "categorical"
    assert entry["feature_values"] == ["red", "blue", "green"]
    assert entry["data_distribution"] == [0.6, 0.2, 0.2]
    mean_x = DATA["x"].mean()
    np.testing.assert_allclose(
        entry["model_predictions"][0], [2 * mean_x + COLOUR_VALUE[c] + 1 for c in entry["feature_values"]]
    )


def test_top_k_by_global_shap_when_features_not_given(tmp_path):
    result = _run(tmp_path, {"top_k_features": 2, "grid_resolution": 3}, shap={"baseline": [[0, "red", 1.0]]})
    assert [entry["feature_name"] for entry in result["pdp"]] == ["x", "colour"]  # z never moves the score


def test_pdp_feature_that_does_not_exist(tmp_path):
    with pytest.raises(
        ExplanationError, match=r"methods.pdp.features names 'income', which is not a model feature"
    ):
        _run(tmp_path, {"features": ["income"], "grid_resolution": 5})
    with pytest.raises(ExplanationError, match=r"methods.pdp.features index 7 is out of range"):
        _run(tmp_path, {"features": [7], "grid_resolution": 5})
