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
from typing import Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from botocore.exceptions import ClientError

from airflow_provider_clarify.compat import AirflowException, Context, conf
from airflow_provider_clarify.config import AnalysisConfig, ClarifyConfigError, JobIO, check_managed_job
from airflow_provider_clarify.config.literals import MAX_NESTING_DEPTH, TooDeeplyNested, nesting_depth
from airflow_provider_clarify.contract import CONFIG_FILE, join_uri
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.hooks.clarify import (
    FAILED_STATES,
    IN_PROGRESS_STATES,
    SUCCESS_STATE,
    ClarifyHook,
    ClarifyJobTimeoutError,
    JobDescription,
    failure_reason,
    output_uri_of,
)
from airflow_provider_clarify.hooks.job_names import attempt_name, attempt_of, explicit_family, job_family
from airflow_provider_clarify.hooks.job_request import (
    DEFAULT_INSTANCE_COUNT,
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_VOLUME_SIZE_GB,
    ClarifyJobRequestError,
    ProcessingJobSpec,
    build_processing_job_request,
    check_s3_uri,
    clarify_image_uri,
    default_job_name_prefix,
    positive_int,
)
from airflow_provider_clarify.links.clarify import ClarifyProcessingJobLink
from airflow_provider_clarify.operators._assets import AnalysisAssetMixin
from airflow_provider_clarify.operators._masking import MaskRenderedUrlCredentialsMixin
from airflow_provider_clarify.operators.lineage import ClarifyLineageMixin
from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger

XComResult = dict[str, Any]
"""The operator's XCom value: a ``ClarifyResult.to_xcom()`` dict (JSON values)."""


@dataclass(frozen=True)
class JobPlan:
    """Everything the job needs, checked before any side effect; only the job name is decided later."""

    config: AnalysisConfig
    config_prefix: str
    spec: ProcessingJobSpec


class ClarifyOperator(
    ClarifyLineageMixin, AnalysisAssetMixin, MaskRenderedUrlCredentialsMixin, AwsBaseOperator[ClarifyHook]
):
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
    :param asset_alias: the ``AssetAlias`` this task declares as its outlet; each completed job adds an event for
        the published ``analysis.json`` Asset through it, the result summary in its ``extra`` (default
        ``clarify/<dag_id>/<task_id>``; none with ``wait_for_completion=False``: the sensor that waits for the
        job announces it).
    :param emit_asset: False declares no outlet and emits no asset event.
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
        asset_alias: str | None = None,
        emit_asset: bool = True,
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
        self.asset_alias = asset_alias  # Assets (operators/_assets.py); no result, no event without waiting
        self.emit_asset = emit_asset and wait_for_completion
        self.declare_analysis_asset()

    # Validation (no side effects) ------------------------------------------------------------------------------

    def plan_job(self) -> JobPlan:
        """Validate the config and every job argument; build the job spec. No AWS call is made.

        The config is validated here, once for the whole execution; the managed-job checks, the request, the
        upload and OpenLineage all read this one ``AnalysisConfig``.
        """
        analysis_config = self.resolve_analysis_config()
        try:
            dataset_uri, output_uri, config_prefix = self._locations(analysis_config)
            _check_managed_job(analysis_config, positive_int(self.instance_count, "instance_count"))
            spec = ProcessingJobSpec.checked(
                image_uri=clarify_image_uri(None if self.image_uri else self._region(), self.image_uri),
                role_arn=self.role_arn,
                dataset_uri=dataset_uri,
                config_uri=join_uri(config_prefix, CONFIG_FILE),
                output_uri=output_uri,
                dataset_type=analysis_config.dataset_type,
                instance_type=self.instance_type,
                instance_count=self.instance_count,
                volume_size_in_gb=self.volume_size_in_gb,
                volume_kms_key=self.volume_kms_key,
                output_kms_key=self.output_kms_key,
                environment=_json_argument(self.environment, "environment"),
                network_config=_json_argument(self.network_config, "network_config"),
                max_runtime_in_seconds=self.max_runtime_in_seconds,
                tags=_json_argument(self.tags, "tags"),
            )
            if self.job_name:
                explicit_family(self.job_name)
        except ValueError as error:  # ClarifyJobRequestError and the job-name check
            raise ClarifyInvalidConfigError(str(error)) from error
        return JobPlan(analysis_config, config_prefix, spec)

    def _locations(self, config: AnalysisConfig) -> tuple[str, str, str]:
        """(dataset URI, output prefix, config prefix), checked: operator arguments, then the config, then builders.

        A ``DataConfig`` built like the SDK's carries the job's S3 paths beside the document (``job_io``); a DAG
        that builds its config that way should not have to repeat them to the operator. Errors name where the
        bad value came from, so a wrong ``s3_output_path`` is not reported as a wrong ``output_uri=``.
        """
        job_io = config.job_io
        dataset_uri, dataset_source = _first_given(
            (self.dataset_uri, "dataset_uri"),
            (config.dataset_uri, CONFIG_DATASET_SOURCE),
            (job_io.dataset_uri if job_io else None, "DataConfig.s3_data_input_path"),
        )
        if not dataset_uri:
            raise ClarifyJobRequestError(
                "dataset_uri is missing: pass dataset_uri= to the operator, set 'dataset_uri' in the config or "
                "s3_data_input_path in DataConfig (an s3:// URI or prefix of the dataset)"
            )
        output_uri, output_source = _first_given(
            (self.output_uri, "output_uri"),
            (job_io.output_uri if job_io else None, "DataConfig.s3_output_path"),
        )
        if not output_uri:
            raise ClarifyJobRequestError(
                "output_uri is missing: pass output_uri= to the operator or s3_output_path to DataConfig "
                "(the s3:// prefix the job writes analysis.json under)"
            )
        config_prefix, config_source = _first_given(
            (self.config_uri, "config_uri"),
            (_explicit_config_uri(job_io), "DataConfig.s3_analysis_config_output_path"),
            (output_uri, output_source),
        )
        check_s3_uri(dataset_uri, dataset_source)
        check_s3_uri(output_uri, output_source)
        config_prefix = check_s3_uri(config_prefix, config_source)
        if (
            config.dataset_uri
            and dataset_source != CONFIG_DATASET_SOURCE
            and config.dataset_uri != dataset_uri
        ):
            self.log.warning(
                "The config's dataset_uri %s overrides the job's dataset input %s (%s) inside the Clarify "
                "container; the input is downloaded but not read. Give the dataset in one place only.",
                config.dataset_uri,
                dataset_uri,
                dataset_source,
            )
        return dataset_uri, output_uri, config_prefix

    def _region(self) -> str | None:
        """The connection's region (no API call; a client is built only when the connection names none)."""
        return self.hook.resolved_region

    # Job family ------------------------------------------------------------------------------------------------

    def job_family(self, config: AnalysisConfig, context: Context) -> str:
        if self.job_name:
            return explicit_family(self.job_name)
        ti = context["ti"]
        prefix = self.job_name_prefix or default_job_name_prefix(config.methods.names)
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

    def execute(self, context: Context) -> XComResult:
        plan = self.plan_job()
        job_name, status = self._started_job(self.job_family(plan.config, context), plan)
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
                "output_uri": plan.spec.output_uri,
            }
        if self.deferrable:
            description = self.hook.describe_with_retry(job_name)
            if description["ProcessingJobStatus"] in FAILED_STATES | {SUCCESS_STATE}:
                return self._finish(description)
            self._defer_until_done(job_name)
        try:
            description = self.hook.wait_for_job(
                job_name, check_interval=self.check_interval, max_ingestion_time=self.max_ingestion_time
            )
        except ClarifyJobTimeoutError as error:
            self._running_job = None
            raise ClarifyAnalysisError(str(error), job_name=job_name) from error
        return self._finish(description)

    def _started_job(self, family: str, plan: JobPlan) -> tuple[str, str]:
        """(job name, status): the family's running or completed job, or a newly started attempt."""
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
        return job_name, status

    def _defer_until_done(self, job_name: str) -> None:
        """Hand the wait to the triggerer (raises ``TaskDeferred``); ``execute_complete`` resumes."""
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

    def _start_job(self, job_name: str, plan: JobPlan) -> str:
        """Upload the config and create the job; a name already taken (a concurrent try) is reattached.

        A run manifest left under the output prefix by an earlier local run is removed first: the managed job
        writes none, and the old one would vouch for (or against) files the job is about to replace.
        """
        self.hook.remove_stale_manifest(plan.spec.output_uri)
        self.hook.upload_analysis_config(
            plan.config, plan.config_prefix, kms_key_id=self.config_kms_key or self.output_kms_key
        )
        try:
            self.hook.create_processing_job(build_processing_job_request(plan.spec, job_name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceInUse":
                raise
            self.log.info("Processing job %s already exists; reattaching to it", job_name)
            status: str = self.hook.describe_with_retry(job_name)["ProcessingJobStatus"]
            return status
        return "InProgress"

    def _finish(self, description: JobDescription) -> XComResult:
        """Completed → the result summary; Failed / Stopped → ClarifyAnalysisError with the reason."""
        self._running_job = None
        job_name = description["ProcessingJobName"]
        if description["ProcessingJobStatus"] != SUCCESS_STATE:
            raise ClarifyAnalysisError(failure_reason(description), job_name=job_name)
        self.log.info("Processing job %s completed; reading %s", job_name, output_uri_of(description))
        return self.announce_result(
            self.hook.job_result(description)
        )  # the asset event (operators/_assets.py)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> XComResult:
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


CONFIG_DATASET_SOURCE = "the config's dataset_uri"


def _first_given(*candidates: tuple[str | None, str]) -> tuple[str | None, str]:
    """The first (value, where it came from) whose value is set; (None, "") when none is."""
    for value, source in candidates:
        if value:
            return value, source
    return None, ""


def _explicit_config_uri(job_io: JobIO | None) -> str | None:
    """A builder's ``s3_analysis_config_output_path`` when it named one.

    ``JobIO`` fills ``analysis_config_uri`` with the output path when the builder named none: only an explicit
    one (one that differs) may win over an operator ``output_uri``.
    """
    if job_io and job_io.analysis_config_uri and job_io.analysis_config_uri != job_io.output_uri:
        return job_io.analysis_config_uri
    return None


def _json_argument(value: Any, argument: str) -> Any:  # a dict/list argument, or its rendered JSON text
    """A dict/list argument that arrives as a rendered JSON string (``"{{ params.tags | tojson }}"``) is parsed."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise ClarifyJobRequestError(
            f"{argument} is a string that is not JSON ({error.msg}); pass a dict/list or render it with '| tojson'"
        ) from None
    except RecursionError:  # too deep for the JSON parser itself
        raise ClarifyJobRequestError(f"{argument}: {TooDeeplyNested()}") from None
    if nesting_depth(parsed) > MAX_NESTING_DEPTH:
        raise ClarifyJobRequestError(f"{argument}: {TooDeeplyNested()}")
    return parsed


def _check_managed_job(config: AnalysisConfig, instance_count: int) -> None:
    """What a valid config still needs to run as a managed job (config layer, reference §2.5, §2.6 rule 7, §15).

    The managed job has no worker-side model, so the document itself must provide model output where a method
    needs it; local-engine extensions must not be uploaded; several instances need the join column.
    """
    try:
        check_managed_job(config, instance_count=instance_count)
    except ClarifyConfigError as error:
        raise ClarifyInvalidConfigError(
            f"config is not valid for a managed Clarify job: {error}", problems=error.problems
        ) from error
