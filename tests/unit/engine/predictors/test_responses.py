"""Response parsing by accept type (reference §5.2): CSV columns, JSON Lines and JSON through JMESPath."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine.predictors import (
    ModelInvocationError,
    PredictorConfigError,
    ResponseParser,
)


def test_csv_label_and_probability_columns():
    outputs = ResponseParser("text/csv", label=0, probability=1).parse(b"1,0.9\n0,0.2\n", 2)
    assert [(o.label, o.probability) for o in outputs] == [(1, 0.9), (0, 0.2)]


def test_csv_whole_row_is_the_score_vector_and_bracketed_lists_are_vectors():
    outputs = ResponseParser("text/csv").parse(b"0.1,0.9\n[0.3,0.7]\n", 2)
    assert [o.raw for o in outputs] == [[0.1, 0.9], [0.3, 0.7]]


def test_jsonlines_jmespath_per_line():
    body = b'{"predicted_label":"cat","score":0.8}\n{"predicted_label":"dog","score":0.4}'
    outputs = ResponseParser("application/jsonlines", label="predicted_label", probability="score").parse(
        body, 2
    )
    assert [(o.label, o.probability) for o in outputs] == [("cat", 0.8), ("dog", 0.4)]


def test_json_jmespath_over_the_whole_document():
    body = b'{"predictions": [{"probability": 0.3}, {"probability": 0.6}]}'
    outputs = ResponseParser("application/json", probability="predictions[*].probability").parse(body, 2)
    assert [o.probability for o in outputs] == [0.3, 0.6]


def test_jmespath_with_the_wrong_count_names_the_field_and_counts():
    body = b'{"predictions": [{"probability": 0.3}]}'
    with pytest.raises(ModelInvocationError) as caught:
        ResponseParser("application/json", probability="predictions[*].probability").parse(body, 2)
    assert "predictor.probability" in caught.value.reason and "1 values" in caught.value.reason


@pytest.mark.parametrize(
    ("accept", "body"),
    [
        ("application/json", b"not json"),
        ("application/jsonlines", b'{"a": 1}\n{oops'),
        ("text/csv", b"1\n2\n3"),
    ],
)
def test_unparseable_or_miscounted_response_is_a_clear_error(accept, body):
    with pytest.raises(ModelInvocationError) as caught:
        ResponseParser(accept, probability=None if accept == "text/csv" else "a").parse(body, 2)
    assert accept in caught.value.reason or "JSON" in caught.value.reason


def test_csv_selector_must_be_an_index():
    with pytest.raises(PredictorConfigError, match=r"predictor.label must be a column index"):
        ResponseParser("text/csv", label="score")


def test_invalid_jmespath_is_a_config_error():
    with pytest.raises(PredictorConfigError, match="JMESPath"):
        ResponseParser("application/json", probability="predictions[*.")


def test_a_nan_in_a_numeric_csv_response_names_the_record():
    parser = ResponseParser("text/csv")
    assert parser.parse_numeric_csv(b"0.1,0.9\n0.3,0.7", 2).tolist() == [[0.1, 0.9], [0.3, 0.7]]
    with pytest.raises(
        ModelInvocationError, match=r"NaN for record 2 of the request \(response line 'nan,0\.7'; 1 of 2"
    ):
        parser.parse_numeric_csv(b"0.1,0.9\nnan,0.7", 2)
