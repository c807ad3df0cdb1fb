"""build_model: transports, batching, retries and the model_name rule (in-process; HTTP is an integration test)."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.predictors import (
    InvocationSettings,
    ModelInvocationError,
    ModelInvoker,
    PredictorConfigError,
    RequestSerializer,
    ResponseParser,
    RetryableModelError,
    build_model,
)

FEATURES = pd.DataFrame({"x": [1, 2, 3, 4, 5], "y": [0.5, 1.5, 2.5, 3.5, 4.5]})
CSV_CONFIG = {"dataset_type": "text/csv", "label": "target", "predictor": {"content_type": "text/csv"}}


def typed(document: dict):
    """The AnalysisConfig of a model test's document; a model is only built for a method that needs one (SHAP)."""
    return load_config({"methods": {"shap": {}}, **document})


class ScriptedTransport:
    """Answers from a script of callables, recording each body: a stand-in model server for invoker tests."""

    description = "scripted model"

    def __init__(self, *steps):
        self.steps = list(steps)
        self.bodies: list[bytes] = []

    def invoke(self, body, content_type, accept_type):
        self.bodies.append(body)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        return step(body)


def _echo_first_field(body: bytes) -> bytes:
    return b"\n".join(line.split(b",")[0] for line in body.split(b"\n"))


def _invoker(transport, **settings) -> ModelInvoker:
    return ModelInvoker(
        RequestSerializer("text/csv", ["a", "b"]),
        ResponseParser("text/csv"),
        transport,
        InvocationSettings(backoff_seconds=0.001, **settings),
    )


def test_module_callable_predictor_scores_through_the_serializer():
    model = build_model(typed(CSV_CONFIG), predictor="tests.unit.engine.model_fixtures:csv_sum_model")
    scores = model.predict_scores(FEATURES)
    np.testing.assert_allclose(scores[:, 0], (FEATURES["x"] + FEATURES["y"]) / 10)
    assert model.target_names == ["target"]
    labels = model.predict_labels(FEATURES)
    assert labels.tolist() == [0, 0, 1, 1, 1]  # (x + y) / 10 > 0.5 from x = 3 on
    assert labels.index.equals(FEATURES.index)


def test_jsonlines_template_reaches_the_callable():
    config = {
        "dataset_type": "text/csv",
        "predictor": {
            "content_type": "application/jsonlines",
            "content_template": '{"f":$features}',
            "probability": "score",
        },
    }
    model = build_model(typed(config), predictor="tests.unit.engine.model_fixtures:jsonlines_echo_count")
    assert model.predict_scores(FEATURES)[:, 0].tolist() == [2.0] * 5
    assert model.target_names == ["label0"]


def test_estimator_object_and_joblib_file_give_class_probabilities(tmp_path):
    X = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20.0) % 3})
    estimator = LogisticRegression().fit(X, (X["x"] > 9).astype(int))
    expected = estimator.predict_proba(X)
    in_memory = build_model(typed({"dataset_type": "text/csv"}), predictor=estimator)
    np.testing.assert_allclose(in_memory.predict_scores(X), expected, rtol=1e-12)
    assert in_memory.target_names == ["0", "1"]
    assert in_memory.predict_labels(X).tolist() == estimator.predict(X).tolist()
    path = tmp_path / "model.joblib"
    joblib.dump(estimator, path)
    from_file = build_model(
        typed({"dataset_type": "text/csv", "predictor": {"probability": 1}}), predictor=str(path)
    )
    np.testing.assert_allclose(from_file.predict_scores(X)[:, 0], expected[:, 1], rtol=1e-12)


def test_batches_are_bounded_by_count_and_by_payload_size():
    transport = ScriptedTransport(_echo_first_field)
    rows = [[i, 0] for i in range(10)]
    outputs = _invoker(transport, batch_size=4, max_concurrency=3).invoke(rows)
    assert [o.raw for o in outputs] == list(range(10))  # order kept across concurrent batches
    assert sorted(body.count(b"\n") + 1 for body in transport.bodies) == [2, 4, 4]
    small = ScriptedTransport(_echo_first_field)
    outputs = _invoker(small, batch_size=100, max_payload_bytes=12).invoke(rows)
    assert [o.raw for o in outputs] == list(range(10))
    assert all(len(body) <= 12 for body in small.bodies) and len(small.bodies) > 1


def test_throttling_is_retried_then_succeeds():
    def throttled(body):
        raise RetryableModelError("scripted model: ThrottlingException")

    transport = ScriptedTransport(throttled, throttled, _echo_first_field)
    assert [o.raw for o in _invoker(transport).invoke([[7, 0]])] == [7]
    assert len(transport.bodies) == 3


def test_persistent_failure_gives_up_with_a_clear_reason():
    def broken(body):
        raise RetryableModelError("scripted model answered HTTP 500")

    transport = ScriptedTransport(broken)
    with pytest.raises(ModelInvocationError, match=r"HTTP 500 \(gave up after 3 attempts\)"):
        _invoker(transport, max_retries=2).invoke([[1, 0]])
    assert len(transport.bodies) == 3


def test_record_count_mismatch_is_not_retried():
    transport = ScriptedTransport(lambda body: b"0.5")
    with pytest.raises(ModelInvocationError, match="returned 1 outputs for a request of 2 records"):
        _invoker(transport).invoke([[1, 0], [2, 0]])
    assert len(transport.bodies) == 1


def test_model_name_form_points_to_the_alternatives():
    config = {
        "dataset_type": "text/csv",
        "predictor": {"model_name": "m", "instance_type": "ml.m5.xlarge", "initial_instance_count": 1},
    }
    with pytest.raises(PredictorConfigError) as caught:
        build_model(typed(config))
    assert "endpoint_name" in caught.value.reason and "ClarifyOperator" in caught.value.reason


def test_bad_override_is_a_config_error():
    with pytest.raises(PredictorConfigError, match="cannot import module"):
        build_model(typed(CSV_CONFIG), predictor="no_such_module_xyz:f")
    with pytest.raises(PredictorConfigError, match="does not exist"):
        build_model(typed(CSV_CONFIG), predictor="/nonexistent/model.joblib")


def test_named_placeholder_checked_against_features_before_any_request():
    config = {
        "dataset_type": "text/csv",
        "predictor": {
            "content_type": "application/json",
            "content_template": "$records",
            "record_template": '"${z}"',
        },
    }
    with pytest.raises(PredictorConfigError, match="'z'"):
        build_model(typed(config), predictor=lambda body: b"", feature_names=["x", "y"])


def test_record_count_mismatch_through_predict_scores_names_both_counts():
    model = build_model(typed(CSV_CONFIG), predictor=lambda body: b"0.1\n0.2")
    with pytest.raises(ModelInvocationError, match="returned 2 outputs for a request of 5 records"):
        model.predict_scores(FEATURES)


def test_non_numeric_csv_response_falls_back_to_the_general_rules():
    config = {"dataset_type": "text/csv", "predictor": {"label": 0, "probability": 1}}
    model = build_model(
        typed(config), predictor=lambda body: "\n".join(["yes,0.75"] * body.count(b"\n") + ["no,0.25"])
    )
    assert model.predict_scores(FEATURES)[:, 0].tolist() == [0.75] * 4 + [0.25]
    assert model.predict_labels(FEATURES).tolist() == ["yes"] * 4 + ["no"]


def test_remote_calls_are_spread_over_the_allowed_concurrency():
    transport = ScriptedTransport(_echo_first_field)
    transport.remote = True
    rows = [[i, 0] for i in range(230)]
    outputs = _invoker(transport, batch_size=1000, max_concurrency=4).invoke(rows)
    assert [o.raw for o in outputs] == list(range(230))
    assert sorted(body.count(b"\n") + 1 for body in transport.bodies) == [
        56,
        58,
        58,
        58,
    ]  # ceil(230 / 4) = 58 per request
    small = ScriptedTransport(_echo_first_field)
    small.remote = True
    _invoker(small, batch_size=1000, max_concurrency=4).invoke(rows[:80])
    assert sorted(body.count(b"\n") + 1 for body in small.bodies) == [30, 50]  # never below 50 per request


def test_engine_options_set_the_retry_budget():
    """``EngineOptions.max_retries`` / ``backoff_seconds`` reach the client: 1 retry means 2 attempts, no more."""
    from airflow_provider_clarify.engine import EngineOptions

    def broken(body):
        raise RetryableModelError("scripted model answered HTTP 503")

    settings = InvocationSettings.from_options(
        EngineOptions(max_retries=1, backoff_seconds=0.001, timeout_seconds=3)
    )
    assert settings.timeout_seconds == 3
    transport = ScriptedTransport(broken)
    invoker = ModelInvoker(
        RequestSerializer("text/csv", ["a", "b"]), ResponseParser("text/csv"), transport, settings
    )
    with pytest.raises(ModelInvocationError, match=r"HTTP 503 \(gave up after 2 attempts\)"):
        invoker.invoke([[1, 0]])
    assert len(transport.bodies) == 2
