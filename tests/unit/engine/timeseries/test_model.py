"""Requests built from the time-series templates, forecasts read with the forecast JMESPath, and model errors.

Expected request bodies are typed out by hand from the Clarify page "Endpoint requests for time series data";
the transports are the engine's own (an in-process function taking the body, InvokeEndpoint through a client
object with ``invoke_endpoint``); HTTP is covered by tests/integration/test_time_series.py.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError, PredictorConfigError
from airflow_provider_clarify.engine.timeseries.forecasts import ForecastReader
from airflow_provider_clarify.engine.timeseries.requests import TimeSeriesRecord, TimeSeriesSerializer
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    RECORD_TEMPLATE,
    Forecaster,
    analysis_config,
    run_time_series,
    write_dataset,
)

RECORD = TimeSeriesRecord("2024-01-01 01:00:00", [1.0, 2.0, 3.0], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [0, 1])


def test_single_record_request_as_documented():
    serializer = TimeSeriesSerializer("application/json", RECORD_TEMPLATE, "$record")
    assert serializer.single_record
    body = json.loads(serializer.serialize([RECORD]))
    assert body == {
        "start": "2024-01-01 01:00:00",
        "target": [1.0, 2.0, 3.0],
        "dynamic_feat": [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
        "cat": [0, 1],
    }


def test_batch_request_as_documented():
    serializer = TimeSeriesSerializer(
        "application/json", '{"start": $start_time, "target": $target_time_series}', '{"instances": $records}'
    )
    second = RECORD._replace(start="2024-01-01 02:00:00")
    assert not serializer.single_record
    assert serializer.serialize([RECORD, second]) == (
        b'{"instances": [{"start": "2024-01-01 01:00:00", "target": [1.0,2.0,3.0]},'
        b'{"start": "2024-01-01 02:00:00", "target": [1.0,2.0,3.0]}]}'
    )


def test_json_lines_request_and_integer_start():
    serializer = TimeSeriesSerializer(
        "application/jsonlines", '{"t": $target_time_series, "s": $start_time}', None
    )
    assert serializer.serialize([RECORD._replace(start=0), RECORD._replace(start=5)]) == (
        b'{"t": [1.0,2.0,3.0], "s": 0}\n{"t": [1.0,2.0,3.0], "s": 5}'
    )


def test_template_that_does_not_give_json_is_a_config_error():
    serializer = TimeSeriesSerializer("application/json", '{"start": "$start_time"}', "$record")
    with pytest.raises(PredictorConfigError, match="without quotes around the placeholder"):
        serializer.serialize([RECORD])


@pytest.mark.parametrize(
    ("expression", "response", "count", "single", "expected"),
    [
        (
            "predictions[*].mean[:2]",
            {
                "predictions": [
                    {"mean": [13.4, 3.6, 1.0]},
                    {"mean": [23.0, 4.7, 3.0]},
                    {"mean": [3.4, 5.6, 2.0]},
                ]
            },
            3,
            False,
            [[13.4, 3.6], [23.0, 4.7], [3.4, 5.6]],
        ),
        ("forecast", {"forecast": [1.5, 2.5]}, 1, True, [[1.5, 2.5]]),
        ("predictions[*].mean", {"predictions": [{"mean": [7]}]}, 1, True, [[7.0]]),  # [[...]] with $record
        (
            "predictions[*].p50",
            {"predictions": [{"p50": 4.0}, {"p50": 5.0}]},
            2,
            False,
            [[4.0], [5.0]],
        ),  # 1-step
    ],
)
def test_forecasts_read_with_the_jmespath(expression, response, count, single, expected):
    reader = ForecastReader(expression, "application/json", single_record=single)
    got = reader.read(json.dumps(response).encode(), count)
    assert [forecast.tolist() for forecast in got] == expected


def test_json_lines_responses_give_one_forecast_per_line():
    reader = ForecastReader("mean", "application/jsonlines", single_record=False)
    got = reader.read(b'{"mean": [1, 2]}\n{"mean": [3, 4]}\n', 2)
    assert [forecast.tolist() for forecast in got] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ModelInvocationError, match="2 JSON line"):
        reader.read(b'{"mean": [1]}\n{"mean": [2]}', 3)


@pytest.mark.parametrize(
    ("expression", "response", "fragment"),
    [
        ("predictions[*].median", {"predictions": [{"mean": [1]}, {"mean": [2]}]}, "finds nothing"),
        ("result.forecast", {"predictions": []}, "finds nothing"),
        (
            "predictions[0].mean",
            {"predictions": [{"mean": [1, 2, 3]}, {"mean": [2, 3, 4]}]},
            "gives 3 forecast(s) for a request of 2",
        ),
        (
            "predictions[*].mean",
            {"predictions": [{"mean": [1, "x"]}, {"mean": [2, 3]}]},
            "'x' as a forecast value",
        ),
        ("predictions[*].mean", {"predictions": [{"mean": []}, {"mean": [2, 3]}]}, "empty forecast"),
        ("predictions", {"predictions": {"mean": 1}}, "gives an object"),
    ],
)
def test_forecast_jmespath_mistakes(expression, response, fragment):
    reader = ForecastReader(expression, "application/json", single_record=False)
    with pytest.raises(ModelInvocationError) as caught:
        reader.read(json.dumps(response).encode(), 2)
    assert fragment in str(caught.value)
    assert "predictor.time_series_predictor_config.forecast" in str(caught.value) or "forecast" in str(
        caught.value
    )


def test_not_json_response():
    reader = ForecastReader("mean", "application/json", single_record=True)
    with pytest.raises(ModelInvocationError, match="not JSON"):
        reader.read(b"1,2,3", 1)


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
