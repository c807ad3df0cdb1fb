"""Local Clarify analysis with confidence intervals and segments → a gate whose rule's significance comes from the
run conf → deploy."""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    "predicted_label": "prediction",
    "segment_config": [{"name_or_index": "age", "segments": [["[18, 40)"]], "config_name": "ages"}],
    "methods": {"post_training_bias": {"methods": ["DI", "DPPL"]}},
}

with DAG(
    dag_id="interval_gate",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "dataset": Param("", type="string"),
        "output": Param("", type="string"),
        "level": Param(0.95, type="number"),
        "rules": Param([{"metric": "DI", "band": [0.8, 1.25]}], type="array"),
    },
    render_template_as_native_obj=True,
):
    analysis = LocalClarifyOperator(
        task_id="bias_analysis",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        output_uri="{{ params.output }}",
        confidence={"level": "{{ params.level }}", "replicates": 2000, "seed": 7},
    )
    gate = ClarifyGateOperator(task_id="gate", result=analysis.output, rules="{{ params.rules }}")

    @task
    def deploy() -> str:
        return "deployed"

    gate >> deploy()
