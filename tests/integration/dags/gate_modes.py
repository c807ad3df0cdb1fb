"""Gate DAGs in every mode, fed by an upstream task that reads an analysis.json named in the run conf.

The upstream task stands in for any analysis task here (the end-to-end local-engine DAG is local_gate.py): the
gate only ever sees the ClarifyResult XCom, whichever engine produced it.
Run conf: ``analysis`` (local path of an analysis.json), ``output_uri`` (optional; where the result says its
outputs live, e.g. an s3:// prefix), ``rules`` (threshold rules, rendered natively).
"""

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_clarify.operators.gate import ClarifyGateOperator, check_clarify_result

PARAMS = {
    "analysis": Param("", type="string"),
    "output_uri": Param(None, type=["null", "string"]),
    "rules": Param({"DI": [0.8, 1.25]}, type="object"),
    "baseline": Param(None, type=["null", "string"]),
}


@task
def analysis_result(params=None) -> dict:
    from airflow_provider_clarify.results import ClarifyResult

    return ClarifyResult.from_analysis(
        params["analysis"], engine="local", job_name="stand-in", output_uri=params["output_uri"]
    ).to_xcom()


@task
def deploy() -> str:
    return "deployed"


@task
def after_deploy(deployed: str) -> str:
    return f"{deployed} and announced"


@task
def alert() -> str:
    return "alerted"


def gate_dag(dag_id: str, mode: str) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        params=PARAMS,
        render_template_as_native_obj=True,
    ) as dag:
        result = analysis_result()
        branch_ids = {"pass_task_ids": "deploy", "fail_task_ids": "alert"} if mode == "branch" else {}
        gate = ClarifyGateOperator(
            task_id="gate", result=result, rules="{{ params.rules }}", mode=mode, retries=2, **branch_ids
        )
        deployed = deploy()
        gate >> deployed
        after_deploy(deployed)
        if mode == "branch":
            gate >> alert()
    return dag


gate_dag("gate_fail", "fail")
gate_dag("gate_skip", "skip")
gate_dag("gate_branch", "branch")

with DAG(
    dag_id="gate_by_task_id",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params=PARAMS,
):
    # The result is named by task id; the gate pulls its return value.
    upstream = analysis_result()
    by_id = ClarifyGateOperator(task_id="gate", result="analysis_result", rules={"DPPL": [-0.1, 0.1]})
    upstream >> by_id >> deploy()

with DAG(
    dag_id="gate_not_a_result",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
):

    @task
    def row_count() -> dict:
        return {"rows": 3}

    ClarifyGateOperator(task_id="gate", result=row_count(), rules={"DI": [0.8, 1.25]}) >> deploy()

    @task
    def nothing() -> None:
        return None

    # Named by task id, but that task pushed no result.
    nothing() >> ClarifyGateOperator(task_id="gate_missing", result="nothing", rules={"DI": [0.8, 1.25]})

with DAG(
    dag_id="gate_drift",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params=PARAMS,
    render_template_as_native_obj=True,
):
    # Baseline drift only (no threshold rules); the baseline is an analysis.json location from the run conf.
    drift = ClarifyGateOperator(task_id="gate", result=analysis_result(), baseline="{{ params.baseline }}")
    drift >> deploy()

with DAG(
    dag_id="gate_taskflow",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params=PARAMS,
):

    @task
    def taskflow_gate(result: dict, params=None) -> dict:
        return check_clarify_result(result, rules=params["rules"])

    taskflow_gate(analysis_result()) >> deploy()
