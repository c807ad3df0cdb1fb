"""LocalClarifyOperator: run a Clarify analysis inside the Airflow worker and publish its output atomically.

Same config inputs as ClarifyOperator (dict / JSON string / .json path / builder objects, templated, Params),
same ``analysis.json`` out, same XCom (``ClarifyResult(...).to_xcom()``), so a DAG switches engines by swapping
the operator. What happens in ``execute()``:

1. validate the config (schema, cross-field rules, model source) and the output location — before any side
   effect: nothing is read, uploaded or written when the config is wrong;
2. run :func:`airflow_provider_clarify.engine.run_analysis` in a private temporary directory (its progress and
   warnings go to the task log through the ``airflow_provider_clarify.engine`` logger);
3. publish: to a local directory by moving the files in, or to an ``s3://`` prefix by uploading them; either way
   ``analysis.json`` comes LAST, so its presence marks a complete output, and a failure removes what was already
   published. A stale ``analysis.json`` at the destination is removed before publishing starts;
4. return the ClarifyResult summary as XCom.

A killed task (``on_kill``) or a failed one leaves no partial output: the temporary directory is removed and the
partial upload rolled back. Engine job-level failures (``AnalysisError``) become :class:`ClarifyAnalysisError`
with the engine's one-line ``reason``; config errors become ``ClarifyInvalidConfigError`` (no retries).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.operators import _storage
from airflow_provider_clarify.operators._config_input import resolve_config
from airflow_provider_clarify.operators._lineage import ClarifyLineageMixin
from airflow_provider_clarify.results import ClarifyResult

try:  # Airflow 3
    from airflow.sdk import BaseOperator
except ImportError:  # pragma: no cover - Airflow 2.x
    from airflow.models import BaseOperator  # type: ignore[no-redef]


class LocalClarifyOperator(ClarifyLineageMixin, BaseOperator):
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
    """

    template_fields: Sequence[str] = ("config", "output_uri", "dataset_uri")
    template_fields_renderers = {"config": "json"}
    ui_color = "#cfe6c8"

    def __init__(
        self,
        *,
        config: Any,
        output_uri: str | None = None,
        dataset_uri: str | None = None,
        predictor: Any = None,
        aws_conn_id: str | None = "aws_default",
        engine_options: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.output_uri = output_uri
        self.dataset_uri = dataset_uri
        self.predictor = predictor
        self.aws_conn_id = aws_conn_id
        self.engine_options = engine_options
        self._workdir: Path | None = None
        self._killed = False  # a plain flag: operators get deep-copied, locks cannot

    # ------------------------------------------------------------------------------------------------ execute

    def execute(self, context: Any) -> dict[str, Any]:
        from airflow_provider_clarify.config import ClarifyConfigError, check_model_source

        predictor = self.predictor
        if isinstance(predictor, str):  # only strings are templated: a callable model must not be called
            predictor = self.render_template(predictor, context)
        analysis_config = resolve_config(self.config)
        try:
            check_model_source(analysis_config, local_model_available=predictor is not None)
        except ClarifyConfigError as err:
            raise ClarifyInvalidConfigError(
                f"config is not runnable: {err}", problems=getattr(err, "problems", ())
            ) from err
        document = analysis_config.to_dict()
        job_io = analysis_config.job_io
        dataset_uri = self.dataset_uri or (job_io.dataset_uri if job_io else None)
        output_uri = self._checked_output_uri(self.output_uri or (job_io.output_uri if job_io else None))
        options = _engine_options(self.engine_options)
        s3_client = self._s3_client() if _mentions_s3(document, dataset_uri, output_uri) else None
        runtime_client = self._runtime_client() if predictor is None and _uses_endpoint(document) else None

        parent = None if _storage.is_s3(output_uri) else Path(output_uri).expanduser().resolve().parent
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        # Same filesystem as a local destination, so publishing is a rename; hidden, so nobody mistakes it.
        self._workdir = Path(tempfile.mkdtemp(prefix=".clarify-local-", dir=parent))
        warnings: list[str] = []
        try:
            self.log.info(
                "Running the local Clarify engine: methods %s, dataset %s, output %s",
                sorted(document.get("methods", {})),
                document.get("dataset_uri") or dataset_uri,
                output_uri,
            )
            analysis = self._run_engine(
                document, dataset_uri, options, s3_client, runtime_client, predictor, warnings, output_uri
            )
            if self._killed:
                raise ClarifyAnalysisError("the task was killed during the analysis; nothing was published")
            published = self._publish(self._workdir, output_uri, s3_client)
        finally:
            self._cleanup()
        files = {name: _storage.join(output_uri, name) for name in published}
        result = ClarifyResult.from_analysis(
            analysis,
            engine="local",
            job_name=_job_name(context),
            job_status="Completed",
            output_uri=output_uri,
            output_files=files,
            warnings=warnings,
        )
        self.log.info(
            "Clarify analysis complete: %d bias metric(s), %d SHAP target(s), %d warning(s); analysis.json at %s",
            len(result.rows()),
            len(result.shap),
            len(warnings),
            result.analysis_uri,
        )
        return result.to_xcom()

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
        self,
        document: dict[str, Any],
        dataset_uri: str | None,
        options: Any,
        s3_client: Any,
        runtime_client: Any,
        predictor: Any,
        warnings: list[str],
        output_uri: str | None = None,
    ) -> dict[str, Any]:
        from airflow_provider_clarify.engine import AnalysisError, run_analysis

        try:
            return run_analysis(
                document,
                dataset_uri,
                self._workdir,
                s3_client=s3_client,
                sagemaker_runtime_client=runtime_client,
                predictor=predictor,
                options=options,
                warnings=warnings,
                published_uri=output_uri,  # time series: explanation_results_path names the published file
            )
        except AnalysisError as err:
            raise ClarifyAnalysisError(err.reason) from err

    def _publish(self, workdir: Path, output_uri: str, s3_client: Any) -> list[str]:
        if _storage.is_s3(output_uri):
            bucket, prefix = _storage.split_s3(output_uri)
            marker = f"{prefix.rstrip('/')}/{_storage.COMPLETION_MARKER}".lstrip("/")
            s3_client.delete_object(
                Bucket=bucket, Key=marker
            )  # a stale marker would vouch for a mixed output
            return _storage.upload_directory(
                workdir, output_uri, s3_client, log=self.log.info, cancelled=self._was_killed
            )
        target = Path(output_uri).expanduser()
        (target / _storage.COMPLETION_MARKER).unlink(missing_ok=True)
        names = _storage.publish_local_directory(workdir, target, cancelled=self._was_killed)
        self.log.info("Published %d file(s) to %s", len(names), target)
        return names

    def _checked_output_uri(self, output_uri: str | None) -> str:
        if not output_uri or not str(output_uri).strip():
            raise ClarifyInvalidConfigError(
                "output_uri is missing: pass output_uri= (a local directory or an s3:// prefix) or "
                "s3_output_path to DataConfig"
            )
        output_uri = str(output_uri).strip()
        if _storage.is_s3(output_uri):
            try:
                _storage.split_s3(output_uri)
            except ValueError as err:
                raise ClarifyInvalidConfigError(f"output_uri: {err}") from None
            return output_uri.rstrip("/")
        if "://" in output_uri:
            raise ClarifyInvalidConfigError(
                f"output_uri {output_uri!r}: give a local directory or an s3:// prefix"
            )
        path = Path(output_uri).expanduser()
        if path.exists() and not path.is_dir():
            raise ClarifyInvalidConfigError(f"output_uri {output_uri!r} is a file; give a directory")
        return str(path)

    def _s3_client(self) -> Any:
        return _storage.s3_hook(self.aws_conn_id).get_conn()

    def _runtime_client(self) -> Any:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        return AwsBaseHook(aws_conn_id=self.aws_conn_id, client_type="sagemaker-runtime").get_conn()

    def _was_killed(self) -> bool:
        return self._killed

    def _cleanup(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


# ----------------------------------------------------------------------------------------------------------------


def _engine_options(value: Any) -> Any:
    from airflow_provider_clarify.engine import EngineOptions

    if value is None:
        return EngineOptions()
    if isinstance(value, EngineOptions):
        return value
    if isinstance(value, dict):
        try:
            return EngineOptions(**value)
        except TypeError as err:
            raise ClarifyInvalidConfigError(f"engine_options: {err}") from None
    raise ClarifyInvalidConfigError(
        f"engine_options must be an EngineOptions or a dict, got {type(value).__name__}"
    )


def _mentions_s3(document: Any, *uris: Any) -> bool:
    """Whether anything the run reads or writes is on S3 (only then is an S3 client built)."""
    if any(_storage.is_s3(uri) for uri in uris):
        return True
    if isinstance(document, dict):
        return any(_mentions_s3(value) for value in document.values())
    if isinstance(document, list):
        return any(_mentions_s3(value) for value in document)
    return _storage.is_s3(document)


def _uses_endpoint(document: dict[str, Any]) -> bool:
    predictor = document.get("predictor") or {}
    return bool(predictor.get("endpoint_name") or predictor.get("model_name"))


def _job_name(context: Any) -> str | None:
    ti = context.get("ti") if hasattr(context, "get") else None
    if ti is None:
        return None
    return f"local-{ti.dag_id}-{ti.task_id}-{ti.run_id}"
