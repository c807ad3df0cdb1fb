"""Monitoring gate: scheduled on the Asset the daily monitoring publishes, it gates each day's result and alerts.

What it does
    Every time ``clarify_monitoring`` publishes a day's ``analysis.json`` (its analysis tasks announce it through
    the asset alias ``clarify-monitoring``), Airflow starts this DAG. ``bias_gate`` reads the result summary from
    the triggering asset event — no XCom is pulled across DAGs — and checks the deployed model's bands:
    DI ≥ 0.5 and |DPPL| ≤ 0.1 for women (facet ``sex`` = 0). On a violation it fails and, when the environment
    variable ``CLARIFY_ALERTS_TOPIC_ARN`` names an SNS topic, publishes the violations there (the amazon
    provider's ``SnsNotifier``, connection ``aws_default``).

Trigger it by running ``clarify_monitoring``; a manual run of this DAG has no triggering event and fails saying
so. See docs/where-results-go.md.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, AssetAlias

from airflow_provider_clarify.operators._alerts import sns_violation_notifier
from airflow_provider_clarify.operators._assets import ClarifyAssetEventResult
from airflow_provider_clarify.operators.gate import ClarifyGateOperator

MONITORING_ASSET_ALIAS = "clarify-monitoring"  # as in dags/clarify_monitoring.py
ALERTS_TOPIC_ARN = os.environ.get("CLARIFY_ALERTS_TOPIC_ARN", "")

with DAG(
    dag_id="clarify_monitoring_gate",
    description="Gate each monitoring result from its asset event; alert through SNS on violations",
    schedule=AssetAlias(MONITORING_ASSET_ALIAS),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["clarify", "example"],
    doc_md=__doc__,
):
    ClarifyGateOperator(
        task_id="bias_gate",
        result=ClarifyAssetEventResult(asset_alias=MONITORING_ASSET_ALIAS),
        rules=[
            {"metric": "DI", "facet": "sex", "min": 0.5},
            {"metric": "DPPL", "facet": "sex", "min": -0.1, "max": 0.1},
        ],
        mode="fail",
        notifiers=[sns_violation_notifier(ALERTS_TOPIC_ARN)] if ALERTS_TOPIC_ARN else None,
    )
