"""Forecasts read out of model responses with ``predictor.time_series_predictor_config.forecast`` (JMESPath):
the documented example, one-record and JSON Lines responses, and each mistake named with the expression."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError, PredictorConfigError
from airflow_provider_clarify.engine.timeseries.forecasts import FORECAST, ForecastReader


def read(expression, response, count, *, single=False, accept="application/json"):
    reader = ForecastReader(expression, accept, single_record=single)
    body = response if isinstance(response, bytes) else json.dumps(response).encode()
    return [forecast.tolist() for forecast in reader.read(body, count)]


@pytest.mark.parametrize(
    ("expression", "response", "count", "single", "expected"),
    [
        (  # the Clarify docs' example: predictions[*].mean[:2] gives [[13.4, 3.6], [23.0, 4.7], [3.4, 5.6]]
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
        ("predictions[*].p50", {"predictions": [{"p50": 4.0}, {"p50": 5.0}]}, 2, False, [[4.0], [5.0]]),
        ("forecast", {"forecast": 9}, 1, True, [[9.0]]),  # one number: a one-step forecast
        ("[*].yhat", [{"yhat": [1, 2]}, {"yhat": [3, 4]}], 2, False, [[1.0, 2.0], [3.0, 4.0]]),
    ],
)
def test_forecasts_read_with_the_jmespath(expression, response, count, single, expected):
    assert read(expression, response, count, single=single) == expected


def test_forecasts_are_float_arrays_even_from_integers():
    reader = ForecastReader("f", "application/json", single_record=True)
    (forecast,) = reader.read(b'{"f": [1, 2]}', 1)
    assert forecast.dtype == float and forecast.tolist() == [1.0, 2.0]


def test_json_lines_responses_give_one_forecast_per_line():
    assert read("mean", b'{"mean": [1, 2]}\n\n{"mean": [3, 4]}\n', 2, accept="application/jsonlines") == [
        [1.0, 2.0],
        [3.0, 4.0],
    ]
    with pytest.raises(ModelInvocationError, match="answered 2 JSON line"):
        read("mean", b'{"mean": [1]}\n{"mean": [2]}', 3, accept="application/jsonlines")


def test_the_accept_type_is_case_insensitive_and_defaults_to_json():
    assert (
        ForecastReader("f", "Application/JSONLines", single_record=False).accept_type
        == "application/jsonlines"
    )
    assert ForecastReader("f", "", single_record=False).accept_type == "application/json"


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
        (
            "predictions[*].mean",
            {"predictions": [{"mean": [1, True]}, {"mean": [2, 3]}]},
            "True as a forecast",
        ),
        (
            "predictions[*].mean",
            {"predictions": [{"mean": [1, None]}, {"mean": [2, 3]}]},
            "None as a forecast",
        ),
        ("predictions[*].mean", {"predictions": [{"mean": []}, {"mean": [2, 3]}]}, "empty forecast"),
        ("predictions", {"predictions": {"mean": 1}}, "gives an object"),
        ("p", {"p": 5}, "gives 5 for a batch of 2"),
    ],
)
def test_forecast_jmespath_mistakes(expression, response, fragment):
    with pytest.raises(ModelInvocationError) as caught:
        read(expression, response, 2)
    assert fragment in str(caught.value)
    assert f"{FORECAST} {expression!r}" in str(caught.value)


def test_a_non_finite_forecast_is_refused():
    # Python's json module reads the NaN and Infinity literals some servers write; a forecast must be finite.
    for literal in (b"NaN", b"Infinity"):
        with pytest.raises(ModelInvocationError, match="forecasts must be finite numbers"):
            read("f", b'{"f": [1.0, ' + literal + b"]}", 1, single=True)


def test_not_json_and_not_utf8_responses():
    with pytest.raises(ModelInvocationError, match=r"not JSON .*set predictor\.accept_type"):
        read("mean", b"1,2,3", 1, single=True)
    with pytest.raises(ModelInvocationError, match="not UTF-8 text"):
        read("mean", b"\xff\xfe{", 1, single=True)


def test_a_long_response_is_shortened_in_the_message():
    response = {"predictions": [{"mean": [1.0] * 200}]}
    with pytest.raises(ModelInvocationError) as caught:
        read("predictions[*].median", response, 1)
    assert "..." in str(caught.value) and len(str(caught.value)) < 400


@pytest.mark.parametrize(
    ("expression", "accept", "fragment"),
    [
        ("predictions[*", "application/json", "is not valid JMESPath"),
        ("predictions", "text/csv", "text/csv cannot carry forecasts"),
    ],
)
def test_settings_that_cannot_read_a_forecast_are_config_errors(expression, accept, fragment):
    with pytest.raises(PredictorConfigError, match=fragment):
        ForecastReader(expression, accept, single_record=False)
