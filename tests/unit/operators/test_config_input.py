"""The operators' shared config input: every accepted form, Airflow's own template rendering, clear errors."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.config.builders import BiasConfig, DataConfig, ModelPredictedLabelConfig
from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError
from airflow_provider_clarify.operators.config_input import resolve_config

CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "predicted_label": "prediction",
    "methods": {"post_training_bias": {"methods": ["DI", "DPPL"]}},
}


def test_dict_json_string_python_literal_and_file_give_the_same_config(tmp_path):
    path = tmp_path / "analysis_config.json"
    path.write_text(json.dumps(CONFIG))
    for source in (CONFIG, json.dumps(CONFIG), str(CONFIG), str(path), path):
        assert resolve_config(source).to_dict() == CONFIG


def _render(operator, params):
    """Airflow's own rendering of the operator's template fields (what happens before execute())."""
    import jinja2

    operator.render_template_fields({"params": params}, jinja_env=jinja2.Environment())
    return operator.config


def test_rendered_dict_strings_come_back_typed():
    from airflow_provider_clarify.operators.local import LocalClarifyOperator

    templated = {
        **CONFIG,
        "probability_threshold": "{{ params.threshold }}",
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["{{ params.facet_value }}"]}],
    }
    operator = LocalClarifyOperator(task_id="t", config=templated, output_uri="/tmp/out")
    rendered = _render(operator, {"threshold": 0.7, "facet_value": "Male"})
    document = resolve_config(rendered).to_dict()
    assert document["probability_threshold"] == 0.7
    assert document["facet"] == [{"name_or_index": "sex", "value_or_threshold": ["Male"]}]


def test_param_dict_rendered_without_tojson_is_read_as_a_literal():
    from airflow_provider_clarify.operators.local import LocalClarifyOperator

    operator = LocalClarifyOperator(task_id="t", config="{{ params.analysis_config }}", output_uri="/tmp/out")
    rendered = _render(operator, {"analysis_config": CONFIG})
    assert isinstance(rendered, str) and rendered.startswith("{'dataset_type'")
    assert resolve_config(rendered).to_dict() == CONFIG


def test_builders_render_in_place_and_combine():
    from airflow_provider_clarify.operators.local import LocalClarifyOperator

    builders = [
        DataConfig(label="income", headers=None, dataset_type="text/csv", predicted_label="prediction"),
        BiasConfig(
            label_values_or_threshold=[">50K"], facet_name="sex", facet_values_or_threshold=["{{ params.v }}"]
        ),
        ModelPredictedLabelConfig(probability_threshold="{{ params.t }}"),
    ]
    operator = LocalClarifyOperator(task_id="t", config=builders, output_uri="/tmp/out")
    document = resolve_config(_render(operator, {"v": "Female", "t": "0.6"})).to_dict()
    assert document["facet"] == [{"name_or_index": "sex", "value_or_threshold": ["Female"]}]
    assert document["label"] == "income" and document["probability_threshold"] == 0.6


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_config(empty):
    with pytest.raises(ClarifyInvalidConfigError, match="config is empty; give a dict, a JSON string"):
        resolve_config(empty)


def test_missing_file_and_bad_json_name_the_argument(tmp_path):
    with pytest.raises(
        ClarifyInvalidConfigError, match=r"analysis_config names a config file that does not exist"
    ):
        resolve_config(str(tmp_path / "missing.json"), argument="analysis_config")
    with pytest.raises(ClarifyInvalidConfigError, match="config is not a valid Clarify analysis config"):
        resolve_config('{"dataset_type": "text/csv",')


def test_every_schema_problem_is_kept():
    bad = {
        **CONFIG,
        "dataset_type": "text/tsv",
        "methods": {"post_training_bias": {"methods": ["DI", "XYZ"]}},
    }
    with pytest.raises(ClarifyInvalidConfigError) as caught:
        resolve_config(bad)
    paths = {problem.path for problem in caught.value.problems}
    assert "dataset_type" in paths and any(
        path.startswith("methods.post_training_bias.methods") for path in paths
    )
