"""A started managed Clarify job: wait for it and show its CloudWatch logs, as the SDK's ``ProcessingJob`` does.

``run_*(wait=True)`` returns when the job has Completed and raises when it Failed or was Stopped (with the job's
``FailureReason``), like the SDK. ``logs=True`` prints the container's log lines from the
``/aws/sagemaker/ProcessingJobs`` log group while waiting; a job whose logs do not exist yet (or a log service
that does not answer) never makes the wait fail.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from airflow_provider_clarify.clarify.aws import AwsClient

log = logging.getLogger("airflow_provider_clarify.clarify")

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"
TERMINAL_STATES = frozenset({"Completed", "Failed", "Stopped"})


class ClarifyJobFailedError(ValueError):
    """The processing job ended Failed or Stopped. A ``ValueError``, as the SDK's ``UnexpectedStatusException``
    is, so SDK code that catches that base keeps working. ``job_name``, ``status`` and ``reason`` are kept."""

    def __init__(self, job_name: str, status: str, reason: str | None) -> None:
        self.job_name, self.status, self.reason = job_name, status, reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"Clarify processing job {job_name} ended {status}{detail}")


@dataclass
class _LogReader:
    """New events of every log stream of one job since the last read."""

    client: AwsClient
    job_name: str
    write: Callable[[str], None]
    tokens: dict[str, str] = field(default_factory=dict)

    def read_new(self) -> None:
        try:
            streams = self.client.describe_log_streams(
                logGroupName=LOG_GROUP, logStreamNamePrefix=f"{self.job_name}/"
            ).get("logStreams", [])
            for stream in streams:
                self._read_stream(stream["logStreamName"])
        except (ClientError, BotoCoreError) as error:  # no log group yet, or no log service: keep waiting
            log.debug("No CloudWatch logs for %s yet: %s", self.job_name, error)

    def _read_stream(self, name: str) -> None:
        while True:
            arguments: dict[str, Any] = {
                "logGroupName": LOG_GROUP,
                "logStreamName": name,
                "startFromHead": True,
            }
            if name in self.tokens:
                arguments["nextToken"] = self.tokens[name]
            page = self.client.get_log_events(**arguments)
            for event in page.get("events", []):
                self.write(str(event.get("message", "")))
            token = page.get("nextForwardToken")
            if token is None or token == self.tokens.get(name):
                return
            self.tokens[name] = token


def _print_line(line: str) -> None:
    sys.stdout.write(line.rstrip("\n") + "\n")
    sys.stdout.flush()


@dataclass
class ClarifyProcessingJob:
    """The SDK's ``processor.latest_job``: the job's name and outputs, ``describe()`` and ``wait()``."""

    job_name: str
    output_uri: str
    sagemaker_client: AwsClient
    logs_client: Callable[[], AwsClient]
    poll_seconds: float = 5.0

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = self.sagemaker_client.describe_processing_job(
            ProcessingJobName=self.job_name
        )
        return description

    def wait(self, logs: bool = True) -> dict[str, Any]:
        """Poll until the job ends; print its log lines when ``logs``. Raises :class:`ClarifyJobFailedError`
        unless it Completed; returns the last description."""
        reader = _LogReader(self.logs_client(), self.job_name, _print_line) if logs else None
        while True:
            description = self.describe()
            status = str(description["ProcessingJobStatus"])
            if reader is not None:
                reader.read_new()
            if status in TERMINAL_STATES:
                break
            log.info("Processing job %s is %s", self.job_name, status)
            time.sleep(self.poll_seconds)
        if status != "Completed":
            raise ClarifyJobFailedError(self.job_name, status, description.get("FailureReason"))
        log.info("Processing job %s completed; the output is under %s", self.job_name, self.output_uri)
        return description

    def stop(self) -> None:
        self.sagemaker_client.stop_processing_job(ProcessingJobName=self.job_name)
