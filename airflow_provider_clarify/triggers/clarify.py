"""ClarifyProcessingJobTrigger: wait for a Clarify processing job in the triggerer, freeing the worker slot.

Why a custom trigger and not a botocore waiter: the trigger must (1) report Failed and Stopped as failures with
the job's FailureReason, (2) honour an absolute deadline (``max_ingestion_time``) that survives triggerer restarts
— it is serialized as a wall-clock timestamp, not as a remaining attempt count — and (3) keep polling through
throttling and 5xx answers. Describe calls run in a thread (``asyncio.to_thread``) so no async AWS client is needed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow_provider_clarify.compat import BaseTrigger, TriggerEvent
from airflow_provider_clarify.hooks.clarify import (
    FAILED_STATES,
    SUCCESS_STATE,
    ClarifyHook,
    failure_reason,
    is_transient,
)


class ClarifyProcessingJobTrigger(BaseTrigger):
    """Poll DescribeProcessingJob until the job ends (or ``deadline`` passes) and emit one event.

    Event payload: ``{"status": "success" | "failed" | "stopped" | "timeout" | "error", "job_name": ...,
    "message": ...}``; ``message`` carries the FailureReason for failed jobs.

    :param job_name: the processing job to watch.
    :param check_interval: seconds between two DescribeProcessingJob calls.
    :param deadline: Unix time after which the trigger stops waiting and reports ``timeout`` (None: no limit).
    :param stop_on_kill: stop the job when a user kills the deferred task (mark failed / clear).
    """

    def __init__(
        self,
        job_name: str,
        *,
        check_interval: float = 30,
        deadline: float | None = None,
        stop_on_kill: bool = True,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.job_name = job_name
        self.check_interval = check_interval
        self.deadline = deadline
        self.stop_on_kill = stop_on_kill
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_name": self.job_name,
                "check_interval": self.check_interval,
                "deadline": self.deadline,
                "stop_on_kill": self.stop_on_kill,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
            },
        )

    def hook(self) -> ClarifyHook:
        return ClarifyHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )

    def _event(self, status: str, message: str) -> TriggerEvent:
        return TriggerEvent({"status": status, "job_name": self.job_name, "message": message})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = self.hook()
        while True:
            try:
                description = await asyncio.to_thread(hook.describe_processing_job, self.job_name)
            except Exception as error:
                if not is_transient(error):
                    yield self._event("error", f"Describing processing job {self.job_name} failed: {error}")
                    return
                self.log.warning("Describing %s failed transiently (%s); polling again", self.job_name, error)
            else:
                status = description["ProcessingJobStatus"]
                if status == SUCCESS_STATE:
                    yield self._event("success", f"Processing job {self.job_name} completed")
                    return
                if status in FAILED_STATES:
                    yield self._event(status.lower(), failure_reason(description))
                    return
                self.log.info("Processing job %s is %s", self.job_name, status)
            if self.deadline is not None and time.time() > self.deadline:
                yield self._event(
                    "timeout", f"Processing job {self.job_name} did not finish before max_ingestion_time"
                )
                return
            await asyncio.sleep(self.check_interval)

    async def on_kill(self) -> None:
        """The user killed the deferred task: stop the job, as the operator's ``on_kill`` would."""
        if self.stop_on_kill:
            await asyncio.to_thread(self.hook().stop_processing_job, self.job_name)
