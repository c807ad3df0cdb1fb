"""Request bodies built from the time-series templates (Clarify docs, "Endpoint requests for time series data"):
the expected bodies are typed out by hand, and every rendered body is read back as JSON."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.engine.predictors.errors import PredictorConfigError
from airflow_provider_clarify.engine.timeseries import requests
from airflow_provider_clarify.engine.timeseries.requests import TimeSeriesRecord, TimeSeriesSerializer
from tests.unit.engine.timeseries.forecasting import RECORD_TEMPLATE

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
    assert not serializer.single_record  # JSON Lines carries one record per line, several per request
    assert serializer.serialize([RECORD._replace(start=0), RECORD._replace(start=5)]) == (
        b'{"t": [1.0,2.0,3.0], "s": 0}\n{"t": [1.0,2.0,3.0], "s": 5}'
    )


def test_json_lines_with_a_content_template_wraps_each_line():
    serializer = TimeSeriesSerializer(
        "application/jsonlines", '{"t": $target_time_series}', '{"instance": $record}'
    )
    body = serializer.serialize([RECORD, RECORD._replace(target=[4.0])])
    assert [json.loads(line) for line in body.decode().split("\n")] == [
        {"instance": {"t": [1.0, 2.0, 3.0]}},
        {"instance": {"t": [4.0]}},
    ]


def test_numbers_read_back_exactly_and_text_stays_unicode():
    # repr is the shortest text that reads back as the same float: 0.1 stays 0.1, 1/3 keeps all 17 digits.
    values = [0.1, 1 / 3, 1e-300, -2.5e17, 0.0, 123456789.0]
    record = TimeSeriesRecord("2024-01-01", values, [[2 / 3, 7.0]], ["Zürich", 3, 1.5, True])
    serializer = TimeSeriesSerializer("application/json", RECORD_TEMPLATE, "$record")
    text = serializer.serialize([record]).decode("utf-8")
    assert '"Zürich"' in text and "[0.1,0.3333333333333333," in text
    body = json.loads(text)
    assert body["target"] == values and [str(v) for v in body["target"]] == [str(v) for v in values]
    assert body["dynamic_feat"] == [[2 / 3, 7.0]]
    assert body["cat"] == ["Zürich", 3, 1.5, True]


def test_the_number_cache_gives_the_same_text_when_it_is_full(monkeypatch):
    monkeypatch.setattr(requests._NumberText, "LIMIT", 2)
    serializer = TimeSeriesSerializer("application/json", '{"t": $target_time_series}', "$record")
    records = [RECORD._replace(target=[float(k), float(k) + 0.5, 0.25]) for k in range(5)]
    for k, record in enumerate(records):
        assert json.loads(serializer.serialize([record])) == {"t": [float(k), k + 0.5, 0.25]}


def test_every_placeholder_may_appear_anywhere_and_more_than_once():
    template = "[$static_covariates, $start_time, $target_time_series, $start_time, $related_time_series]"
    serializer = TimeSeriesSerializer("application/json", template, "$record")
    record = TimeSeriesRecord(7, [1.0], [], ["a"])
    assert json.loads(serializer.serialize([record])) == [["a"], 7, [1.0], 7, []]


@pytest.mark.parametrize(
    ("content_type", "record_template", "content_template", "fragment"),
    [
        ("text/csv", RECORD_TEMPLATE, "$record", "'text/csv' cannot carry time series"),
        ("application/json", None, "$record", "predictor.record_template is required"),
        ("application/json", "", "$record", "predictor.record_template is required"),
        ("application/json", RECORD_TEMPLATE, None, "must contain $records or $record"),
        ("application/json", RECORD_TEMPLATE, '{"instances": []}', "must contain $records or $record"),
    ],
)
def test_templates_that_cannot_make_a_request_are_config_errors(
    content_type, record_template, content_template, fragment
):
    with pytest.raises(PredictorConfigError) as caught:
        TimeSeriesSerializer(content_type, record_template, content_template)
    assert fragment in str(caught.value)


def test_template_that_does_not_give_json_is_a_config_error():
    serializer = TimeSeriesSerializer("application/json", '{"start": "$start_time"}', "$record")
    with pytest.raises(PredictorConfigError, match="without quotes around the placeholder"):
        serializer.serialize([RECORD])


def test_the_body_is_checked_once_then_trusted():
    serializer = TimeSeriesSerializer("application/json", RECORD_TEMPLATE, '{"instances": $records}')
    assert not serializer.checked
    serializer.serialize([RECORD])
    assert serializer.checked


def test_a_single_record_template_takes_exactly_one_record():
    serializer = TimeSeriesSerializer("application/json", RECORD_TEMPLATE, "$record")
    with pytest.raises(ValueError, match="exactly one record per request"):
        serializer.serialize([RECORD, RECORD])
