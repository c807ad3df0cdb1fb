"""LocalClarifyOperator: run a Clarify analysis inside the Airflow worker and publish its output atomically.

Same config inputs as ClarifyOperator (dict / JSON string / .json path / builder objects, templated, Params),
same ``analysis.json`` out, same XCom (``ClarifyResult(...).to_xcom()``), so a DAG switches engines by swapping
the operator. What happens in ``execute()``:

1. validate the config (schema, cross-field rules, model source) and the output location — before any side
   effect: nothing is read, uploaded or written when the config is wrong;
2. run :func:`airflow_provider_clarify.engine.run_analysis` on that validated config in a private temporary
   directory (its progress and warnings go to the task log through the ``airflow_provider_clarify.engine``
   logger);
3. publish by the output protocol (:mod:`airflow_provider_clarify.outputs`): to a local directory by moving the
   files in, or to an ``s3://`` prefix by uploading them. A "running" run manifest comes first, then the earlier
   output at the destination is removed, then the files (``analysis.json`` last), then the complete manifest
   (``_manifest.json``) that lists them; a failure removes what was already published;
4. return the ClarifyResult summary as XCom.

A killed task (``on_kill``) or a failed one leaves no partial output: the temporary directory is removed and the
partial upload rolled back. A task killed outright (SIGKILL) leaves its running manifest (the output reads as
incomplete) and its working directory, which the next run removes. Engine job-level failures (``AnalysisError``)
become :class:`ClarifyAnalysisError` with the engine's one-line ``reason``; config errors become
``ClarifyInvalidConfigError`` (no retries).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.compat import BaseOperator, Context
from airflow_provider_clarify.config import AnalysisConfig, ClarifyConfigError, check_model_source
from airflow_provider_clarify.contract import SEGMENTS_PATH, is_s3_uri, split_s3_uri
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators._assets import AnalysisAssetMixin
from airflow_provider_clarify.operators._logging import InfoLogger
from airflow_provider_clarify.operators._masking import MaskRenderedUrlCredentialsMixin, mask_url_credentials
from airflow_provider_clarify.operators.lineage import ClarifyLineageMixin
from airflow_provider_clarify.outputs.workdirs import WorkDir, create_workdir, remove_abandoned
from airflow_provider_clarify.redaction import redact_text, redact_url
from airflow_provider_clarify.results import ClarifyResult

if TYPE_CHECKING:
    from airflow_provider_clarify.engine import EngineOptions

AwsClient = Any
"""A boto3 client: botocore builds its class at run time, so there is no static type to name."""


@dataclass(frozen=True)
class _EngineInputs:
    """What one engine run reads besides the config: where the data is, how to reach S3 and the model."""

    dataset_uri: str | None
    options: EngineOptions
    s3_client: AwsClient | None
    runtime_client: AwsClient | None
    predictor: object
    published_uri: str  # where the output is published (results that name their files use it)


class LocalClarifyOperator(
    ClarifyLineageMixin, AnalysisAssetMixin, MaskRenderedUrlCredentialsMixin, BaseOperator
):
    """Run a SageMaker Clarify analysis (bias, SHAP, PDP, report) in the worker with the local engine.

    :param config: the analysis config: dict, JSON string, path to a ``.json`` file, builder objects or an
        ``AnalysisConfig``. Templated (strings inside a dict too; rendered values are typed by the schema).
    :param output_uri: where the output goes: a local directory or an ``s3://`` prefix; defaults to a builder
        ``DataConfig``'s ``s3_output_path``. Templated.
    :param dataset_uri: the dataset (local file/directory or ``s3://``); the config's ``dataset_uri`` wins
        when set (as in the managed job); without either, a builder ``DataConfig``'s ``s3_data_input_path``.
        Templated.
    :param predictor: override of the model transport for in-process models: an ``http(s)://`` URL,
        ``"module:callable"``, a path to a joblib/pickle file (these strings are templated), or a Python object
        with ``predict_proba``/``predict`` or a callable. None → the config's ``predictor`` (endpoint).
    :param aws_conn_id: Airflow connection for S3 (dataset/output) and SageMaker endpoints.
    :param engine_options: ``EngineOptions`` or a dict of its fields (chunk size, batch size, concurrency...).
    :param asset_alias: the ``AssetAlias`` this task declares as its outlet; each run adds an event for the
        published ``analysis.json`` Asset through it, the result summary in its ``extra`` (default
        ``clarify/<dag_id>/<task_id>``; see docs/where-results-go.md).
    :param emit_asset: False declares no outlet and emits no asset event.
    :param confidence: confidence intervals for the bias metrics and global SHAP values, e.g.
        ``{"level": 0.95, "replicates": 2000, "seed": 7, "method": "percentile"}`` (docs/intervals.md); a dict or
        its JSON text. Templated (rendered numbers are read as numbers). ``None``: no intervals, and analysis.json
        is exactly as without the option. Checked before anything runs; a bad setting names its key.
    """

    template_fields: Sequence[str] = ("config", "output_uri", "dataset_uri", "confidence")
    template_fields_renderers = {"config": "json"}
    ui_color = "#cfe6c8"

    def __init__(
        self,
        *,
        config: Any,  # any config input (see operators.config_input); templated
        output_uri: str | None = None,
        dataset_uri: str | None = None,
        predictor: object = None,
        aws_conn_id: str | None = "aws_default",
        engine_options: EngineOptions | Mapping[str, Any] | None = None,
        asset_alias: str | None = None,
        emit_asset: bool = True,
        confidence: Mapping[str, Any] | str | None = None,  # any JSON values; checked when the task runs
        **kwargs: Any,  # BaseOperator's arguments
    ) -> None:
        super().__init__(**kwargs)
        self.confidence = confidence
        self.config = config
        self.output_uri = output_uri
        self.dataset_uri = dataset_uri
        self.predictor = predictor
        self.aws_conn_id = aws_conn_id
        self.engine_options = engine_options
        self.asset_alias = asset_alias  # Assets (operators/_assets.py)
        self.emit_asset = emit_asset
        self.declare_analysis_asset()
        self._workdir: Path | None = None
        self._work_lock: WorkDir | None = None  # set during execute() only (operators get deep-copied before)
        self._killed = False  # a plain flag: operators get deep-copied, locks cannot

    # ------------------------------------------------------------------------------------------------ execute

    def execute(self, context: Context) -> dict[str, Any]:
        predictor = self.predictor
        if isinstance(predictor, str):  # only strings are templated: a callable model must not be called
            predictor = self.render_template(predictor, context)
            mask_url_credentials(predictor)  # task-log lines of other libraries show *** too (_masking.py)
        analysis_config = self.resolve_analysis_config()
        _check_runnable(analysis_config, local_model_available=predictor is not None)
        job_io = analysis_config.job_io
        dataset_uri = self.dataset_uri or (job_io.dataset_uri if job_io else None)
        output_uri = checked_output_uri(self.output_uri or (job_io.output_uri if job_io else None))
        inputs = _EngineInputs(
            dataset_uri=dataset_uri,
            options=with_confidence(engine_options(self.engine_options), self.confidence),
            s3_client=self._s3_client() if _touches_s3(analysis_config, dataset_uri, output_uri) else None,
            runtime_client=self._runtime_client()
            if predictor is None and _uses_endpoint(analysis_config)
            else None,
            predictor=predictor,
            published_uri=output_uri,
        )
        warnings: list[str] = []
        self._work_lock = _private_workdir(output_uri)
        self._workdir = self._work_lock.path
        try:
            self.log.info(
                "Running the local Clarify engine: methods %s, dataset %s, output %s",
                sorted(analysis_config.methods.names),
                redact_url(str(analysis_config.dataset_uri or dataset_uri)),
                redact_url(output_uri),
            )
            analysis = self._run_engine(analysis_config, inputs, self._workdir, warnings)
            if self._killed:
                raise ClarifyAnalysisError("the task was killed during the analysis; nothing was published")
            segments = read_segments(self._workdir)  # segment_config: the per-segment file, for the result
            summaries = _explanation_summaries(self._workdir, analysis)  # time series: out.jsonl in brief
            published = self._publish(self._workdir, output_uri, inputs.s3_client)
        finally:
            self._cleanup()
        result = local_result(context, analysis, output_uri, published, warnings, segments, summaries)
        log_result(self.log, "Clarify analysis complete", result)
        return self.announce_result(result.to_xcom(), context)  # the asset event (operators/_assets.py)

    def on_kill(self) -> None:
        """Stop publishing and drop the private working directory.

        Airflow calls this from the SIGTERM handler while ``execute()`` may still run (until SIGKILL follows):
        the flag makes a publish step in progress stop and roll back what it already published, and removing
        the working directory makes an engine run in progress fail instead of finishing.
        """
        self.log.info("Task killed: cancelling publication and removing the unpublished Clarify output")
        self._killed = True
        self._cleanup()

    # ------------------------------------------------------------------------------------------------ parts

    def _run_engine(
        self, config: AnalysisConfig, inputs: _EngineInputs, workdir: Path, warnings: list[str]
    ) -> dict[str, Any]:
        from airflow_provider_clarify.engine import AnalysisError, run_analysis  # heavy: imported on use

        try:
            return run_analysis(
                config,
                inputs.dataset_uri,
                workdir,
                s3_client=inputs.s3_client,
                sagemaker_runtime_client=inputs.runtime_client,
                predictor=inputs.predictor,
                options=inputs.options,
                warnings=warnings,
                published_uri=inputs.published_uri,
            )
        except AnalysisError as err:
            raise ClarifyAnalysisError(redact_text(err.reason)) from err

    def _publish(self, workdir: Path, output_uri: str, s3_client: AwsClient | None) -> list[str]:
        if is_s3_uri(output_uri):
            assert s3_client is not None, "an S3 client is built whenever the output is on S3"
        return publish_run(workdir, output_uri, s3_client, cancelled=self._was_killed, log=self.log)

    def _s3_client(self) -> AwsClient:
        return storage.s3_hook(self.aws_conn_id).get_conn()

    def _runtime_client(self) -> AwsClient:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        return AwsBaseHook(aws_conn_id=self.aws_conn_id, client_type="sagemaker-runtime").get_conn()

    def _was_killed(self) -> bool:
        return self._killed

    def _cleanup(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        if self._work_lock is not None:
            self._work_lock.release()
            self._work_lock = None


# ----------------------------------------------------------------------------------------------------------------


def publish_run(
    workdir: Path,
    output_uri: str,
    s3_client: AwsClient | None,
    *,
    cancelled: Callable[[], bool],
    log: InfoLogger,
) -> list[str]:
    """Publish a finished run by the output protocol and return the published names; a failure (not a kill)
    becomes a ClarifyAnalysisError that says what is left at the destination."""
    try:
        manifest = storage.publish_output(workdir, output_uri, s3_client, cancelled=cancelled)
    except storage.PublicationCancelled:
        raise
    except Exception as err:
        raise ClarifyAnalysisError(
            f"publishing the output to {redact_url(output_uri)} failed "
            f"({type(err).__name__}: {redact_text(str(err))}); the files this run had published were "
            "removed, and so was the earlier output there, so nothing at that location passes for a result"
        ) from err
    log.info(
        "Published %d file(s) of run %s to %s", len(manifest.files), manifest.run_id, redact_url(output_uri)
    )
    return manifest.names


def local_result(
    context: Context,
    analysis: Mapping[str, Any],
    output_uri: str,
    published: list[str],
    warnings: list[str],
    segments: Mapping[str, Any] | None = None,
    summaries: Mapping[str, Any] | None = None,
) -> ClarifyResult:
    """The ``ClarifyResult`` of a published local (or merged) run; image heatmaps and segment maps among the
    ``published`` files are folded into patterns (results/files.py)."""
    return ClarifyResult.from_analysis(
        analysis,
        engine="local",
        job_name=job_name(context),
        job_status="Completed",
        output_uri=output_uri,
        output_files={name: storage.join(output_uri, name) for name in published},
        warnings=warnings,
        segments=segments,
        explanation_summaries=summaries,
    )


def log_result(log: InfoLogger, headline: str, result: ClarifyResult) -> None:
    log.info(
        "%s: %d bias metric(s), %d SHAP target(s), %d warning(s); analysis.json at %s",
        headline,
        len(result.rows()),
        len(result.shap),
        len(result.warnings),
        redact_url(str(result.analysis_uri)),
    )


def _check_runnable(config: AnalysisConfig, *, local_model_available: bool) -> None:
    """Every method that needs a model has one: in the config, or the operator's ``predictor``."""
    try:
        check_model_source(config, local_model_available=local_model_available)
    except ClarifyConfigError as err:
        raise ClarifyInvalidConfigError(f"config is not runnable: {err}", problems=err.problems) from err


def checked_output_uri(output_uri: str | None) -> str:
    """The output location as published to: an ``s3://`` prefix without a trailing slash, or a local directory."""
    if not output_uri or not str(output_uri).strip():
        raise ClarifyInvalidConfigError(
            "output_uri is missing: pass output_uri= (a local directory or an s3:// prefix) or "
            "s3_output_path to DataConfig"
        )
    output_uri = str(output_uri).strip()
    if is_s3_uri(output_uri):
        try:
            split_s3_uri(output_uri, what="output_uri")
        except ValueError as err:
            raise ClarifyInvalidConfigError(str(err)) from None
        return output_uri.rstrip("/")
    if "://" in output_uri:
        raise ClarifyInvalidConfigError(
            f"output_uri {output_uri!r}: give a local directory or an s3:// prefix"
        )
    path = Path(output_uri).expanduser()
    if path.exists() and not path.is_dir():
        raise ClarifyInvalidConfigError(f"output_uri {output_uri!r} is a file; give a directory")
    return str(path)


def engine_options(value: object) -> EngineOptions:
    """The operator's ``engine_options`` argument as ``EngineOptions`` (a dict names its fields)."""
    from airflow_provider_clarify.engine import EngineOptions

    if value is None:
        return EngineOptions()
    if isinstance(value, EngineOptions):
        return value
    if isinstance(value, Mapping):
        try:
            return EngineOptions(**value)
        except ClarifyConfigError as err:  # a bad engine_options["confidence"]
            raise ClarifyInvalidConfigError(f"engine_options: {err}", problems=err.problems) from None
        except (TypeError, ValueError) as err:  # an unknown field, or a value EngineOptions refuses
            raise ClarifyInvalidConfigError(f"engine_options: {err}") from None
    raise ClarifyInvalidConfigError(
        f"engine_options must be an EngineOptions or a dict, got {type(value).__name__}"
    )


def with_confidence(options: EngineOptions, confidence: object) -> EngineOptions:
    """``options`` with the operator's ``confidence`` argument (validated: a bad setting names its key)."""
    if confidence is None:
        return options
    from airflow_provider_clarify.engine.confidence import interval_settings  # numpy: only when asked for

    if options.confidence is not None:
        raise ClarifyInvalidConfigError(
            "confidence is given twice (the confidence argument and engine_options['confidence']); give it once"
        )
    try:
        settings = interval_settings(confidence)
    except ClarifyConfigError as err:
        raise ClarifyInvalidConfigError(
            "confidence: " + "; ".join(str(problem) for problem in err.problems), problems=err.problems
        ) from None
    return dataclasses.replace(options, confidence=settings)


def _explanation_summaries(workdir: Path, analysis: Mapping[str, Any]) -> dict[str, Any]:
    from airflow_provider_clarify.engine.summaries import explanation_summaries  # engine: imported on use

    return explanation_summaries(workdir, analysis)


def read_segments(workdir: Path) -> dict[str, Any] | None:
    """The engine's segments/analysis_segments.json in the private output folder, or None without one."""
    path = workdir / SEGMENTS_PATH
    if not path.is_file():
        return None
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


WORKDIR_PREFIX = ".clarify-local-"


def _private_workdir(output_uri: str) -> WorkDir:
    """A hidden, locked temporary directory for the engine's output, on the same filesystem as a local destination
    (publishing is then a rename), or in the temp folder for S3. Work directories of runs that were killed
    (their lock is free) are removed first."""
    parent = None if is_s3_uri(output_uri) else Path(output_uri).expanduser().resolve().parent
    remove_abandoned(WORKDIR_PREFIX, parent)
    return create_workdir(WORKDIR_PREFIX, parent)


def _touches_s3(config: AnalysisConfig, *uris: str | None) -> bool:
    """Whether anything the run reads or writes is on S3 (only then is an S3 client built)."""
    return any(is_s3_uri(uri) for uri in uris) or _mentions_s3(config.to_dict())


def _mentions_s3(value: object) -> bool:
    if isinstance(value, dict):
        return any(_mentions_s3(item) for item in value.values())
    if isinstance(value, list):
        return any(_mentions_s3(item) for item in value)
    return is_s3_uri(value)


def _uses_endpoint(config: AnalysisConfig) -> bool:
    predictor = config.predictor
    return predictor is not None and bool(predictor.endpoint_name or predictor.model_name)


def job_name(context: Mapping[str, Any]) -> str | None:
    """The name a local run reports as its job: ``local-<dag_id>-<task_id>-<run_id>``."""
    ti = context.get("ti")
    if ti is None:
        return None
    return f"local-{ti.dag_id}-{ti.task_id}-{ti.run_id}"
