"""The in-process estimator transport follows the column order a scikit-learn model declares (feature_names_in_)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.predictors import EstimatorTransport, PredictorConfigError
from tests.unit.engine.compas_like import bias_config, write_compas


def fitted(columns: list[str]) -> LinearRegression:
    """y = 3 a + 5 b + 1 exactly, fitted on a frame whose columns come in ``columns`` order."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    return LinearRegression().fit(frame[columns], 3 * frame["a"] + 5 * frame["b"] + 1)


def test_records_reach_the_estimator_in_its_declared_order():
    transport = EstimatorTransport(fitted(["b", "a"]), ["a", "b"], "in-process model LinearRegression")
    transport.follow_declared_order()
    assert transport.model_order == ["b", "a"]
    # the request keeps the dataset order (a, b); the estimator gets its columns by name
    answer = transport.invoke(b"1,2\n0,0\n", "text/csv", "text/csv").decode().splitlines()
    assert [float(line) for line in answer] == pytest.approx([3 * 1 + 5 * 2 + 1, 1.0])


def test_an_estimator_without_declared_names_or_in_the_same_order_is_fed_as_is():
    same = EstimatorTransport(fitted(["a", "b"]), ["a", "b"], "m")
    same.follow_declared_order()
    assert same.model_order is None
    rng = np.random.default_rng(1)
    unnamed = EstimatorTransport(
        LinearRegression().fit(rng.normal(size=(9, 2)), rng.normal(size=9)), ["a", "b"], "m"
    )
    unnamed.follow_declared_order()
    assert unnamed.model_order is None


def test_declared_names_that_are_not_the_model_features_are_an_error_naming_them():
    transport = EstimatorTransport(fitted(["b", "a"]), ["A", "b", "c"], "in-process model LinearRegression")
    with pytest.raises(PredictorConfigError) as caught:
        transport.follow_declared_order()
    message = str(caught.value)
    assert message.startswith(
        "predictor: in-process model LinearRegression was fitted with the features ['b', 'a'] (feature_names_in_), "
        "but the model features of this dataset are ['A', 'b', 'c']"
    )
    assert (
        "Missing from the data: ['a']; not known to the model: ['A', 'c']; for 'a' did you mean 'A'?"
        in message
    )
    assert message.endswith(
        "Rename the columns, or list the ones the model does not take in excluded_columns"
    )


# ------------------------------------------------------------------------------------- through run_analysis


def test_a_model_fitted_with_another_column_order_gets_its_order_and_nothing_is_lost(tmp_path, caplog):
    data, frame = write_compas(tmp_path, rows=200)
    frame = frame[["age", "priors_count", "race", "two_year_recid", "predicted"]]
    frame.to_csv(data, index=False)
    target = 0.5 * frame["age"] + 2 * frame["priors_count"]
    model = LinearRegression().fit(frame[["priors_count", "age"]], target)  # the other order
    document = bias_config(
        predicted_label="predicted",
        excluded_columns=["race"],
        methods={
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": {"baseline": [[30, 5]], "num_samples": 10, "seed": 0},
        },
    )
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    analysis = run_analysis(load_config(document), data, tmp_path / "out", predictor=model)
    assert analysis["post_training_bias_metrics"]["facets"]["race"][0]["metrics"][0]["name"] == "DPPL"
    (target_name,) = analysis["explanations"]["kernel_shap"]
    # A linear model against one baseline row: φ_j = w_j (x_j − b_j), averaged in absolute value.
    expected = {
        "age": float(np.mean(np.abs(0.5 * (frame["age"] - 30)))),
        "priors_count": float(np.mean(np.abs(2 * (frame["priors_count"] - 5)))),
    }
    assert analysis["explanations"]["kernel_shap"][target_name]["global_shap_values"] == pytest.approx(
        expected
    )
    assert "declares its input order (feature_names_in_)" in caplog.text


def test_a_mismatch_fails_before_any_row_is_read(tmp_path, caplog):
    data, frame = write_compas(tmp_path, rows=200)
    fitted_on = frame[["priors_count"]].assign(Age=frame["age"])  # a column spelt differently
    model = LinearRegression().fit(fitted_on, frame["two_year_recid"])
    document = bias_config(
        predicted_label="predicted",
        excluded_columns=["id", "sex", "race", "decile_score"],
        methods={"post_training_bias": {"methods": ["DPPL"]}, "shap": {"baseline": [[30, 5]]}},
    )
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    with pytest.raises(AnalysisError) as caught:
        run_analysis(load_config(document), data, tmp_path / "out", predictor=model)
    assert caught.value.reason.startswith(
        "predictor: in-process model LinearRegression was fitted with the features ['priors_count', 'Age']"
    )
    assert "; for 'Age' did you mean 'age'?" in caught.value.reason
    assert "Read " not in caplog.text  # no data row was streamed: the bias section never started
