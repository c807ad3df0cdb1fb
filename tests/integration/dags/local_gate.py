"""Local Clarify analysis → gate → deploy, with paths, facet value and gate rules from the run conf."""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator

CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["{{ params.facet_value }}"]}],
    "predicted_label": "prediction",
    "excluded_columns": ["split"],
    "methods": {
        "pre_training_bias": {"methods": ["CI", "DPL"]},
        "post_training_bias": {"methods": ["DI", "DPPL", "AD"]},
    },
}

with DAG(
    dag_id="local_gate",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "dataset": Param("", type="string"),
        "output": Param("", type="string"),
        "facet_value": Param("Female", type="string"),
        "rules": Param({"DI": [0.8, 1.25]}, type="object"),
    },
    render_template_as_native_obj=True,
):
    analysis = LocalClarifyOperator(
        task_id="bias_analysis",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        output_uri="{{ params.output }}",
    )
    gate = ClarifyGateOperator(task_id="gate", result=analysis.output, rules="{{ params.rules }}")

    @task
    def deploy() -> str:
        return "deployed"

    gate >> deploy()
