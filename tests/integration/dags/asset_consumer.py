"""Scheduled on the asset alias ``clarify-test-bias``: gates the result the triggering event carries, alerts.

The notifier records what it was asked to send in the file named by ``CLARIFY_TEST_NOTIFICATIONS`` (one JSON
line per call), so the test reads the rendered message whatever process ran the task.
"""

import json
import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, AssetAlias, BaseNotifier, task

from airflow_provider_clarify.operators._alerts import VIOLATIONS_MESSAGE, VIOLATIONS_SUBJECT
from airflow_provider_clarify.operators._assets import ClarifyAssetEventResult
from airflow_provider_clarify.operators.gate import ClarifyGateOperator


class RecordingNotifier(BaseNotifier):
    template_fields = ("message", "subject")

    def __init__(self, message: str = VIOLATIONS_MESSAGE, subject: str = VIOLATIONS_SUBJECT) -> None:
        super().__init__()
        self.message = message
        self.subject = subject

    def notify(self, context):
        with Path(os.environ["CLARIFY_TEST_NOTIFICATIONS"]).open("a") as stream:
            stream.write(json.dumps({"message": self.message, "subject": self.subject}) + "\n")


with DAG(
    dag_id="clarify_asset_consumer",
    schedule=AssetAlias("clarify-test-bias"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    gate = ClarifyGateOperator(
        task_id="gate",
        result=ClarifyAssetEventResult(asset_alias="clarify-test-bias"),
        rules={"DI": [0.8, 1.25]},
        mode="skip",
        notifiers=[RecordingNotifier()],
    )

    @task
    def deploy() -> str:
        return "deployed"

    gate >> deploy()
