"""Local Clarify analysis that announces its analysis.json through the asset alias ``clarify-test-bias``."""

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator

CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "predicted_label": "prediction",
    "methods": {
        "pre_training_bias": {"methods": ["CI", "DPL"]},
        "post_training_bias": {"methods": ["DI", "DPPL"]},
    },
}

with DAG(
    dag_id="clarify_asset_producer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"dataset": Param("", type="string"), "output": Param("", type="string")},
):
    LocalClarifyOperator(
        task_id="bias_analysis",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        # One output folder per run: each run announces its own analysis.json Asset through the alias.
        output_uri="{{ params.output }}/{{ run_id | replace(':', '') | replace('+', '') }}",
        asset_alias="clarify-test-bias",
    )
