"""The same gate, fed by ClarifyOperator (the managed path, played by the Clarify stand-in in tests)."""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.gate import ClarifyGateOperator

with DAG(
    dag_id="gate_remote",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "analysis_config": Param({}, type="object"),
        "dataset_uri": Param("", type="string"),
        "output_uri": Param("", type="string"),
        "role_arn": Param("arn:aws:iam::123456789012:role/ClarifyRole", type="string"),
        "rules": Param({"CI": [-0.2, 0.2]}, type="object"),
    },
    render_template_as_native_obj=True,
):
    clarify = ClarifyOperator(
        task_id="clarify",
        config="{{ params.analysis_config }}",
        dataset_uri="{{ params.dataset_uri }}",
        output_uri="{{ params.output_uri }}",
        role_arn="{{ params.role_arn }}",
        check_interval=0.5,
    )
    gate = ClarifyGateOperator(task_id="gate", result=clarify.output, rules="{{ params.rules }}")

    @task
    def deploy() -> str:
        return "deployed"

    gate >> deploy()
