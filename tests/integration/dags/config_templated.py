"""Templated analysis configs filled from DAG Params and typed back by the config layer, three ways.

- ``render_dict``: a dict whose leaves are Jinja strings (Airflow renders each leaf on its own, so a Param value
  can never change the document's structure); ``load_config(..., rendered=True)`` turns the rendered strings back into numbers,
  booleans and lists by the schema.
- ``render_json``: a whole config Param rendered with ``| tojson`` (JSON text, quoting handled by Jinja's filter).
- ``render_builders``: SDK-shaped builder objects whose arguments are templates (their ``template_fields``).

A second DAG, ``config_templated_native``, renders the same dict with ``render_template_as_native_obj=True``:
Jinja then returns native values (ints, floats, lists, ``None``), which ``load_config(..., rendered=True)`` keeps (dropping a
``None`` left in an optional field).
"""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.config import (
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SHAPConfig,
    TextConfig,
)

DICT_TEMPLATE = {
    "dataset_type": "text/csv",
    "headers": ["age", "sex", "race", "target"],
    "label": "{{ params.label }}",
    "label_values_or_threshold": ["{{ params.positive }}"],
    "probability_threshold": "{{ params.threshold }}",
    "facet": [{"name_or_index": "{{ params.facet }}", "value_or_threshold": "{{ params.facet_values }}"}],
    "methods": {
        "pre_training_bias": {"methods": "{{ params.metrics }}"},
        "shap": {
            "num_samples": "{{ params.samples }}",
            "use_logit": "{{ params.use_logit }}",
            "seed": "{{ params.seed }}",
        },
        "report": {"name": "report", "title": "{{ params.title }}"},
    },
    "predictor": {
        "endpoint_name": "{{ params.endpoint }}",
        "content_type": "application/jsonlines",
        "content_template": "{{ params.content_template }}",
    },
}


def make_params() -> dict:
    """Fresh Param objects for each DAG (Airflow may bind them to the DAG that owns them)."""
    return {
        "label": Param("target", type="string"),
        "positive": Param(">50K", type="string"),
        "threshold": Param(0.5, type="number"),
        "facet": Param("sex", type="string"),
        "facet_values": Param(["Female"], type="array"),
        "metrics": Param(["CI", "DPL"], type="array"),
        "samples": Param(100, type="integer"),
        "use_logit": Param(False, type="boolean"),
        "seed": Param(None, type=["null", "integer"]),
        "title": Param("Weekly bias report", type="string"),
        "endpoint": Param("churn-endpoint", type="string"),
        "content_template": Param('{"features": $features}', type="string"),
        "whole": Param(
            {
                "dataset_type": "text/csv",
                "label": "target",
                "label_values_or_threshold": [1],
                "facet": [{"name_or_index": "sex"}],
                "methods": {
                    "pre_training_bias": {"methods": "all"},
                    "report": {"name": "r", "title": "plain"},
                },
            },
            type="object",
        ),
    }


with DAG(
    dag_id="config_templated",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params=make_params(),
):

    @task
    def render_dict(config: dict) -> dict:
        from airflow_provider_clarify.config import load_config

        return load_config(config, rendered=True).to_dict()

    @task
    def render_json(config: str) -> dict:
        from airflow_provider_clarify.config import load_config

        return load_config(config, rendered=True).to_dict()

    @task
    def render_builders(items: list) -> dict:
        from airflow_provider_clarify.config import load_config

        config = load_config(items)
        return {"document": config.to_dict(), "dataset_uri": config.job_io.dataset_uri}

    render_dict(config=DICT_TEMPLATE)
    render_json(config="{{ params.whole | tojson }}")
    render_builders(
        items=[
            DataConfig(
                "s3://bucket/{{ params.label }}/data.csv",
                "s3://bucket/out/",
                label="{{ params.label }}",
                headers=["text", "{{ params.label }}"],
            ),
            ModelConfig(endpoint_name="{{ params.endpoint }}"),
            SHAPConfig(
                num_samples="{{ params.samples }}",
                use_logit="{{ params.use_logit }}",
                baseline=[["{{ params.title }}"]],
                text_config=TextConfig(granularity="token", language="{{ 'english' }}"),
            ),
            ModelPredictedLabelConfig(
                probability_threshold="{{ params.threshold }}", label_headers="{{ params.metrics }}"
            ),
        ]
    )

with DAG(
    dag_id="config_templated_native",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params=make_params(),
    render_template_as_native_obj=True,
):

    @task
    def render_native(config: dict) -> dict:
        from airflow_provider_clarify.config import load_config

        return {"rendered": config, "document": load_config(config, rendered=True).to_dict()}

    render_native(config=DICT_TEMPLATE)
