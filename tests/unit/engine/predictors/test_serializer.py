"""Request bodies (reference §5.1): the worked examples byte for byte, and every template mistake as a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.engine.predictors import PredictorConfigError, RequestSerializer

HEADERS = ["A", "B"]
ROWS = [[0, 1], [3, 4]]


def _json(content_template: str, record_template: str, rows=ROWS) -> bytes:
    return RequestSerializer(
        "application/json", HEADERS, content_template=content_template, record_template=record_template
    ).serialize(rows)


def test_worked_example_records_with_feature_names():
    body = _json('{"instances": $records, "feature_names": $feature_names}', "$features")
    assert body == b'{"instances": [[0,1],[3,4]], "feature_names": ["A","B"]}'


def test_worked_example_records_of_key_value_pairs():
    assert _json("$records", "$features_kvp") == b'[{"A":0,"B":1},{"A":3,"B":4}]'


def test_worked_example_single_record_forces_batch_of_one():
    serializer = RequestSerializer(
        "application/json", HEADERS, content_template="$record", record_template="$features_kvp"
    )
    assert serializer.single_record
    assert serializer.serialize(ROWS[:1]) == b'{"A":0,"B":1}'


def test_named_placeholder_takes_the_quotes_with_it():
    assert _json("$records", '{"A": "${A}", "b": "${B}"}', [[0, "x"]]) == b'[{"A": 0, "b": "x"}]'


def test_jsonlines_example_from_the_docs():
    serializer = RequestSerializer(
        "application/jsonlines", ["a", "b", "c"], content_template='{"myfeatures":$features}'
    )
    assert serializer.serialize([[1, 2, 3], [4, 5, 6]]) == b'{"myfeatures":[1,2,3]}\n{"myfeatures":[4,5,6]}'


def test_csv_lines_without_header_quoting_commas_and_blank_for_missing():
    body = RequestSerializer("text/csv", ["a", "b", "c"]).serialize(
        [[1, "x,y", 2.5], [np.int64(7), None, None]]
    )
    assert body == b'1,"x,y",2.5\n7,,'


def test_numpy_scalars_become_json_numbers_and_strings_stay_strings():
    body = _json("$records", "$features", [[np.float64(0.5), "cat"]])
    assert body == b'[[0.5,"cat"]]'


@pytest.mark.parametrize(
    ("content_type", "content_template", "record_template", "fragment"),
    [
        ("application/jsonlines", '{"x": 1}', None, "$features"),
        ("application/jsonlines", None, None, "$features"),
        ("application/json", '{"instances": []}', "$features", "$record or $records"),
        ("application/json", "$records", None, "record_template is required"),
        ("application/json", "$records", '{"a": 1}', "must contain $features"),
        ("application/json", "$records", "[$features_kvp, $features_kvp]", "only once"),
    ],
)
def test_template_without_its_placeholder_is_a_clear_error(
    content_type, content_template, record_template, fragment
):
    with pytest.raises(PredictorConfigError) as caught:
        RequestSerializer(
            content_type, HEADERS, content_template=content_template, record_template=record_template
        )
    assert fragment in caught.value.reason
    assert "predictor." in caught.value.reason


def test_named_placeholder_naming_no_feature_lists_the_features():
    with pytest.raises(PredictorConfigError) as caught:
        RequestSerializer(
            "application/json", HEADERS, content_template="$records", record_template='{"z": "${Z}"}'
        )
    assert "'Z'" in caught.value.reason and "['A', 'B']" in caught.value.reason


def test_a_content_type_tabular_models_do_not_read_is_refused_with_the_supported_ones():
    with pytest.raises(
        PredictorConfigError,
        match=r"'application/x-image' is not supported; use one of text/csv, application/jsonlines, application/json",
    ):
        RequestSerializer("application/x-image", HEADERS)
