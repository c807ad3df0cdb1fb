"""ClarifyProcessingJobSensor: wait for a named Clarify job (poke, reschedule or deferrable) and push its result.

Pairs with ``ClarifyOperator(wait_for_completion=False)``: the operator starts the job and returns at once, the
sensor (``job_name="{{ ti.xcom_pull('start')['job_name'] }}"``) waits and pushes the same ``ClarifyResult``
summary the operator would have pushed. Failed and Stopped fail the sensor with the job's FailureReason.

The sensor is where such a result becomes known, so it is also where it is announced: like the operators, it
declares an ``AssetAlias`` outlet and, when the job is Completed, adds the event for the job's ``analysis.json``
Asset with the result summary as ``extra`` (:mod:`airflow_provider_clarify.operators._assets`). A DAG scheduled
on the alias (or the Asset) runs after a no-wait analysis exactly as after a waited one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_provider_clarify.compat import (
    AirflowException,
    AirflowSensorTimeout,
    Context,
    PokeReturnValue,
    conf,
)
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.hooks.clarify import (
    FAILED_STATES,
    SUCCESS_STATE,
    ClarifyHook,
    JobDescription,
    failure_reason,
    is_transient,
)
from airflow_provider_clarify.links.clarify import ClarifyProcessingJobLink
from airflow_provider_clarify.operators._assets import AnalysisAssetMixin
from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger

XComResult = dict[str, Any]
"""The sensor's XCom value: a ``ClarifyResult.to_xcom()`` dict (JSON values)."""


class ClarifyProcessingJobSensor(AnalysisAssetMixin, AwsBaseSensor[ClarifyHook]):
    """Wait until a Clarify processing job is Completed, announce its ``analysis.json`` and push
    ``ClarifyResult.to_xcom()``.

    :param job_name: the processing job (templated).
    :param deferrable: wait in the triggerer (the sensor's ``poke_interval`` becomes the trigger's interval and
        its ``timeout`` the trigger's deadline).
    :param asset_alias: the ``AssetAlias`` this task declares as its outlet; a Completed job adds an event for
        its ``analysis.json`` Asset through it, the result summary in its ``extra`` (default
        ``clarify/<dag_id>/<task_id>``). Pass the alias a consumer DAG is scheduled on.
    :param emit_asset: False declares no outlet and emits no asset event.
    """

    aws_hook_class = ClarifyHook
    template_fields: Sequence[str] = aws_template_fields("job_name")
    operator_extra_links = (ClarifyProcessingJobLink(),)
    ui_color = "#f4d7b4"

    def __init__(
        self,
        *,
        job_name: str,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        asset_alias: str | None = None,
        emit_asset: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.deferrable = deferrable
        self._link_persisted = False
        self.asset_alias = asset_alias  # Assets (operators/_assets.py)
        self.emit_asset = emit_asset
        self.declare_analysis_asset()

    def execute(self, context: Context) -> XComResult | None:
        if not self.deferrable:
            return super().execute(context)
        done = self.poke(context)
        if isinstance(done, PokeReturnValue):
            return done.xcom_value
        self.defer(
            trigger=ClarifyProcessingJobTrigger(
                self.job_name,
                check_interval=self.poke_interval,
                deadline=time.time() + float(self.timeout) if self.timeout else None,
                stop_on_kill=False,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> PokeReturnValue | bool:
        try:
            description = self.hook.describe_processing_job(self.job_name)
        except Exception as error:
            if is_transient(error):
                self.log.warning("Describing %s failed transiently (%s); poking again", self.job_name, error)
                return False
            raise
        if not self._link_persisted:
            ClarifyProcessingJobLink.persist(
                context=context,
                operator=self,
                region_name=self.hook.conn_region_name,
                aws_partition=self.hook.conn_partition,
                job_name=self.job_name,
            )
            self._link_persisted = True
        status = description["ProcessingJobStatus"]
        if status == SUCCESS_STATE:
            return PokeReturnValue(is_done=True, xcom_value=self._completed(description, context))
        if status in FAILED_STATES:
            raise ClarifyAnalysisError(failure_reason(description), job_name=self.job_name)
        self.log.info("Processing job %s is %s", self.job_name, status)
        return False

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> XComResult:
        if not event:
            raise AirflowException(f"{self.task_id} resumed without a trigger event")
        status = event.get("status")
        if status == "success":
            return self._completed(self.hook.describe_processing_job(self.job_name), context)
        if status in ("failed", "stopped"):
            raise ClarifyAnalysisError(event.get("message") or status, job_name=self.job_name)
        if status == "timeout":
            raise AirflowSensorTimeout(f"{self.job_name} did not finish within the sensor's timeout")
        raise AirflowException(event.get("message") or f"waiting for {self.job_name} ended with {status}")

    def _completed(self, description: JobDescription, context: Context) -> XComResult:
        """The result of the Completed job, announced as the asset event (operators/_assets.py)."""
        return self.announce_result(self.hook.job_result(description), context)
