"""A config that carries a model URL with credentials (given as a param, as a careless DAG would): the rendered
fields Airflow stores must show the credentials masked. One task, and one mapped task (rendered through the
unmapped copy)."""

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "group", "value_or_threshold": [1]}],
    "predictor": {
        "content_type": "text/csv",
        "accept_type": "text/csv",
        "probability": 1,
        "local_predictor": "{{ params.model_url }}",
    },
    "methods": {"post_training_bias": {"methods": ["DPPL"]}},
}

with DAG(
    dag_id="rendered_secrets",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "dataset": Param("", type="string"),
        "output": Param("", type="string"),
        "model_url": Param("", type="string"),
    },
):
    LocalClarifyOperator(
        task_id="plain",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        output_uri="{{ params.output }}/plain",
    )
    LocalClarifyOperator.partial(task_id="mapped", config=CONFIG, dataset_uri="{{ params.dataset }}").expand(
        output_uri=["{{ params.output }}/mapped"]
    )
