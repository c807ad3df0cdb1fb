"""The forecasting model as a run builds and calls it: transports, the horizon check, and model errors.

Request bodies and forecast reading have their own tests (test_requests.py, test_forecasts.py); here the
transports are the engine's own (an in-process function taking the body, InvokeEndpoint through a client object
with ``invoke_endpoint``); HTTP is covered by tests/integration/test_time_series.py.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError, PredictorConfigError
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    analysis_config,
    run_time_series,
    write_dataset,
)


def explain(tmp_path, model, **config_options):
    dataset = write_dataset(tmp_path, "timestamp_records")
    return run_time_series(analysis_config(**config_options), dataset, tmp_path / "out", predictor=model)


def test_wrong_forecast_length_for_one_item_is_an_error_and_leaves_no_output(tmp_path):
    calls = []

    def shrinking(body: bytes) -> str:
        calls.append(body)
        instances = json.loads(body)["instances"]
        return json.dumps(
            {
                "predictions": [
                    {"mean": [1.0] * (2 if len(calls) == 1 and i == 0 else 3)}
                    for i, _ in enumerate(instances)
                ]
            }
        )

    with pytest.raises(
        AnalysisError, match=r"item 'store-1': the model returned forecasts of \[2, 3\] steps"
    ):
        explain(tmp_path, shrinking)
    assert not (tmp_path / "out").exists() or not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_forecast_path_finding_nothing_stops_the_run(tmp_path):
    with pytest.raises(ModelInvocationError, match="finds nothing"):
        explain(tmp_path, Forecaster(lambda t, r, s: np.ones(2)), forecast="forecasts[*].mean")


def test_single_record_template_sends_one_request_per_coalition(tmp_path):
    def one(body: bytes) -> str:
        record = json.loads(body)
        assert set(record) == {"start", "target", "dynamic_feat", "cat"}
        return json.dumps({"forecast": [sum(record["target"]), record["cat"][0]]})

    entry = explain(tmp_path, one, content_template="$record", forecast="forecast")
    assert entry["asymmetric_shapley_value"]["explanation_results_path"].endswith(
        "asymmetric_shapley_value/timewise_chronological/out.jsonl"
    )


class FakeRuntime:
    """A sagemaker-runtime client: InvokeEndpoint with a body, answered by a forecaster."""

    def __init__(self, model) -> None:
        self.model = model
        self.calls: list[dict] = []

    def invoke_endpoint(self, **arguments):
        self.calls.append(arguments)
        return {"Body": io.BytesIO(self.model(arguments["Body"]).encode())}


def test_invoke_endpoint_transport(tmp_path):
    runtime = FakeRuntime(Forecaster(lambda t, r, s: np.array([t.sum(), r.sum()])))
    config = analysis_config()
    config["predictor"].update(endpoint_name="forecaster", target_model="m1.tar.gz", custom_attributes="a=b")
    dataset = write_dataset(tmp_path, "timestamp_records")
    run_time_series(config, dataset, tmp_path / "out", sagemaker_runtime_client=runtime)
    first = runtime.calls[0]
    assert first["EndpointName"] == "forecaster"
    assert (first["ContentType"], first["Accept"]) == ("application/json", "application/json")
    assert (first["TargetModel"], first["CustomAttributes"]) == ("m1.tar.gz", "a=b")
    assert sum(len(json.loads(call["Body"])["instances"]) for call in runtime.calls) == sum(
        len(item.timestamps) + 1 for item in ITEMS
    )


class Estimator:
    """Shaped like a scikit-learn regressor: predict on feature rows, not callable."""

    def predict(self, rows):
        return [0.0 for _ in rows]


def test_an_estimator_cannot_forecast_from_json(tmp_path):
    estimator = Estimator()
    with pytest.raises(PredictorConfigError, match="forecasting model is called with JSON"):
        explain(tmp_path, estimator)


def test_no_model_anywhere(tmp_path):
    with pytest.raises(PredictorConfigError, match="no model to call"):
        explain(tmp_path, None)
