"""``LocalClarifyProcessor``: the SDK's processor interface, running the local engine in this process.

For notebooks and scripts written against ``sagemaker.clarify``: the same constructor and ``run_*`` calls, but
the analysis runs here, on the data config's input (a local file or directory, or ``s3://``), and its output —
``analysis.json``, the report and SHAP files, and ``analysis_config.json`` — goes to the data config's
``s3_output_path`` (a local directory or ``s3://`` prefix). It is the engine the ``LocalClarifyOperator`` runs, with
the same inputs, so the same objects give the same ``analysis.json``.

What a run does, in order: combine the config objects as the SDK does; validate the document and check that every
method needing a model has one (an endpoint in the ``ModelConfig``, or the ``predictor=`` given here); run the
engine in a private temporary directory; then write ``analysis_config.json`` where the SDK puts it
(``s3_analysis_config_output_path``, else ``s3_output_path``) and publish the output with ``analysis.json`` last,
so its presence marks a complete output. A refused input writes nothing; a failed run publishes nothing.

Arguments of the managed job that have no meaning in this process are accepted and logged (never used for
something else): see :data:`NO_LOCAL_MEANING`. Those with one are used: ``sagemaker_session`` (the AWS session
for S3 and endpoint calls), ``output_kms_key`` (SSE-KMS for an output uploaded to S3), the run's ``kms_key``
(SSE-KMS for ``analysis_config.json`` on S3), ``job_name`` / ``job_name_prefix`` (the run's name in the logs).
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_clarify.clarify.aws import AwsClient, AwsClients
from airflow_provider_clarify.clarify.processor import ClarifyProcessorBase, Tags, log
from airflow_provider_clarify.config import (
    AnalysisConfig,
    ClarifyConfigError,
    check_model_source,
    load_config,
)
from airflow_provider_clarify.config.builders import AnalysisConfigBuilder
from airflow_provider_clarify.contract import ANALYSIS_FILE, CONFIG_FILE, is_s3_uri, join_uri, split_s3_uri
from airflow_provider_clarify.engine import EngineOptions
from airflow_provider_clarify.engine.output import atomic_text_file
from airflow_provider_clarify.hooks.config_upload import upload_analysis_config
from airflow_provider_clarify.operators import storage

NO_LOCAL_MEANING: dict[str, str] = {
    "role": "the IAM role the managed job runs as; this process uses the session's own credentials",
    "instance_count": "instances of the managed job (more than one runs it distributed); the engine runs in "
    "this one process",
    "instance_type": "the managed job's instance type",
    "volume_size_in_gb": "the managed job's storage volume; the engine uses this machine's temporary directory",
    "volume_kms_key": "the KMS key of the managed job's storage volume",
    "max_runtime_in_seconds": "the managed job's stopping condition; the local run is not time-limited",
    "env": "environment variables of the Clarify container; this process's environment is left as it is",
    "tags": "tags of the processing job; no job is created",
    "network_config": "the managed job's VPC, network isolation and traffic encryption",
    "version": "the Clarify container version",
    "skip_early_validation": "the config is always validated: the engine cannot run a config it refuses",
    "experiment_config": "SageMaker Experiments tracking of the processing job; no job is created",
    "wait": "wait=False: the in-process run always finishes before the call returns",
    "logs": "logs=False: the engine's progress goes to Python logging (logger airflow_provider_clarify.engine) "
    "as logging is configured",
}
"""Every SDK argument the local processor accepts without a local meaning, and what it does in the managed job."""


@dataclass
class LocalClarifyJob:
    """``processor.latest_job`` of a local run: its name, where the output went, and the ``analysis.json`` it
    wrote (parsed) with the engine's warnings."""

    job_name: str
    output_uri: str
    analysis: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def analysis_uri(self) -> str:
        return storage.join(self.output_uri, ANALYSIS_FILE)


class LocalClarifyProcessor(ClarifyProcessorBase):
    """Compute bias metrics and explanations in this process with the SDK's ``SageMakerClarifyProcessor``
    interface (see the module doc).

    Beyond the SDK's arguments, two keyword-only ones: ``predictor`` — an in-process model (an object with
    ``predict_proba``/``predict``, a callable, ``"module:callable"``, an ``http(s)://`` URL or a model file), used
    instead of the ``ModelConfig``'s endpoint, exactly as ``LocalClarifyOperator(predictor=...)``; and
    ``engine_options`` (:class:`~airflow_provider_clarify.engine.EngineOptions`).
    """

    latest_job: LocalClarifyJob | None
    jobs: list[LocalClarifyJob]

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        sagemaker_session: object = None,
        env: Mapping[str, str] | None = None,
        tags: Tags | None = None,
        network_config: object = None,
        job_name_prefix: str | None = None,
        version: str | None = None,
        skip_early_validation: bool = False,
        *,
        predictor: object = None,
        engine_options: EngineOptions | None = None,
    ) -> None:
        self.predictor = predictor
        self.engine_options = engine_options or EngineOptions()
        super().__init__(
            role,
            instance_count,
            instance_type,
            volume_size_in_gb,
            volume_kms_key,
            output_kms_key,
            max_runtime_in_seconds,
            sagemaker_session,
            env,
            tags,
            network_config,
            job_name_prefix,
            version,
            skip_early_validation,
        )

    def _configure(self) -> None:
        """The local run's clients and job list, and a log line for every SDK argument without a local meaning."""
        self.clients = AwsClients(self.sagemaker_session)
        self.latest_job = None
        self.jobs = []
        defaults = {
            name: p.default for name, p in inspect.signature(ClarifyProcessorBase.__init__).parameters.items()
        }
        given = {
            name: getattr(self, name)
            for name in NO_LOCAL_MEANING
            if hasattr(self, name) and getattr(self, name) not in (None, defaults.get(name))
        }
        _log_unused("LocalClarifyProcessor", given)

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
        config = load_config(builder)
        self._last_analysis_config = config.to_dict()
        check_model_source(config, local_model_available=self.predictor is not None)
        self._check_no_shadow_endpoint(config)
        data = builder.data_config
        dataset_uri = data.s3_data_input_path
        if not dataset_uri and not config.dataset_uri:
            raise ClarifyConfigError(
                "DataConfig(s3_data_input_path=None): give the dataset, a local file or directory or an s3:// URI",
                path="DataConfig.s3_data_input_path",
            )
        output_uri = checked_location(data.s3_output_path, "DataConfig.s3_output_path")
        config_location = (
            checked_location(data.s3_analysis_config_output_path, "DataConfig.s3_analysis_config_output_path")
            if data.s3_analysis_config_output_path
            else output_uri
        )
        run_arguments = {
            "experiment_config": experiment_config,
            "wait": None if wait else False,
            "logs": None if logs else False,
        }
        _log_unused(
            f"{job_name}: run", {name: value for name, value in run_arguments.items() if value is not None}
        )
        self._log_unused_keys(output_uri, config_location, kms_key)
        s3_client = self.clients.s3 if _touches_s3(config, dataset_uri, output_uri, config_location) else None
        warnings: list[str] = []
        log.info("Running %s with the local Clarify engine; output to %s", job_name, output_uri)
        workdir = _private_workdir(output_uri)
        try:
            analysis = self._analyze(config, dataset_uri, workdir, s3_client, warnings, output_uri)
            self._write_config(config, config_location, s3_client, kms_key)
            self._publish(workdir, output_uri, s3_client)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        job = LocalClarifyJob(job_name, output_uri, analysis, warnings)
        self.latest_job = job
        self.jobs.append(job)
        log.info(
            "%s complete (%d warning(s)); analysis.json at %s", job_name, len(warnings), job.analysis_uri
        )

    # ---------------------------------------------------------------------------------------------- parts
    def _check_no_shadow_endpoint(self, config: AnalysisConfig) -> None:
        """A ``ModelConfig(model_name=...)`` asks for a shadow endpoint, which only the managed job deploys; say
        so before anything is read or written (unless an in-process model replaces it)."""
        predictor = config.predictor
        if (
            self.predictor is None
            and predictor is not None
            and predictor.model_name
            and not predictor.endpoint_name
        ):
            raise ClarifyConfigError(
                "ModelConfig(model_name=...) deploys a shadow endpoint, which only the managed Clarify job does; "
                "give ModelConfig(endpoint_name=...) (an existing endpoint), an in-process model with "
                "LocalClarifyProcessor(predictor=...), or run with SageMakerClarifyProcessor",
                path="predictor.model_name",
            )

    def _analyze(
        self,
        config: AnalysisConfig,
        dataset_uri: str | None,
        workdir: Path,
        s3_client: AwsClient | None,
        warnings: list[str],
        output_uri: str,
    ) -> dict[str, Any]:
        from airflow_provider_clarify.engine import run_analysis  # heavy: imported on use

        predictor = config.predictor
        uses_endpoint = predictor is not None and bool(predictor.endpoint_name or predictor.model_name)
        runtime_client = self.clients.sagemaker_runtime if self.predictor is None and uses_endpoint else None
        return run_analysis(
            config,
            dataset_uri,
            workdir,
            s3_client=s3_client,
            sagemaker_runtime_client=runtime_client,
            predictor=self.predictor,
            options=self.engine_options,
            warnings=warnings,
            published_uri=output_uri,
        )

    @staticmethod
    def _write_config(
        config: AnalysisConfig, location: str, s3_client: AwsClient | None, kms_key: str | None
    ) -> None:
        """``analysis_config.json`` where the SDK uploads it (SSE-KMS with the run's ``kms_key`` on S3)."""
        if is_s3_uri(location):
            upload_analysis_config(s3_client, config, location, kms_key_id=kms_key)
            return
        target = Path(location)
        target.mkdir(parents=True, exist_ok=True)
        with atomic_text_file(target / CONFIG_FILE) as stream:
            stream.write(config.to_json(indent=2))

    def _publish(self, workdir: Path, output_uri: str, s3_client: AwsClient | None) -> list[str]:
        """The output, ``analysis.json`` last; a stale ``analysis.json`` is removed first, so a reader never
        takes a mixed output for a complete one."""
        if is_s3_uri(output_uri):
            assert s3_client is not None, "an S3 client is built whenever the output is on S3"
            bucket, prefix = split_s3_uri(output_uri, what="DataConfig.s3_output_path")
            s3_client.delete_object(Bucket=bucket, Key=join_uri(prefix, ANALYSIS_FILE).lstrip("/"))
            extra = (
                {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.output_kms_key}
                if self.output_kms_key
                else None
            )
            return storage.upload_directory(workdir, output_uri, s3_client, log=log.info, extra_args=extra)
        target = Path(output_uri)
        (target / ANALYSIS_FILE).unlink(missing_ok=True)
        return storage.publish_local_directory(workdir, target)

    def _log_unused_keys(self, output_uri: str, config_location: str, kms_key: str | None) -> None:
        unused = {}
        if self.output_kms_key and not is_s3_uri(output_uri):
            unused["output_kms_key"] = self.output_kms_key
        if kms_key and not is_s3_uri(config_location):
            unused["kms_key"] = kms_key
        if unused:
            log.info(
                "%s encrypt(s) objects on S3; the output and config here are local files, so it is not used",
                ", ".join(f"{name}={value!r}" for name, value in unused.items()),
            )


def _log_unused(owner: str, given: Mapping[str, object]) -> None:
    for name, value in given.items():
        meaning = NO_LOCAL_MEANING.get(name, "")
        log.info(
            "%s: %s=%r has no meaning for the local engine and is ignored (%s)", owner, name, value, meaning
        )


def checked_location(uri: object, argument: str) -> str:
    """An output location: a local directory or an ``s3://`` prefix (without a trailing slash)."""
    if not isinstance(uri, str) or not uri.strip():
        raise ClarifyConfigError(
            f"{argument} is missing: give a local directory or an s3:// prefix for the output", path=argument
        )
    uri = uri.strip()
    if is_s3_uri(uri):
        try:
            split_s3_uri(uri, what=argument)
        except ValueError as error:
            raise ClarifyConfigError(str(error), path=argument) from None
        return uri.rstrip("/")
    if "://" in uri:
        raise ClarifyConfigError(
            f"{uri!r} is neither a local directory nor an s3:// prefix; give one of those", path=argument
        )
    path = Path(uri).expanduser()
    if path.exists() and not path.is_dir():
        raise ClarifyConfigError(f"{uri!r} is a file; give a directory", path=argument)
    return str(path)


def _private_workdir(output_uri: str) -> Path:
    """A hidden temporary directory for the engine's output, beside a local destination (publishing is then a
    rename)."""
    parent = None if is_s3_uri(output_uri) else Path(output_uri).resolve().parent
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".clarify-local-", dir=parent))


def _touches_s3(config: AnalysisConfig, *uris: str | None) -> bool:
    """Whether anything the run reads or writes is on S3 (only then is an S3 client built)."""
    return any(is_s3_uri(uri) for uri in uris) or is_s3_uri(config.dataset_uri) or "s3://" in config.to_json()
