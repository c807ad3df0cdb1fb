"""DAG for the remote image and time-series tests: ClarifyOperator runs the job on the loopback SageMaker (the
stand-in plays the container with our engine), and a downstream task reads the result from XCom."""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.clarify import ClarifyOperator

PARAMS = {
    "analysis_config": Param({}, type="object"),
    "dataset_uri": Param("", type="string"),
    "output_uri": Param("", type="string"),
    "role_arn": Param("arn:aws:iam::123456789012:role/ClarifyRole", type="string"),
}


@task
def collect(summary: dict) -> dict:
    """A downstream consumer: the job and the files of its published output, as ClarifyResult reads them."""
    from airflow_provider_clarify.results import ClarifyResult

    result = ClarifyResult.from_xcom(summary)
    return {
        "job_name": result.job_name,
        "job_status": result.job_status,
        "files": sorted(result.output_files),
    }


with DAG(
    dag_id="remote_kinds", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), params=PARAMS
):
    clarify = ClarifyOperator(
        task_id="clarify",
        config="{{ params.analysis_config | tojson }}",
        dataset_uri="{{ params.dataset_uri }}",
        output_uri="{{ params.output_uri }}",
        role_arn="{{ params.role_arn }}",
        check_interval=0.5,
    )
    collect(clarify.output)
