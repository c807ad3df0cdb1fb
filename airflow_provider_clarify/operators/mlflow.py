"""ClarifyMlflowOperator: log a Clarify result to an MLflow tracking server, one run per task instance.

A separate task after the analysis, on purpose: the analysis result is already in XCom and published (and its
asset event emitted) when this task starts, so a tracking server that is down can fail or delay only this
step — never hide or undo the result. ``best_effort=True`` turns such a failure into a warning.

What one run holds (names: :mod:`airflow_provider_clarify.mlflow.naming`):

- every bias metric with a value as an MLflow metric ``bias/<stage>/<metric>/<facet>/<facet value>``, every
  global SHAP value as ``shap/<target>/<feature>`` (and ``shap_expected_value/<target>``);
- the analysis config (``config=``) as params ``config/...``;
- ``analysis.json`` and the report files (HTML, PDF, notebook) as artifacts under ``clarify/``;
- tags: ``airflow.dag_id``, ``airflow.task_id``, ``airflow.run_id``, ``airflow.logical_date``,
  ``airflow.map_index``, ``clarify.engine``, ``clarify.job_name``, ``clarify.analysis_uri``; the run is named
  ``<dag_id> <logical date>`` (plus ``[map index]``) unless ``run_name`` says otherwise.

The tracking server comes from an Airflow connection (:mod:`airflow_provider_clarify.mlflow.connection`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.compat import AirflowException, BaseOperator, Context
from airflow_provider_clarify.contract import ANALYSIS_FILE, REPORT_EXTENSIONS, is_s3_uri, split_s3_uri
from airflow_provider_clarify.exceptions import ClarifyResultInputError
from airflow_provider_clarify.mlflow.connection import (
    DEFAULT_CONN_ID,
    MlflowConnectionError,
    TrackingTarget,
    client_settings,
    tracking_target,
)
from airflow_provider_clarify.mlflow.naming import config_params
from airflow_provider_clarify.mlflow.tracking import RunSpec, log_result, task_instance_key
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators.config_input import resolve_config
from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient


class ClarifyMlflowError(AirflowException):
    """Logging to MLflow failed (server unreachable, refused, ...). Retries apply: a server may come back."""


class ClarifyMlflowOperator(BaseOperator):
    """Log a Clarify result to MLflow: metrics, SHAP values, the config as params, analysis.json and the report.

    :param result: the result — an ``XComArg`` (``analysis.output``), its XCom dict, a ``ClarifyResult``, or the
        **task id** of the task that returned it. Templated.
    :param config: the analysis config to log as params (any input the analysis operators take: dict, JSON
        string, path to a .json file, builder objects). Templated. None logs no params.
    :param mlflow_conn_id: the Airflow connection of the tracking server (default ``mlflow_default``).
    :param experiment_name: MLflow experiment (created when missing). Templated; default ``clarify/<dag_id>``.
    :param run_name: MLflow run name. Templated; default ``<dag_id> <logical date>`` (``[map index]`` appended
        in mapped tasks).
    :param logical_date: the date the result is about, for the run name, the ``airflow.logical_date`` tag and
        the metric timestamps. Templated; default the DAG run's logical date (else its ``run_after``). A backfill
        DAG that maps over partitions passes the partition's date.
    :param tags: extra run tags. Templated.
    :param log_artifacts: upload ``analysis.json`` and the report files (default True).
    :param best_effort: a failure to reach or write to the tracking server logs a warning and returns
        ``{"logged": False, "error": ...}`` instead of failing the task. Bad input still fails.
    :param aws_conn_id: connection to download artifacts from an ``s3://`` output.
    :return: ``{"logged": True, "run_id", "experiment_id", "metrics", "params", "artifacts", "reused_run",
        "tracking_uri"}``.
    """

    template_fields: Sequence[str] = (
        "result",
        "config",
        "experiment_name",
        "run_name",
        "logical_date",
        "tags",
    )
    template_fields_renderers = {"config": "json", "tags": "json"}
    ui_color = "#d5e8f7"

    def __init__(
        self,
        *,
        result: Any,  # XComArg, XCom dict, ClarifyResult or task id
        config: Any = None,  # any config input (see operators.config_input)
        mlflow_conn_id: str = DEFAULT_CONN_ID,
        experiment_name: str | None = None,
        run_name: str | None = None,
        logical_date: str | None = None,
        tags: Mapping[str, str] | None = None,
        log_artifacts: bool = True,
        best_effort: bool = False,
        aws_conn_id: str | None = "aws_default",
        **kwargs: Any,  # BaseOperator's arguments
    ) -> None:
        super().__init__(**kwargs)
        if not mlflow_conn_id:
            raise ValueError(
                "mlflow_conn_id is empty: name the Airflow connection of the MLflow tracking server"
            )
        self.result = result
        self.config = config
        self.mlflow_conn_id = mlflow_conn_id
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.logical_date = logical_date
        self.tags = tags
        self.log_artifacts = log_artifacts
        self.best_effort = best_effort
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        # Everything the run needs is checked before the tracking server is contacted.
        result = self._clarify_result(context)
        params = config_params(resolve_config(self.config).to_dict()) if self.config is not None else {}
        spec = self._run_spec(context, result)
        try:
            target = tracking_target(self.mlflow_conn_id)
        except MlflowConnectionError as err:
            raise ClarifyMlflowError(str(err)) from err
        workdir = Path(tempfile.mkdtemp(prefix="clarify-mlflow-"))
        try:
            artifacts = self._artifacts(result, workdir) if self.log_artifacts else []
            return self._log(target, result, spec, params, artifacts)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    # ------------------------------------------------------------------------------------------------ parts

    def _log(
        self,
        target: TrackingTarget,
        result: ClarifyResult,
        spec: RunSpec,
        params: dict[str, str],
        artifacts: list[Path],
    ) -> dict[str, Any]:
        self.log.info(
            "Logging the Clarify result to MLflow at %s (connection %s): experiment %r, run %r",
            target.tracking_uri,
            target.conn_id,
            spec.experiment_name,
            spec.run_name,
        )
        client = _client(target)  # a missing MLflow install is not the server's fault: it always fails
        try:
            with client_settings(target):
                logged = log_result(client, result, spec, params, artifacts)
        except Exception as err:  # MLflow's and the transport's errors alike: the server failed this step
            message = (
                f"MLflow logging to {target.tracking_uri} (connection {target.conn_id!r}) failed: "
                f"{type(err).__name__}: {_short(err)}. The Clarify result is unaffected: analysis.json at "
                f"{result.analysis_uri or result.output_uri}"
            )
            if self.best_effort:
                self.log.warning("%s (best_effort=True: the task goes on)", message)
                return {"logged": False, "error": message, "tracking_uri": target.tracking_uri}
            raise ClarifyMlflowError(message) from err
        self.log.info(
            "MLflow run %s: %d metric(s), %d param(s), artifacts %s%s",
            logged.run_id,
            logged.metrics,
            logged.params,
            logged.artifacts,
            " (the run of an earlier try, completed)" if logged.reused else "",
        )
        return {**logged.as_dict(), "tracking_uri": target.tracking_uri}

    def _clarify_result(self, context: Context) -> ClarifyResult:
        payload = self.result
        if isinstance(payload, str) and not payload.lstrip().startswith("{"):
            task_id = payload
            payload = context["ti"].xcom_pull(task_ids=task_id)
            if payload is None:
                raise ClarifyResultInputError(f"no Clarify result in XCom from task {task_id!r}")
        try:
            return ClarifyResult.from_xcom(payload)
        except ClarifyResultError as err:
            raise ClarifyResultInputError(f"the MLflow step's result input is unusable: {err}") from err

    def _run_spec(self, context: Context, result: ClarifyResult) -> RunSpec:
        ti = context["ti"]
        dag_id, task_id, run_id = str(ti.dag_id), str(ti.task_id), str(ti.run_id)
        map_index = getattr(ti, "map_index", -1)
        map_index = map_index if isinstance(map_index, int) else -1
        when = _when(self.logical_date, context)
        mapped = f" [{map_index}]" if map_index >= 0 else ""
        tags = {
            "airflow.dag_id": dag_id,
            "airflow.task_id": task_id,
            "airflow.run_id": run_id,
            "airflow.logical_date": when.isoformat(),
            "airflow.map_index": str(map_index),
            "clarify.engine": result.engine,
            "clarify.job_name": result.job_name or "",
            "clarify.analysis_uri": result.analysis_uri or "",
            **{str(k): str(v) for k, v in (self.tags or {}).items()},
        }
        return RunSpec(
            experiment_name=self.experiment_name or f"clarify/{dag_id}",
            run_name=self.run_name or f"{dag_id} {_date_text(when)}{mapped}",
            task_instance_key=task_instance_key(dag_id, task_id, run_id, map_index),
            timestamp_ms=int(when.timestamp() * 1000),
            tags={k: v for k, v in tags.items() if v},
        )

    def _artifacts(self, result: ClarifyResult, workdir: Path) -> list[Path]:
        """Local copies (S3) or paths (local output) of analysis.json and the report files."""
        wanted = {
            name: uri
            for name, uri in result.output_files.items()
            if "/" not in name and (name == ANALYSIS_FILE or name.rsplit(".", 1)[-1] in REPORT_EXTENSIONS)
        }
        if ANALYSIS_FILE not in wanted and result.analysis_uri:
            wanted[ANALYSIS_FILE] = result.analysis_uri
        paths = []
        for name, uri in sorted(wanted.items()):
            if is_s3_uri(uri):
                bucket, key = split_s3_uri(uri)
                target = workdir / name
                storage.s3_hook(self.aws_conn_id).get_conn().download_file(bucket, key, str(target))
                paths.append(target)
            elif Path(uri).is_file():
                paths.append(Path(uri))
            else:
                raise ClarifyResultInputError(f"output file {name} of the result is missing: {uri}")
        return paths


def _client(target: TrackingTarget) -> MlflowClient:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as err:
        raise ClarifyMlflowError(
            "MLflow is not installed: pip install 'airflow-provider-clarify[mlflow]'"
        ) from err
    return MlflowClient(tracking_uri=target.tracking_uri)


def _when(explicit: str | None, context: Context) -> datetime:
    """The logical date to record: the explicit one, the run's logical date, else when the run was due."""
    import pendulum

    if explicit:
        try:
            parsed = pendulum.parse(str(explicit))
        except (ValueError, TypeError) as err:
            raise ClarifyResultInputError(
                f"logical_date {explicit!r} is not a date or timestamp (e.g. 2024-01-05 or 2024-01-05T00:00:00Z)"
            ) from err
        if not isinstance(parsed, datetime):
            raise ClarifyResultInputError(f"logical_date {explicit!r} is not a date or timestamp")
        return parsed
    for value in (context.get("logical_date"), getattr(context.get("dag_run"), "run_after", None)):
        if isinstance(value, datetime):
            return value
    return pendulum.now("UTC")


def _date_text(when: datetime) -> str:
    """``2024-01-05`` for a midnight date, the full ISO timestamp otherwise."""
    midnight = (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0)
    return when.date().isoformat() if midnight else when.isoformat()


def _short(err: BaseException, limit: int = 500) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
