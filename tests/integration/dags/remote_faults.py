"""A DAG for the kill test: Airflow itself kills the Clarify task (execution_timeout) while its job runs."""

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.clarify import ClarifyOperator

with DAG(
    dag_id="remote_clarify_killed",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "analysis_config": Param({}, type="object"),
        "dataset_uri": Param("", type="string"),
        "output_uri": Param("", type="string"),
    },
):
    ClarifyOperator(
        task_id="clarify",
        config="{{ params.analysis_config | tojson }}",
        dataset_uri="{{ params.dataset_uri }}",
        output_uri="{{ params.output_uri }}",
        role_arn="arn:aws:iam::123456789012:role/ClarifyRole",
        check_interval=0.5,
        execution_timeout=timedelta(seconds=4),
    )
