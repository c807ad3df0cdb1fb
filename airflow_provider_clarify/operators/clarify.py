"""ClarifyOperator: run a managed SageMaker Clarify processing job — idempotent across retries, killable.

What it adds over a generic processing operator (the gaps users report):

- the analysis config is validated (schema, cross-field rules, model source, distributed-mode join column) and
  every job argument is checked BEFORE any upload or API call;
- job names are deterministic per task instance (``hooks/job_names.py``): a retry finds the job of its earlier
  try — running → reattach and wait; Completed → read its results; Failed/Stopped → a new job with the next
  attempt number. No duplicate jobs;
- Stopped is a failure, and Failed fails the task with the job's FailureReason (``ClarifyAnalysisError``);
- ``on_kill`` (and the trigger's ``on_kill`` when deferred) stops the job; ``max_ingestion_time`` stops it too;
- three wait modes: poll (``check_interval``), deferrable (``ClarifyProcessingJobTrigger``) or no wait;
- the XCom value is the compact ``ClarifyResult`` summary, the same shape the local operator returns;
- a console link to the job and OpenLineage inputs (dataset URIs) / output (output prefix).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, conf
from botocore.exceptions import ClientError

from airflow_provider_clarify.config import ClarifyConfigError, check_managed_job
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.hooks.clarify import (
    FAILED_STATES,
    IN_PROGRESS_STATES,
    SUCCESS_STATE,
    ClarifyHook,
    ClarifyJobTimeoutError,
    output_uri_of,
)
from airflow_provider_clarify.hooks.job_names import attempt_name, attempt_of, explicit_family, job_family
from airflow_provider_clarify.hooks.job_request import (
    CONFIG_FILE_NAME,
    DEFAULT_INSTANCE_COUNT,
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_VOLUME_SIZE_GB,
    ClarifyJobRequestError,
    build_processing_job_request,
    clarify_image_uri,
    default_job_name_prefix,
    join_s3_uri,
    parse_s3_uri,
)
from airflow_provider_clarify.links.clarify import ClarifyProcessingJobLink
from airflow_provider_clarify.operators._config_input import resolve_config
from airflow_provider_clarify.operators._lineage import ClarifyLineageMixin
from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_clarify.config.model import JobIO

_PLACEHOLDER_JOB_NAME = "Clarify-validation-1"


@dataclass(frozen=True)
class _JobPlan:
    """Everything the job needs, checked before any side effect; only the job name is decided later."""

    document: dict[str, Any]
    dataset_uri: str
    output_uri: str
    config_prefix: str
    config_uri: str
    request_arguments: dict[str, Any]


class ClarifyOperator(ClarifyLineageMixin, AwsBaseOperator[ClarifyHook]):
    """Run a SageMaker Clarify analysis as a managed processing job and push its result summary to XCom.

    :param config: the analysis config (templated): a dict, a JSON string, a path to a .json file, builder
        objects (``DataConfig``, ``BiasConfig``, ...) or an ``AnalysisConfig``. Validated before any AWS call.
    :param output_uri: ``s3://`` prefix the job writes ``analysis.json`` (and report / SHAP files) under;
        defaults to a builder ``DataConfig``'s ``s3_output_path``.
    :param role_arn: IAM role ARN the job runs as.
    :param dataset_uri: ``s3://`` URI or prefix of the dataset; defaults to the config's ``dataset_uri``, then to
        a builder ``DataConfig``'s ``s3_data_input_path``.
    :param config_uri: ``s3://`` prefix for ``analysis_config.json``; defaults to a builder ``DataConfig``'s
        ``s3_analysis_config_output_path``, then to the output prefix (as the SDK).
    :param instance_type: processing instance type (default ``ml.c5.xlarge``).
    :param instance_count: instances; more than one runs Clarify distributed (Spark inside the job), which needs
        ``joinsource_name_or_index`` when local SHAP values are saved or a second dataset is joined.
    :param volume_size_in_gb: EBS volume per instance (default 30).
    :param volume_kms_key: KMS key for the instance volumes.
    :param output_kms_key: KMS key for the job's S3 output; also used for the config upload unless
        ``config_kms_key`` is given.
    :param config_kms_key: KMS key for the uploaded ``analysis_config.json`` (SSE-KMS).
    :param network_config: the API's ``NetworkConfig`` (``EnableNetworkIsolation``,
        ``EnableInterContainerTrafficEncryption``, ``VpcConfig`` with ``SecurityGroupIds`` and ``Subnets``).
    :param environment: environment variables for the container.
    :param max_runtime_in_seconds: the job's ``StoppingCondition`` (SageMaker stops it after this long).
    :param tags: job tags as ``{key: value}`` or ``[{"Key": k, "Value": v}]``.
    :param job_name: a fixed job name family (attempt suffix ``-N`` appended); default: derived from the task
        instance with a readable prefix, so that retries find their job.
    :param job_name_prefix: the readable part of derived names (default: the SDK's, e.g. ``Clarify-Bias``).
    :param image_uri: an explicit Clarify image (default: the image of the connection's region).
    :param wait_for_completion: wait for the job; False returns as soon as the job runs (pair with
        ``ClarifyProcessingJobSensor``).
    :param check_interval: seconds between two status checks.
    :param max_ingestion_time: stop the job and fail when it runs longer than this (seconds) while waited for.
    :param deferrable: wait in the triggerer instead of the worker.
    :return: ``ClarifyResult.to_xcom()`` of the finished job; with ``wait_for_completion=False`` a small dict
        ``{"engine": "managed", "job_name", "job_status", "output_uri"}`` (the sensor pushes the full result).
    """

    aws_hook_class = ClarifyHook
    template_fields: Sequence[str] = aws_template_fields(
        "config",
        "output_uri",
        "role_arn",
        "dataset_uri",
        "config_uri",
        "instance_type",
        "instance_count",
        "volume_size_in_gb",
        "volume_kms_key",
        "output_kms_key",
        "config_kms_key",
        "network_config",
        "environment",
        "max_runtime_in_seconds",
        "tags",
        "job_name",
        "job_name_prefix",
        "image_uri",
    )
    template_fields_renderers = {
        "config": "json",
        "network_config": "json",
        "environment": "json",
        "tags": "json",
    }
    operator_extra_links = (ClarifyProcessingJobLink(),)
    ui_color = "#f4d7b4"

    def __init__(
        self,
        *,
        config: Any,
        role_arn: str,
        output_uri: str | None = None,
        dataset_uri: str | None = None,
        config_uri: str | None = None,
        instance_type: str = DEFAULT_INSTANCE_TYPE,
        instance_count: int = DEFAULT_INSTANCE_COUNT,
        volume_size_in_gb: int = DEFAULT_VOLUME_SIZE_GB,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        config_kms_key: str | None = None,
        network_config: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        max_runtime_in_seconds: int | None = None,
        tags: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        job_name: str | None = None,
        job_name_prefix: str | None = None,
        image_uri: str | None = None,
        wait_for_completion: bool = True,
        check_interval: float = 30,
        max_ingestion_time: float | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.output_uri = output_uri
        self.role_arn = role_arn
        self.dataset_uri = dataset_uri
        self.config_uri = config_uri
        self.instance_type = instance_type
        self.instance_count = instance_count
        self.volume_size_in_gb = volume_size_in_gb
        self.volume_kms_key = volume_kms_key
        self.output_kms_key = output_kms_key
        self.config_kms_key = config_kms_key
        self.network_config = network_config
        self.environment = environment
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.tags = tags
        self.job_name = job_name
        self.job_name_prefix = job_name_prefix
        self.image_uri = image_uri
        self.wait_for_completion = wait_for_completion
        self.check_interval = check_interval
        self.max_ingestion_time = max_ingestion_time
        self.deferrable = deferrable
        self._running_job: str | None = None

    # Validation (no side effects) ------------------------------------------------------------------------------

    def plan_job(self) -> _JobPlan:
        """Validate the config and every job argument; build the request minus its name. No AWS call is made."""
        analysis_config = resolve_config(self.config, argument="config")
        document = analysis_config.to_dict()
        try:
            dataset_uri, output_uri, config_prefix = self._locations(document, analysis_config.job_io)
            config_uri = join_s3_uri(config_prefix, CONFIG_FILE_NAME)
            parse_s3_uri(config_uri, "config_uri")
            _check_managed_job(document, _as_int(self.instance_count, "instance_count"))
            image = clarify_image_uri(None if self.image_uri else self._region(), self.image_uri)
            arguments: dict[str, Any] = {
                "image_uri": image,
                "role_arn": self.role_arn,
                "dataset_uri": dataset_uri,
                "config_uri": config_uri,
                "output_uri": output_uri,
                "dataset_type": document.get("dataset_type"),
                "instance_type": self.instance_type,
                "instance_count": self.instance_count,
                "volume_size_in_gb": self.volume_size_in_gb,
                "volume_kms_key": self.volume_kms_key,
                "output_kms_key": self.output_kms_key,
                "environment": _json_argument(self.environment, "environment"),
                "network_config": _json_argument(self.network_config, "network_config"),
                "max_runtime_in_seconds": self.max_runtime_in_seconds,
                "tags": _json_argument(self.tags, "tags"),
            }
            # A dry build checks every argument now, so nothing is uploaded for a request that would be refused.
            build_processing_job_request(job_name=_PLACEHOLDER_JOB_NAME, **arguments)
            if self.job_name:
                explicit_family(self.job_name)
        except (ClarifyJobRequestError, ValueError) as error:
            raise ClarifyInvalidConfigError(str(error)) from error
        return _JobPlan(document, dataset_uri, output_uri, config_prefix, config_uri, arguments)

    def _locations(self, document: Mapping[str, Any], job_io: JobIO | None) -> tuple[str, str, str]:
        """(dataset URI, output prefix, config prefix), checked: operator arguments, then the config, then builders.

        A ``DataConfig`` built like the SDK's carries the job's S3 paths beside the document (``job_io``); a DAG
        that builds its config that way should not have to repeat them to the operator. Errors name where the
        bad value came from, so a wrong ``s3_output_path`` is not reported as a wrong ``output_uri=``.
        """
        dataset_uri, dataset_source = _first_given(
            (self.dataset_uri, "dataset_uri"),
            (document.get("dataset_uri"), "the config's dataset_uri"),
            (job_io and job_io.dataset_uri, "DataConfig.s3_data_input_path"),
        )
        if not dataset_uri:
            raise ClarifyJobRequestError(
                "dataset_uri is missing: pass dataset_uri= to the operator, set 'dataset_uri' in the config or "
                "s3_data_input_path in DataConfig (an s3:// URI or prefix of the dataset)"
            )
        output_uri, output_source = _first_given(
            (self.output_uri, "output_uri"), (job_io and job_io.output_uri, "DataConfig.s3_output_path")
        )
        if not output_uri:
            raise ClarifyJobRequestError(
                "output_uri is missing: pass output_uri= to the operator or s3_output_path to DataConfig "
                "(the s3:// prefix the job writes analysis.json under)"
            )
        # JobIO fills analysis_config_uri with the output path when the builder named none: only an explicit one
        # (one that differs) may win over an operator output_uri.
        builder_config_uri = None
        if job_io and job_io.analysis_config_uri and job_io.analysis_config_uri != job_io.output_uri:
            builder_config_uri = job_io.analysis_config_uri
        config_prefix, config_source = _first_given(
            (self.config_uri, "config_uri"),
            (builder_config_uri, "DataConfig.s3_analysis_config_output_path"),
            (output_uri, output_source),
        )
        parse_s3_uri(dataset_uri, dataset_source)
        parse_s3_uri(output_uri, output_source)
        parse_s3_uri(config_prefix, config_source)
        config_dataset = document.get("dataset_uri")
        if config_dataset and dataset_source != "the config's dataset_uri" and config_dataset != dataset_uri:
            self.log.warning(
                "The config's dataset_uri %s overrides the job's dataset input %s (%s) inside the Clarify "
                "container; the input is downloaded but not read. Give the dataset in one place only.",
                config_dataset,
                dataset_uri,
                dataset_source,
            )
        return dataset_uri, output_uri, config_prefix

    def _region(self) -> str | None:
        """The connection's region (no API call; a client is built only when the connection names none)."""
        return self.hook.resolved_region

    # Job family ------------------------------------------------------------------------------------------------

    def job_family(self, document: Mapping[str, Any], context: Context) -> str:
        if self.job_name:
            return explicit_family(self.job_name)
        ti = context["ti"]
        prefix = self.job_name_prefix or default_job_name_prefix(document)
        return job_family(prefix, ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1))

    def _resolve_job(self, family: str) -> tuple[str, str | None]:
        """(job name, status of an existing job or None when a new one must be started)."""
        attempts = self.hook.find_attempts(family)
        if not attempts:
            return attempt_name(family, 1), None
        latest = attempts[-1]
        name, status = latest["ProcessingJobName"], latest["ProcessingJobStatus"]
        if status == "InProgress":
            self.log.info("Reattaching to processing job %s (still running from an earlier try)", name)
            return name, status
        if status == SUCCESS_STATE:
            self.log.info("Processing job %s already completed in an earlier try; reading its results", name)
            return name, status
        self.log.info(
            "Earlier processing job %s ended %s; starting attempt %d", name, status, latest["Attempt"] + 1
        )
        return attempt_name(family, latest["Attempt"] + 1), None

    # Execution -------------------------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        plan = self.plan_job()
        family = self.job_family(plan.document, context)
        job_name, status = self._resolve_job(family)
        while status is None:
            status = self._start_job(job_name, plan)
            if status not in IN_PROGRESS_STATES | {SUCCESS_STATE}:
                # The name was taken by an attempt that had already ended but that the (eventually
                # consistent) job listing did not show yet: go on with the next attempt.
                self.log.info(
                    "Processing job %s had already ended %s; starting the next attempt", job_name, status
                )
                job_name, status = attempt_name(family, (attempt_of(family, job_name) or 0) + 1), None
        self._running_job = job_name
        ClarifyProcessingJobLink.persist(
            context=context,
            operator=self,
            region_name=self.hook.conn_region_name,
            aws_partition=self.hook.conn_partition,
            job_name=job_name,
        )
        if status == SUCCESS_STATE:
            return self._finish(self.hook.describe_with_retry(job_name))
        if not self.wait_for_completion:
            self._running_job = None
            return {
                "engine": "managed",
                "job_name": job_name,
                "job_status": status,
                "output_uri": plan.output_uri,
            }
        if self.deferrable:
            description = self.hook.describe_with_retry(job_name)
            if description["ProcessingJobStatus"] in FAILED_STATES | {SUCCESS_STATE}:
                return self._finish(description)
            self.defer(
                trigger=ClarifyProcessingJobTrigger(
                    job_name,
                    check_interval=self.check_interval,
                    deadline=time.time() + self.max_ingestion_time if self.max_ingestion_time else None,
                    aws_conn_id=self.aws_conn_id,
                    region_name=self.region_name,
                    verify=self.verify,
                    botocore_config=self.botocore_config,
                ),
                method_name="execute_complete",
            )
        try:
            description = self.hook.wait_for_job(
                job_name, check_interval=self.check_interval, max_ingestion_time=self.max_ingestion_time
            )
        except ClarifyJobTimeoutError as error:
            self._running_job = None
            raise ClarifyAnalysisError(str(error), job_name=job_name) from error
        return self._finish(description)

    def _start_job(self, job_name: str, plan: _JobPlan) -> str:
        """Upload the config and create the job; a name already taken (a concurrent try) is reattached."""
        self.hook.upload_analysis_config(
            plan.document, plan.config_prefix, kms_key_id=self.config_kms_key or self.output_kms_key
        )
        request = build_processing_job_request(job_name=job_name, **plan.request_arguments)
        try:
            self.hook.create_processing_job(request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceInUse":
                raise
            self.log.info("Processing job %s already exists; reattaching to it", job_name)
            return self.hook.describe_with_retry(job_name)["ProcessingJobStatus"]
        return "InProgress"

    def _finish(self, description: Mapping[str, Any]) -> dict[str, Any]:
        """Completed → the result summary; Failed / Stopped → ClarifyAnalysisError with the reason."""
        self._running_job = None
        job_name = description["ProcessingJobName"]
        status = description["ProcessingJobStatus"]
        if status != SUCCESS_STATE:
            reason = description.get("FailureReason") or f"the job ended in state {status}"
            if status == "Stopped":
                reason = f"the job was stopped ({reason})" if description.get("FailureReason") else reason
            raise ClarifyAnalysisError(reason, job_name=job_name)
        self.log.info("Processing job %s completed; reading %s", job_name, output_uri_of(description))
        return self.hook.job_result(description)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger fired: success → read results; anything else fails the task."""
        if not event or "job_name" not in event:
            raise AirflowException(f"ClarifyOperator resumed without a trigger event: {event!r}")
        job_name, status = event["job_name"], event.get("status")
        if status == "timeout":
            self.hook.stop_processing_job(job_name)
            raise ClarifyAnalysisError(
                f"{event.get('message')} (max_ingestion_time={self.max_ingestion_time} s); StopProcessingJob "
                "was sent",
                job_name=job_name,
            )
        if status == "error":
            raise AirflowException(event.get("message"))
        return self._finish(self.hook.describe_with_retry(job_name))

    def on_kill(self) -> None:
        """The task was killed while its job ran: stop the job (nobody will read it)."""
        if self._running_job:
            self.log.info("Task killed; stopping processing job %s", self._running_job)
            self.hook.stop_processing_job(self._running_job)


def _first_given(*candidates: tuple[Any, str]) -> tuple[Any, str]:
    """The first (value, where it came from) whose value is set; (None, "") when none is."""
    for value, source in candidates:
        if value:
            return value, source
    return None, ""


def _json_argument(value: Any, argument: str) -> Any:
    """A dict/list argument that arrives as a rendered JSON string (``"{{ params.tags | tojson }}"``) is parsed."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ClarifyJobRequestError(
            f"{argument} is a string that is not JSON ({error.msg}); pass a dict/list or render it with '| tojson'"
        ) from None


def _as_int(value: Any, argument: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ClarifyJobRequestError(f"{argument} must be a positive integer, got {value!r}") from None


def _check_managed_job(document: Mapping[str, Any], instance_count: int) -> None:
    """What a valid config still needs to run as a managed job (config layer, SPEC §2.5, §2.6 rule 7, §15).

    The managed job has no worker-side model, so the document itself must provide model output where a method
    needs it; local-engine extensions must not be uploaded; several instances need the join column.
    """
    try:
        check_managed_job(dict(document), instance_count=instance_count)
    except ClarifyConfigError as error:
        raise ClarifyInvalidConfigError(
            f"config is not valid for a managed Clarify job: {error}", problems=error.problems
        ) from error
