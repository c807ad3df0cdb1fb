"""Rendered templates back to schema types: by the schema, never by eval; Param text lands verbatim."""

from __future__ import annotations

import copy
import json

import pytest

from airflow_provider_clarify.config import ClarifyConfigError, coerce_rendered, load_config
from tests.unit.config.documents import BIAS_CSV, SHAP_CSV, variant

HOSTILE = [
    'a"b',
    "it's",
    "{x}",
    '{"a": 1}',
    "[1, 2]",
    "$features",
    "{{ params.x }}",
    "}{",
    "__import__('os').system('touch /tmp/owned')",
    "True",
    "None",
    "1",
    " padded ",
]


def test_rendered_strings_become_schema_types():
    rendered = {
        "dataset_type": "text/csv",
        "headers": "['age', 'sex', 'target']",
        "label": "target",
        "label_values_or_threshold": '[1, ">50K"]',
        "probability_threshold": "0.7",
        "facet": "[{'name_or_index': 'sex', 'value_or_threshold': [0]}]",
        "methods": {
            "pre_training_bias": {"methods": "['CI', 'DPL']"},
            "shap": {
                "num_samples": "100",
                "seed": "+7",
                "use_logit": "True",
                "save_local_shap_values": "false",
                "baseline": "[[40, 1]]",
                "features_to_explain": '["age"]',
            },
            "pdp": {"grid_resolution": " 10 ", "top_k_features": "5"},
        },
        "predictor": {"endpoint_name": "e", "initial_instance_count": "2", "label_headers": "['no', 'yes']"},
    }
    assert coerce_rendered(rendered) == {
        "dataset_type": "text/csv",
        "headers": ["age", "sex", "target"],
        "label": "target",
        "label_values_or_threshold": [1, ">50K"],
        "probability_threshold": 0.7,
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "methods": {
            "pre_training_bias": {"methods": ["CI", "DPL"]},
            "shap": {
                "num_samples": 100,
                "seed": 7,
                "use_logit": True,
                "save_local_shap_values": False,
                "baseline": [[40, 1]],
                "features_to_explain": ["age"],
            },
            "pdp": {"grid_resolution": 10, "top_k_features": 5},
        },
        "predictor": {"endpoint_name": "e", "initial_instance_count": 2, "label_headers": ["no", "yes"]},
    }


def test_float_field_reads_a_whole_number_as_float():
    assert coerce_rendered({"probability_threshold": "1"}) == {"probability_threshold": 1.0}
    assert isinstance(coerce_rendered({"probability_threshold": "1"})["probability_threshold"], float)
    assert coerce_rendered({"probability_threshold": "5e-1"}) == {"probability_threshold": 0.5}


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_param_text_lands_verbatim_in_string_fields(value):
    rendered = variant(
        SHAP_CSV,
        label=value,
        headers=["age", "sex", "income", value],
        dataset_uri=value,
        **{
            "predictor.content_template": value,
            "predictor.custom_attributes": value,
            "predictor.probability": value,
            "methods.report": {"name": value, "title": value},
        },
    )
    coerced = coerce_rendered(rendered)
    assert coerced == rendered
    assert coerced["label"] == value and coerced["predictor"]["content_template"] == value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_param_text_in_list_elements_stays_an_element(value):
    rendered = variant(
        BIAS_CSV,
        label_values_or_threshold=[value],
        facet=[{"name_or_index": "sex", "value_or_threshold": [value, "x"]}],
    )
    assert coerce_rendered(rendered) == rendered


def test_no_code_runs_and_non_literals_stay_strings(tmp_path):
    marker = tmp_path / "owned"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    coerced = coerce_rendered(
        {"headers": payload, "methods": {"shap": {"num_samples": payload, "baseline": payload}}}
    )
    assert not marker.exists()
    assert coerced == {"headers": payload, "methods": {"shap": {"num_samples": payload, "baseline": payload}}}


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("headers", "{1, 2}"),  # a set literal is not JSON
        ("headers", "b'bytes'"),
        ("headers", '{"a": 1}'),  # an object where a list belongs
        ("facet", "[1j]"),
        ("probability_threshold", "nan"),
        ("probability_threshold", "0.5.1"),
    ],
)
def test_unconvertible_text_is_left_for_validation_to_report(field, text):
    document = variant(BIAS_CSV, **{field: text})
    assert coerce_rendered(document)[field] == text
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document, rendered=True)
    assert field in caught.value.paths


def test_empty_optional_params_drop_the_field():
    rendered = variant(
        SHAP_CSV,
        probability_threshold="None",
        **{"methods.shap": {"num_samples": "", "seed": "None", "use_logit": "null"}},
    )
    assert coerce_rendered(rendered) == variant(SHAP_CSV, **{"methods.shap": {}})
    # ...but never a string field: a column literally named "None" stays.
    assert coerce_rendered({"label": "None"}) == {"label": "None"}


def test_string_or_index_fields_keep_strings():
    # "0" could be a column named "0": the schema accepts a string there, so it is not guessed into an index.
    assert coerce_rendered({"label": "0", "facet": [{"name_or_index": "1"}]}) == {
        "label": "0",
        "facet": [{"name_or_index": "1"}],
    }


def test_baseline_uri_stays_a_string_and_rows_become_rows():
    assert (
        coerce_rendered({"methods": {"shap": {"baseline": "s3://b/base.csv"}}})["methods"]["shap"]["baseline"]
        == "s3://b/base.csv"
    )
    rows = coerce_rendered({"methods": {"shap": {"baseline": "[{'features': [0, 0]}]"}}})
    assert rows["methods"]["shap"]["baseline"] == [{"features": [0, 0]}]


def test_valid_documents_are_untouched():
    for document in (BIAS_CSV, SHAP_CSV):
        assert coerce_rendered(copy.deepcopy(document)) == document


def test_rendered_load_accepts_json_text_python_literal_text_and_files(tmp_path):
    document = variant(BIAS_CSV, probability_threshold=0.5)
    assert load_config(json.dumps(document), rendered=True).to_dict() == document
    assert (
        load_config(repr(document), rendered=True).to_dict() == document
    )  # how Jinja prints a dict without | tojson
    file = tmp_path / "c.json"
    file.write_text(json.dumps(document))
    assert load_config(str(file), rendered=True).to_dict() == document
    config = load_config(document)
    assert load_config(config, rendered=True) is config


def test_rendered_load_types_then_validates_and_reports_every_problem():
    rendered = variant(SHAP_CSV, probability_threshold="high", **{"methods.shap": {"num_samples": "many"}})
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(rendered, rendered=True)
    assert sorted(caught.value.paths) == ["methods.shap.num_samples", "probability_threshold"]


def test_bias_methods_all_stays_and_a_rendered_list_becomes_a_list():
    assert coerce_rendered({"methods": {"post_training_bias": {"methods": "ALL"}}}) == {
        "methods": {"post_training_bias": {"methods": "ALL"}}
    }
    assert coerce_rendered({"methods": {"post_training_bias": {"methods": '["DI"]'}}}) == {
        "methods": {"post_training_bias": {"methods": ["DI"]}}
    }


def test_rendered_load_broken_json_text_says_where():
    with pytest.raises(ClarifyConfigError, match=r"not valid JSON: .* line 1 column"):
        load_config('{"dataset_type": "text/csv" "methods": {}}', rendered=True)


def test_native_none_in_optional_field_is_dropped_but_null_in_baseline_rows_is_kept():
    rendered = variant(
        SHAP_CSV, probability_threshold=None, **{"methods.shap": {"seed": None, "baseline": [[1, None]]}}
    )
    assert coerce_rendered(rendered) == variant(SHAP_CSV, **{"methods.shap": {"baseline": [[1, None]]}})
