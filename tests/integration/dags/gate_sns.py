"""A gate on a result given in the run conf, alerting through the amazon provider's SnsNotifier."""

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators._alerts import sns_violation_notifier
from airflow_provider_clarify.operators.gate import ClarifyGateOperator

with DAG(
    dag_id="gate_sns",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"result": Param({}, type="object"), "topic_arn": Param("", type="string")},
):
    ClarifyGateOperator(
        task_id="gate",
        result="{{ params.result | tojson }}",
        rules={"DI": [0.8, 1.25]},
        write_violations=False,
        notifiers=sns_violation_notifier("{{ params.topic_arn }}"),
    )
