"""A templated config rendered inside a real DAG run yields the typed, validated document; Param text is data."""

from __future__ import annotations

import pytest

from tests.integration.airflow_runs import run_dag

HOSTILE = 'quote " apostrophe \' {"braces": [1]} $features $records {{ params.label }} }}{% raw %}'


def expected_dict_document(
    label="target",
    positive=">50K",
    threshold=0.5,
    facet="sex",
    facet_values=("Female",),
    metrics=("CI", "DPL"),
    samples=100,
    use_logit=False,
    seed=None,
    title="Weekly bias report",
    endpoint="churn-endpoint",
    content_template='{"features": $features}',
):
    shap = {"num_samples": samples, "use_logit": use_logit}
    if seed is not None:
        shap["seed"] = seed
    return {
        "dataset_type": "text/csv",
        "headers": ["age", "sex", "race", "target"],
        "label": label,
        "label_values_or_threshold": [positive],
        "probability_threshold": threshold,
        "facet": [{"name_or_index": facet, "value_or_threshold": list(facet_values)}],
        "methods": {
            "pre_training_bias": {"methods": list(metrics)},
            "shap": shap,
            "report": {"name": "report", "title": title},
        },
        "predictor": {
            "endpoint_name": endpoint,
            "content_type": "application/jsonlines",
            "content_template": content_template,
        },
    }


@pytest.fixture(scope="module")
def default_run(test_dags_dir):
    return run_dag(test_dags_dir / "config_templated.py", "config_templated")


@pytest.fixture(scope="module")
def override_run(test_dags_dir):
    conf = {
        "positive": "1",
        "threshold": 0.75,
        "facet_values": ["Female", "Non-binary"],
        "metrics": ["KL", "JS"],
        "samples": 2048,
        "use_logit": True,
        "seed": 42,
        "title": HOSTILE,
        "content_template": '{"instances": [$features], "note": "' + "{{ '\"' }}" + '"}',
        "whole": {
            "dataset_type": "text/csv",
            "label": HOSTILE,
            "label_values_or_threshold": [HOSTILE],
            "facet": [{"name_or_index": HOSTILE, "value_or_threshold": [HOSTILE]}],
            "methods": {"pre_training_bias": {"methods": "all"}, "report": {"name": "r", "title": HOSTILE}},
        },
    }
    return run_dag(test_dags_dir / "config_templated.py", "config_templated", conf=conf)


def test_params_defaults_render_into_a_typed_validated_document(default_run):
    assert default_run.state == "success", default_run.task_states()
    assert default_run.xcom("render_dict") == expected_dict_document()
    # Rendered numbers, booleans and lists are real JSON types again, not their string forms.
    document = default_run.xcom("render_dict")
    assert isinstance(document["probability_threshold"], float)
    assert (
        document["methods"]["shap"]["num_samples"] == 100
        and document["methods"]["shap"]["use_logit"] is False
    )
    # The optional seed Param left at None is absent, not the string "None".
    assert "seed" not in document["methods"]["shap"]


def test_whole_config_param_rendered_as_json(default_run):
    assert default_run.xcom("render_json") == {
        "dataset_type": "text/csv",
        "label": "target",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex"}],
        "methods": {"pre_training_bias": {"methods": "all"}, "report": {"name": "r", "title": "plain"}},
    }


def test_templated_builders_render_like_the_sdk(default_run):
    result = default_run.xcom("render_builders")
    assert result["dataset_uri"] == "s3://bucket/target/data.csv"
    assert result["document"] == {
        "dataset_type": "text/csv",
        "headers": ["text", "target"],
        "label": "target",
        "methods": {
            "report": {"name": "report", "title": "Analysis Report"},
            "shap": {
                "use_logit": False,
                "save_local_shap_values": True,
                "baseline": [["Weekly bias report"]],
                "num_samples": 100,
                "text_config": {"granularity": "token", "language": "english"},
            },
        },
        "predictor": {"endpoint_name": "churn-endpoint", "label_headers": ["CI", "DPL"]},
        "probability_threshold": 0.5,
    }


def test_run_conf_overrides_and_hostile_text_lands_verbatim(override_run):
    assert override_run.state == "success", override_run.task_states()
    document = override_run.xcom("render_dict")
    assert document == expected_dict_document(
        positive="1",
        threshold=0.75,
        facet_values=("Female", "Non-binary"),
        metrics=("KL", "JS"),
        samples=2048,
        use_logit=True,
        seed=42,
        title=HOSTILE,
        content_template='{"instances": [$features], "note": "' + "{{ '\"' }}" + '"}',
    )
    # The hostile title is one string in one place; the document kept its shape.
    assert document["methods"]["report"]["title"] == HOSTILE
    assert set(document) == set(expected_dict_document())
    # The positive label "1" from a string Param stays the string "1" (the engine matches values by type).
    assert document["label_values_or_threshold"] == ["1"]


def test_hostile_text_inside_a_tojson_param_is_carried_verbatim(override_run):
    document = override_run.xcom("render_json")
    assert document["label"] == HOSTILE
    assert document["label_values_or_threshold"] == [HOSTILE]
    assert document["facet"] == [{"name_or_index": HOSTILE, "value_or_threshold": [HOSTILE]}]
    assert document["methods"]["report"]["title"] == HOSTILE


def test_hostile_text_in_templated_builders(override_run):
    result = override_run.xcom("render_builders")
    shap = result["document"]["methods"]["shap"]
    assert shap["baseline"] == [[HOSTILE]]
    assert shap["num_samples"] == 2048 and shap["use_logit"] is True
    assert result["document"]["probability_threshold"] == 0.75
    assert result["document"]["predictor"]["label_headers"] == ["KL", "JS"]


def test_native_rendering_route(test_dags_dir):
    outcome = run_dag(test_dags_dir / "config_templated.py", "config_templated_native", conf={"samples": 64})
    assert outcome.state == "success", outcome.task_states()
    result = outcome.xcom("render_native")
    # Jinja's native environment already returned typed values...
    rendered = result["rendered"]
    assert rendered["methods"]["shap"]["num_samples"] == 64 and rendered["probability_threshold"] == 0.5
    assert (
        rendered["facet"][0]["value_or_threshold"] == ["Female"]
        and rendered["methods"]["shap"]["seed"] is None
    )
    # ...and the document is the same one the string route yields.
    assert result["document"] == expected_dict_document(samples=64)
