"""DAGs for the remote end-to-end tests: ClarifyOperator (sync, deferrable, no-wait + sensor) feeding a
downstream task through XCom. Everything AWS-facing comes from the run conf (loopback buckets per test)."""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor

PARAMS = {
    "analysis_config": Param({}, type="object"),
    "dataset_uri": Param("", type="string"),
    "output_uri": Param("", type="string"),
    "role_arn": Param("arn:aws:iam::123456789012:role/ClarifyRole", type="string"),
}
COMMON = {
    "config": "{{ params.analysis_config | tojson }}",
    "dataset_uri": "{{ params.dataset_uri }}",
    "output_uri": "{{ params.output_uri }}",
    "role_arn": "{{ params.role_arn }}",
    "check_interval": 0.5,
}
START = pendulum.datetime(2024, 1, 1, tz="UTC")


@task
def read_metrics(summary: dict) -> dict:
    """A downstream consumer: look the pre-training metrics up in the result pushed by the Clarify task."""
    from airflow_provider_clarify.results import ClarifyResult

    result = ClarifyResult.from_xcom(summary)
    return {
        "job_name": result.job_name,
        "job_status": result.job_status,
        "CI": result.metric("CI", facet="sex", value="Female"),
        "DPL": result.metric("DPL", facet="sex", value="Female"),
    }


with DAG(dag_id="remote_clarify_sync", schedule=None, start_date=START, params=PARAMS):
    read_metrics(ClarifyOperator(task_id="clarify", **COMMON).output)

with DAG(dag_id="remote_clarify_deferrable", schedule=None, start_date=START, params=PARAMS):
    read_metrics(ClarifyOperator(task_id="clarify", deferrable=True, **COMMON).output)

with DAG(dag_id="remote_clarify_nowait_sensor", schedule=None, start_date=START, params=PARAMS):
    start = ClarifyOperator(task_id="start", wait_for_completion=False, **COMMON)
    wait = ClarifyProcessingJobSensor(
        task_id="wait",
        job_name="{{ ti.xcom_pull(task_ids='start')['job_name'] }}",
        poke_interval=0.5,
        timeout=300,
    )
    start >> wait
    read_metrics(wait.output)

with DAG(dag_id="remote_clarify_sensor_deferrable", schedule=None, start_date=START, params=PARAMS):
    start = ClarifyOperator(task_id="start", wait_for_completion=False, **COMMON)
    wait = ClarifyProcessingJobSensor(
        task_id="wait",
        job_name="{{ ti.xcom_pull(task_ids='start')['job_name'] }}",
        poke_interval=0.5,
        timeout=300,
        deferrable=True,
    )
    start >> wait
    read_metrics(wait.output)

with DAG(dag_id="remote_clarify_sensor_reschedule", schedule=None, start_date=START, params=PARAMS):
    start = ClarifyOperator(task_id="start", wait_for_completion=False, **COMMON)
    wait = ClarifyProcessingJobSensor(
        task_id="wait",
        job_name="{{ ti.xcom_pull(task_ids='start')['job_name'] }}",
        mode="reschedule",
        poke_interval=1,
        timeout=300,
    )
    start >> wait
    read_metrics(wait.output)

with DAG(
    dag_id="remote_clarify_mapped",
    schedule=None,
    start_date=START,
    params={**PARAMS, "slices": Param([], type="array")},
):

    @task
    def slices(params=None) -> list[dict]:
        """One mapped Clarify task per dataset slice, each with its own output prefix."""
        return [
            {"dataset_uri": uri, "output_uri": f"{params['output_uri']}/{index}"}
            for index, uri in enumerate(params["slices"])
        ]

    @task
    def collect(summaries: list) -> list[dict]:
        from airflow_provider_clarify.results import ClarifyResult

        results = [ClarifyResult.from_xcom(summary) for summary in summaries]
        return [{"job_name": r.job_name, "CI": r.metric("CI", facet="sex", value="Female")} for r in results]

    mapped = ClarifyOperator.partial(
        task_id="clarify",
        config="{{ params.analysis_config | tojson }}",
        role_arn="{{ params.role_arn }}",
        check_interval=0.5,
    ).expand_kwargs(slices())
    collect(mapped.output)
