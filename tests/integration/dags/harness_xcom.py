"""A DAG for the harness test: one task computes from a Param, the next one receives it through XCom."""

import pendulum
from airflow.sdk import DAG, Param, task

with DAG(
    dag_id="harness_xcom",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"rows": Param(3, type="integer", minimum=1)},
):

    @task
    def count_rows(params=None) -> dict:
        from airflow_provider_clarify.get_provider_info import get_provider_info

        return {"rows": params["rows"] * 2, "provider": get_provider_info()["package-name"]}

    @task
    def receive(payload: dict) -> str:
        return f"{payload['provider']}:{payload['rows']}"

    receive(count_rows())
