"""``SageMakerClarifyProcessor``: the SDK's processor, launching the managed Clarify job for existing customers.

What a run does, in order: combine the config objects as the SDK does; validate the document (every problem at
once, with paths) and everything the managed job needs (a model source in the document, the join column for
several instances); check every job argument and build the CreateProcessingJob request with the hooks layer's
:class:`~airflow_provider_clarify.hooks.job_request.ProcessingJobSpec` — the one request builder, the same the
``ClarifyOperator`` uses, so the same objects give the same request. Only then: upload ``analysis_config.json``
(to ``s3_analysis_config_output_path``, else ``s3_output_path``; SSE-KMS with the run's ``kms_key``), create the
job, and with ``wait=True`` wait for it (``logs=True`` prints its logs). A refused input uploads nothing.

Each argument keeps the SDK's meaning; the job name is the SDK's (prefix and timestamp) rather than the
operator's deterministic one, since a notebook has no task instance to derive it from. ``version`` and
``skip_early_validation`` are accepted and logged: the Clarify image has one version, and the document is always
validated because the managed job would fail on a document the validation refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_clarify.clarify.aws import AwsClients, network_config_request
from airflow_provider_clarify.clarify.jobs import ClarifyProcessingJob
from airflow_provider_clarify.clarify.processor import ClarifyProcessorBase, log
from airflow_provider_clarify.config import AnalysisConfig, check_managed_job, load_config
from airflow_provider_clarify.config.builders import AnalysisConfigBuilder, DataConfig
from airflow_provider_clarify.contract import CONFIG_FILE, join_uri
from airflow_provider_clarify.hooks.config_upload import upload_analysis_config
from airflow_provider_clarify.hooks.job_request import (
    ClarifyJobRequestError,
    ProcessingJobSpec,
    build_processing_job_request,
    check_s3_uri,
    clarify_image_uri,
    positive_int,
)

JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
"""SageMaker's pattern for processing job names."""


class SageMakerClarifyProcessor(ClarifyProcessorBase):
    """Compute bias metrics and explanations with a managed SageMaker Clarify processing job (the SDK's class).

    The constructor and the ``run_*`` methods take the SDK's arguments (see :class:`ClarifyProcessorBase`):
    ``role`` (an IAM role ARN, or a role name the processor turns into its ARN), ``instance_count`` and
    ``instance_type`` (required by the managed job), ``volume_size_in_gb``, ``volume_kms_key``, ``output_kms_key``,
    ``max_runtime_in_seconds``, ``sagemaker_session`` (an SDK ``Session``, a ``boto3.Session`` or None), ``env``,
    ``tags``, ``network_config`` (an SDK ``NetworkConfig`` or the API's dict), ``job_name_prefix``.
    ``latest_job`` is the last job started (``job_name``, ``describe()``, ``wait()``).
    """

    poll_seconds: float = 5.0
    """Seconds between two status checks while waiting."""

    latest_job: ClarifyProcessingJob | None
    jobs: list[ClarifyProcessingJob]

    def _configure(self) -> None:
        """The managed job's own checks and state, once the SDK's arguments are kept (the constructor is the base
        class's: the SDK's signature, unchanged)."""
        if not self.role:
            raise ValueError(
                "role is required: the IAM role (ARN or name) the processing job runs as, e.g. "
                "role='arn:aws:iam::123456789012:role/SageMakerClarify'"
            )
        self.clients = AwsClients(self.sagemaker_session)
        self.latest_job = None
        self.jobs = []
        if self.version is not None:
            log.info(
                "SageMakerClarifyProcessor(version=%r): the Clarify image has one version (1.0), which is used",
                self.version,
            )
        if self.skip_early_validation:
            log.info(
                "SageMakerClarifyProcessor(skip_early_validation=True): the analysis config is still validated "
                "before the upload; a config the validation refuses would fail the managed job"
            )

    def _run(
        self,
        builder: AnalysisConfigBuilder,
        *,
        wait: bool,
        logs: bool,
        job_name: str,
        kms_key: str | None,
        experiment_config: Mapping[str, str] | None,
    ) -> None:
        config, spec, config_prefix = self.plan(builder, job_name, experiment_config)
        request = build_processing_job_request(spec, job_name)
        uri = upload_analysis_config(self.clients.s3, config, config_prefix, kms_key_id=kms_key)
        log.info("Uploaded the analysis config to %s", uri)
        self.clients.sagemaker.create_processing_job(**request)
        log.info("Created processing job %s", job_name)
        job = ClarifyProcessingJob(
            job_name,
            spec.output_uri,
            self.clients.sagemaker,
            lambda: self.clients.logs,
            poll_seconds=self.poll_seconds,
        )
        self.latest_job = job
        self.jobs.append(job)
        if wait:
            job.wait(logs=logs)

    def plan(
        self,
        builder: AnalysisConfigBuilder,
        job_name: str,
        experiment_config: Mapping[str, str] | None = None,
    ) -> tuple[AnalysisConfig, ProcessingJobSpec, str]:
        """(validated config, checked job spec, config prefix): every check, no side effect but reading the
        role's ARN when a role name was given."""
        config = load_config(builder)
        self._last_analysis_config = config.to_dict()
        data = builder.data_config
        dataset_uri = check_s3_uri(data.s3_data_input_path, "DataConfig.s3_data_input_path")
        output_uri = check_s3_uri(data.s3_output_path, "DataConfig.s3_output_path")
        config_prefix = _config_prefix(data, output_uri)
        instance_count = self._required("instance_count", self.instance_count)
        instance_type = self._required("instance_type", self.instance_type)
        count = positive_int(instance_count, "instance_count")
        check_managed_job(config, instance_count=count)  # a model source in the document, the join column
        spec = ProcessingJobSpec.checked(
            image_uri=clarify_image_uri(self.clients.region),
            role_arn=self.clients.role_arn(str(self.role)),
            dataset_uri=dataset_uri,
            config_uri=join_uri(config_prefix, CONFIG_FILE),
            output_uri=output_uri,
            dataset_type=config.dataset_type,
            instance_type=str(instance_type),
            instance_count=count,
            volume_size_in_gb=self.volume_size_in_gb,
            volume_kms_key=self.volume_kms_key,
            output_kms_key=self.output_kms_key,
            environment=self.env,
            network_config=network_config_request(self.network_config),
            max_runtime_in_seconds=self.max_runtime_in_seconds,
            tags=self.tags,
            experiment_config=experiment_config,
        )
        if not JOB_NAME.match(job_name):
            raise ClarifyJobRequestError(
                f"job_name {job_name!r} is not a valid processing job name: at most 63 letters, digits and "
                "single hyphens, starting with a letter or digit"
            )
        return config, spec, config_prefix

    @staticmethod
    def _required(argument: str, value: Any) -> Any:
        if value is None:
            example = "1" if argument == "instance_count" else "'ml.c5.xlarge'"
            raise ClarifyJobRequestError(
                f"SageMakerClarifyProcessor({argument}=None): the managed job needs it; pass {argument}={example}"
            )
        return value


def _config_prefix(data: DataConfig, output_uri: str) -> str:
    explicit = data.s3_analysis_config_output_path
    if explicit:
        return check_s3_uri(explicit, "DataConfig.s3_analysis_config_output_path")
    return output_uri
