"""Log one Clarify result as one MLflow run, through MLflow's ``MlflowClient``.

``MlflowClient`` rather than ``mlflow.start_run``: the fluent API keeps a process-wide "active run" and reads the
tracking URI from global state, which a worker running several tasks must not share; the client names its
tracking URI and run explicitly.

One run per task instance: the run carries the tag ``clarify.task_instance_key`` (a hash of DAG id, task id, run
id and map index), and a retried task finds and completes its earlier run instead of adding a second one. So a
backfill over N logical dates logs N runs, each named and tagged with its date, and MLflow's charts over the
experiment show the trend. Metric timestamps are the logical date's, so "wall time" axes put each run at its date.

Limits (MLflow's): at most 1000 metrics and 100 params or tags per request, so everything is sent in batches.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.mlflow.naming import (
    FAILED_METRICS_TAG,
    MAX_TAG_VALUE_CHARS,
    result_metrics,
    truncated,
)
from airflow_provider_clarify.results import ClarifyResult

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

TASK_INSTANCE_TAG = "clarify.task_instance_key"
ARTIFACT_DIR = "clarify"
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_PER_BATCH = 100
MAX_TAGS_PER_BATCH = 100


@dataclass(frozen=True)
class RunSpec:
    """What identifies and describes the run: experiment, name, tags, the task instance it belongs to."""

    experiment_name: str
    run_name: str
    task_instance_key: str
    timestamp_ms: int
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggedRun:
    """What was logged, as the operator's XCom value reports it."""

    run_id: str
    experiment_id: str
    metrics: int
    params: int
    artifacts: list[str]
    reused: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "logged": True,
            "run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "metrics": self.metrics,
            "params": self.params,
            "artifacts": list(self.artifacts),
            "reused_run": self.reused,
        }


def task_instance_key(dag_id: str, task_id: str, run_id: str, map_index: int) -> str:
    """A short stable hash of the task instance (MLflow filters need a plain value to match on)."""
    text = "\x1f".join((dag_id, task_id, run_id, str(map_index)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def log_result(
    client: MlflowClient,
    result: ClarifyResult,
    spec: RunSpec,
    params: Mapping[str, str],
    artifacts: Sequence[Path],
) -> LoggedRun:
    """Log ``result`` (metrics), ``params`` and the ``artifacts`` files as the run ``spec`` describes.

    The run ends FINISHED; if logging fails midway it is marked FAILED (best effort) and the error propagates.
    """
    metrics, failed = result_metrics(result)
    experiment_id = _experiment_id(client, spec.experiment_name)
    run_id, reused = _run_for(client, experiment_id, spec)
    try:
        tags = {**spec.tags, TASK_INSTANCE_TAG: spec.task_instance_key}
        if failed:
            tags[FAILED_METRICS_TAG] = truncated(",".join(failed), MAX_TAG_VALUE_CHARS)
        _log_batches(client, run_id, metrics, dict(params), tags, spec.timestamp_ms)
        for path in artifacts:
            client.log_artifact(run_id, str(path), artifact_path=ARTIFACT_DIR)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        _mark_failed(client, run_id)
        raise
    names = [f"{ARTIFACT_DIR}/{path.name}" for path in artifacts]
    return LoggedRun(run_id, experiment_id, len(metrics), len(params), names, reused)


def _experiment_id(client: MlflowClient, name: str) -> str:
    from mlflow.exceptions import MlflowException

    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    try:
        return str(client.create_experiment(name))
    except MlflowException:  # created meanwhile by a parallel task (a mapped backfill)
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)


def _run_for(client: MlflowClient, experiment_id: str, spec: RunSpec) -> tuple[str, bool]:
    """(run id, whether it is the run of an earlier try of this task instance)."""
    earlier = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{TASK_INSTANCE_TAG}` = '{spec.task_instance_key}'",
        max_results=1,
    )
    if earlier:
        run_id = str(earlier[0].info.run_id)
        client.update_run(run_id, status="RUNNING")
        return run_id, True
    run = client.create_run(
        experiment_id, run_name=spec.run_name, tags={TASK_INSTANCE_TAG: spec.task_instance_key}
    )
    return str(run.info.run_id), False


def _log_batches(
    client: MlflowClient,
    run_id: str,
    metrics: Mapping[str, float],
    params: Mapping[str, str],
    tags: Mapping[str, str],
    timestamp_ms: int,
) -> None:
    from mlflow.entities import Metric, Param, RunTag

    for chunk in _chunks(list(metrics.items()), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=[Metric(k, v, timestamp_ms, 0) for k, v in chunk])
    for chunk in _chunks(list(params.items()), MAX_PARAMS_PER_BATCH):
        client.log_batch(run_id, params=[Param(k, v) for k, v in chunk])
    for chunk in _chunks(list(tags.items()), MAX_TAGS_PER_BATCH):
        client.log_batch(run_id, tags=[RunTag(k, truncated(v, MAX_TAG_VALUE_CHARS)) for k, v in chunk])


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:  # items: (key, value) pairs of one kind
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mark_failed(client: MlflowClient, run_id: str) -> None:
    # The server that failed the logging may fail this too; the first error is the one to report.
    with contextlib.suppress(Exception):
        client.set_terminated(run_id, "FAILED")
