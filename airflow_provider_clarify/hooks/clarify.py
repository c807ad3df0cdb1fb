"""ClarifyHook: the managed SageMaker Clarify processing job, on the amazon provider's AWS hook machinery.

Authentication, regions, endpoints (``endpoint_url`` and per-service ``service_config``), retries and botocore
settings all come from the Airflow connection through ``AwsBaseHook``; this hook only knows Clarify: where the
config goes, how to read the result back from the output prefix, and what a job's states mean. The request shape
is :mod:`.job_request`'s, the job family of a task :mod:`.job_names`'.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.exceptions import ClientError

from airflow_provider_clarify.contract import (
    ANALYSIS_FILE,
    CONFIG_FILE,
    MANIFEST_FILE,
    OUTPUT_NAME,
    join_uri,
    s3_uri,
    split_s3_uri,
)
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.hooks.config_upload import upload_analysis_config
from airflow_provider_clarify.hooks.job_names import attempt_of
from airflow_provider_clarify.outputs import OutputStateError
from airflow_provider_clarify.outputs.s3 import S3Prefix, read_s3_analysis
from airflow_provider_clarify.results import ClarifyResult

if TYPE_CHECKING:
    import boto3

    from airflow_provider_clarify.config import AnalysisConfig

JobDescription = Mapping[str, Any]
"""A DescribeProcessingJob answer (botocore's JSON: its values really are arbitrary)."""

IN_PROGRESS_STATES = frozenset({"InProgress", "Stopping"})
FAILED_STATES = frozenset({"Failed", "Stopped"})
SUCCESS_STATE = "Completed"
TERMINAL_STATES = FAILED_STATES | {SUCCESS_STATE}

# Error codes worth another poll rather than a failed task: AWS throttling and server-side faults. botocore has
# already retried them with backoff before they reach us; a waiting loop still should not die of one.
_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
    }
)


class ClarifyJobTimeoutError(Exception):
    """The job ran longer than ``max_ingestion_time``; it has been asked to stop."""


def is_transient(error: Exception) -> bool:
    """True for throttling and 5xx answers (worth polling again), False for anything the caller must see."""
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0
    return code in _TRANSIENT_CODES or status >= 500


def failure_reason(description: JobDescription) -> str:
    """Why a Failed or Stopped job did not complete, in one line (the operator, sensor and trigger all say this).

    The job's own ``FailureReason`` when it has one; a stopped job says it was stopped, so a console stop is not
    mistaken for an analysis error.
    """
    status = description.get("ProcessingJobStatus")
    reason = description.get("FailureReason")
    if not reason:
        return f"the job ended in state {status}"
    return f"the job was stopped ({reason})" if status == "Stopped" else str(reason)


def output_uri_of(description: JobDescription) -> str | None:
    """The S3 URI of the ``analysis_result`` output of a described processing job."""
    for output in (description.get("ProcessingOutputConfig") or {}).get("Outputs", []):
        if output.get("OutputName") == OUTPUT_NAME:
            uri = output.get("S3Output", {}).get("S3Uri")
            return None if uri is None else str(uri)
    return None


class ClarifyHook(AwsBaseHook):
    """Interact with managed SageMaker Clarify processing jobs (SageMaker API + S3 for config and results).

    Takes the usual AWS hook arguments (``aws_conn_id``, ``region_name``, ``verify``, ``config``). S3 uses the
    same connection and boto3 session, so a per-service S3 endpoint in the connection is honoured.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "sagemaker"
        super().__init__(*args, **kwargs)

    def get_session(self, region_name: str | None = None, deferrable: bool = False) -> boto3.session.Session:
        """One boto3 session per hook and region: botocore then parses its endpoint and service data once for
        the SageMaker and the S3 client together (a fresh session per client doubles that cost per task)."""
        if deferrable:
            return super().get_session(region_name=region_name, deferrable=deferrable)
        sessions: dict[str | None, boto3.session.Session] = self.__dict__.setdefault("_clarify_sessions", {})
        if region_name not in sessions:
            sessions[region_name] = super().get_session(region_name=region_name)
        return sessions[region_name]

    @cached_property
    def s3_client(self) -> Any:  # botocore builds client classes at run time: there is no static type
        """S3 on the same connection: its per-service S3 endpoint (``service_config``) is honoured, as S3Hook does."""
        return self.get_session(region_name=self.region_name).client(
            "s3",
            endpoint_url=self.conn_config.get_service_endpoint_url(service_name="s3"),
            config=self._get_config(),
            verify=self.verify,
        )

    @property
    def resolved_region(self) -> str | None:
        """The connection's region without building a client; the client's resolution only as a fallback."""
        region: str | None = self.region_name or self.conn_region_name
        return region

    # Config ----------------------------------------------------------------------------------------------------

    def upload_analysis_config(
        self, config: AnalysisConfig, config_prefix: str, *, kms_key_id: str | None = None
    ) -> str:
        """Write ``analysis_config.json`` (the document as given, UTF-8 JSON) under ``config_prefix``; SSE-KMS
        when a key is given. Returns the object's URI."""
        uri = upload_analysis_config(self.s3_client, config, config_prefix, kms_key_id=kms_key_id)
        self.log.info("Uploaded the analysis config to %s", uri)
        return uri

    # Jobs ------------------------------------------------------------------------------------------------------

    def create_processing_job(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.conn.create_processing_job(**request)
        self.log.info("Created processing job %s", request["ProcessingJobName"])
        return response

    def describe_processing_job(self, job_name: str) -> dict[str, Any]:
        description: dict[str, Any] = self.conn.describe_processing_job(ProcessingJobName=job_name)
        return description

    def stop_processing_job(self, job_name: str) -> bool:
        """Ask the job to stop; False (logged, not raised) when it had already finished."""
        try:
            self.conn.stop_processing_job(ProcessingJobName=job_name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationException":
                self.log.info("Processing job %s was not stopped: %s", job_name, error)
                return False
            raise
        self.log.info("Sent StopProcessingJob for %s", job_name)
        return True

    def find_attempts(self, family: str) -> list[dict[str, Any]]:
        """Summaries of the jobs of a task's job family, oldest attempt first (each with an ``Attempt`` key)."""
        found = []
        for page in self.conn.get_paginator("list_processing_jobs").paginate(NameContains=family):
            for summary in page.get("ProcessingJobSummaries", []):
                attempt = attempt_of(family, summary["ProcessingJobName"])
                if attempt is not None:
                    found.append({**summary, "Attempt": attempt})
        return sorted(found, key=lambda summary: int(summary["Attempt"]))

    def describe_with_retry(
        self, job_name: str, *, retry_delay: float = 5.0, attempts: int = 5
    ) -> dict[str, Any]:
        """Describe, polling again on throttling / 5xx answers that outlived botocore's own retries."""
        for attempt in range(1, attempts + 1):
            try:
                return self.describe_processing_job(job_name)
            except ClientError as error:
                if not is_transient(error) or attempt == attempts:
                    raise
                self.log.warning("Describing %s failed transiently (%s); polling again", job_name, error)
                time.sleep(retry_delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def wait_for_job(
        self,
        job_name: str,
        *,
        check_interval: float = 30,
        max_ingestion_time: float | None = None,
        on_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the job is Completed, Failed or Stopped and return its last description.

        When ``max_ingestion_time`` (seconds) passes first, the job is stopped and ``ClarifyJobTimeoutError`` is
        raised: a job nobody waits for any more must not keep billing.
        """
        started = time.monotonic()
        while True:
            description = self.describe_with_retry(job_name, retry_delay=check_interval)
            if on_poll is not None:
                on_poll(description)
            status = description["ProcessingJobStatus"]
            if status in TERMINAL_STATES:
                return description
            elapsed = time.monotonic() - started
            if max_ingestion_time is not None and elapsed > max_ingestion_time:
                self.stop_processing_job(job_name)
                raise ClarifyJobTimeoutError(
                    f"Processing job {job_name} was still {status} after {elapsed:.0f} s, beyond "
                    f"max_ingestion_time={max_ingestion_time} s; StopProcessingJob was sent"
                )
            self.log.info("Processing job %s is %s; next check in %s s", job_name, status, check_interval)
            time.sleep(check_interval)

    # Results ---------------------------------------------------------------------------------------------------

    def read_analysis(self, output_uri: str) -> dict[str, Any]:
        """The parsed ``analysis.json`` under the job's output prefix."""
        bucket, key = split_s3_uri(join_uri(output_uri, ANALYSIS_FILE), what="output_uri")
        body = self.s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
        document: dict[str, Any] = json.loads(body.decode("utf-8"))
        return document

    def list_output_files(self, output_uri: str) -> dict[str, str]:
        """Every file the job wrote (analysis.json, report.*, explanations_shap/*): relative name → S3 URI."""
        bucket, prefix = split_s3_uri(output_uri, what="output_uri")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        keys = [
            item["Key"]
            for page in self.s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        return {key[len(prefix) :]: s3_uri(bucket, key) for key in sorted(keys) if not key.endswith("/")}

    def read_job_output(
        self, output_uri: str, *, since: datetime | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """(analysis.json, the output's files: relative name → URI) of a job's output prefix, by the output
        protocol's reading rule (:mod:`airflow_provider_clarify.outputs.reading`).

        ``since`` (the job's CreationTime) narrows the prefix to the objects written since: files of earlier runs
        into the same prefix (a report a smaller config no longer writes, a stale manifest or ``failure``) are
        not part of this job's output. The uploaded ``analysis_config.json`` stays, as the job's own input. The
        managed container writes no manifest, so its output is complete when ``analysis.json`` is there; an
        engine image that writes one (this provider's) is checked against it.
        """
        prefix = S3Prefix(self.s3_client, output_uri)
        objects = prefix.objects()
        if since is not None:
            cutoff = since.replace(microsecond=0)  # S3 keeps whole seconds
            objects = {
                name: entry for name, entry in objects.items() if name == CONFIG_FILE or entry[1] >= cutoff
            }
        output, data = read_s3_analysis(prefix, {name: size for name, (size, _) in objects.items()})
        document: dict[str, Any] = json.loads(data.decode("utf-8"))
        return document, {name: prefix.uri(name) for name in output.files}

    def job_result(self, description: JobDescription, *, warnings: list[str] | None = None) -> dict[str, Any]:
        """The XCom summary of a Completed job: ClarifyResult built from its analysis.json and output files
        (those written since the job was created; see :meth:`read_job_output`)."""
        job_name = description.get("ProcessingJobName")
        output_uri = output_uri_of(description)
        if not output_uri:
            raise ValueError(
                f"Processing job {job_name} has no '{OUTPUT_NAME}' output: it was not started as a Clarify job"
            )
        try:
            document, files = self.read_job_output(output_uri, since=description.get("CreationTime"))
        except OutputStateError as error:
            raise ClarifyAnalysisError(
                f"the job completed, but its output is not usable: {error}", job_name=job_name
            ) from error
        result = ClarifyResult.from_analysis(
            document,
            engine="managed",
            job_name=description["ProcessingJobName"],
            job_status=description["ProcessingJobStatus"],
            output_uri=output_uri,
            output_files=files,
            warnings=warnings,
        )
        return result.to_xcom()

    def remove_stale_manifest(self, output_uri: str) -> None:
        """Delete a run manifest an earlier local run left under the job's output prefix.

        The managed job writes none: an old complete manifest would make every reader check the new
        ``analysis.json`` against the old run's SHA-256 (and refuse it), an old running one would make the new
        output read as incomplete.
        """
        bucket, key = split_s3_uri(join_uri(output_uri, MANIFEST_FILE), what="output_uri")
        self.s3_client.delete_object(Bucket=bucket, Key=key)
