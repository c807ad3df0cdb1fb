"""Airflow Assets for Clarify results: the producer side (an outlet and its event) and the consumer side (a gate
input read from the event that triggered the run).

**Producer.** An analysis task publishes ``<output>/analysis.json``. Its output location is usually templated
(``.../ds={{ ds }}``), so the Asset's URI is only known at run time; Airflow's answer for that is an
``AssetAlias``: the task declares the alias as its outlet when the DAG is parsed, and at run time adds an event
for the concrete ``Asset`` through it. So every Clarify task's outlet is ``AssetAlias(asset_alias)`` (default
``clarify/<dag_id>/<task_id>``), and each successful run adds an event for
``Asset("s3://bucket/prefix/analysis.json")`` or ``Asset("file:///abs/dir/analysis.json")`` whose ``extra`` is
the result's compact summary (:mod:`airflow_provider_clarify.results.summary`, at most 16 KiB). A consumer DAG
schedules on the alias (``schedule=AssetAlias("clarify-monitoring")``: any output of that task) or on one
concrete Asset (a fixed output location); Airflow queues both kinds. A task that ends without a result (a
managed job started with ``wait_for_completion=False``) adds no event, so consumers never run on nothing; the
``ClarifyProcessingJobSensor`` that waits for that job announces its result instead.

The URI names the same object, by the same rules, as the operators' OpenLineage output (``lineage.py``).

**Consumer.** :class:`ClarifyAssetEventResult` is a value for a templated argument (the gate's ``result=``, or any
operator's): Airflow resolves it when it renders the task's templates, to the XCom form of the result the
triggering event carries — no XCom pulled across DAGs.

**Sharded analyses.** A task that merges shards publishes the merged ``analysis.json`` like an analysis task:
list :func:`analysis_asset_outlet` in its ``outlets`` and call :func:`emit_analysis_asset_event` with the merged
result (or use :class:`AnalysisAssetMixin` in an operator).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_clarify.compat import Asset, AssetAlias, Context
from airflow_provider_clarify.contract import ANALYSIS_FILE, S3_SCHEME, is_s3_uri, join_uri
from airflow_provider_clarify.exceptions import ClarifyResultInputError
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators.lineage import dataset_name
from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError
from airflow_provider_clarify.results.summary import compact_summary, is_summary, summary_is_complete

log = logging.getLogger(__name__)

ALIAS_PREFIX = "clarify"
"""Default alias names are ``clarify/<dag_id>/<task_id>``."""


def analysis_asset_uri(output_uri: str) -> str:
    """The Asset URI of the ``analysis.json`` published under ``output_uri`` (an ``s3://`` prefix or a directory).

    S3: ``s3://bucket/prefix/analysis.json``. A local directory: ``file://`` + its absolute path (not
    percent-encoded, so it names the same path as the OpenLineage dataset of the output).
    """
    if not isinstance(output_uri, str) or not output_uri.strip():
        raise ValueError(f"no output location to derive the analysis asset from: {output_uri!r}")
    output_uri = output_uri.strip()
    if is_s3_uri(output_uri):
        return join_uri(output_uri, ANALYSIS_FILE)
    name = dataset_name(output_uri)
    if name is None:
        raise ValueError(f"output location {output_uri!r} is neither an s3:// prefix nor a local directory")
    directory = name[1].rstrip("/")
    return f"file://{directory}/{ANALYSIS_FILE}"


def analysis_asset(output_uri: str) -> Asset:
    """The ``Asset`` of the ``analysis.json`` under ``output_uri``; schedule a DAG on it for one fixed output."""
    return Asset(uri=analysis_asset_uri(output_uri))


def default_alias_name(dag_id: str | None, task_id: str) -> str:
    """``clarify/<dag_id>/<task_id>`` (``clarify/<task_id>`` for an operator built outside a DAG)."""
    return "/".join(part for part in (ALIAS_PREFIX, dag_id, task_id) if part)


def analysis_asset_outlet(dag_id: str | None, task_id: str, asset_alias: str | None = None) -> AssetAlias:
    """The outlet a task that publishes an ``analysis.json`` declares (list it in the task's ``outlets``)."""
    return AssetAlias(name=asset_alias or default_alias_name(dag_id, task_id))


def emit_analysis_asset_event(
    context: Mapping[str, Any], outlet: AssetAlias, result: Mapping[str, Any] | ClarifyResult
) -> Asset | None:
    """Add the event for ``result``'s ``analysis.json`` through ``outlet``, its summary as the event's ``extra``.

    ``result`` is a ``ClarifyResult`` or its XCom dict; it must name its output location. Call it from the task
    whose ``outlets`` list ``outlet``, after ``analysis.json`` was published. Returns the Asset the event is
    for, or None (logged) when the running Airflow has no outlet events in its context.
    """
    parsed = ClarifyResult.from_xcom(result)
    if not parsed.output_uri:
        raise ValueError("the Clarify result names no output location: no analysis asset to announce")
    events = context.get("outlet_events")
    if events is None:
        log.warning("This Airflow passes no outlet_events to tasks: no asset event for %s", parsed.output_uri)
        return None
    asset = analysis_asset(parsed.output_uri)
    events[outlet].add(asset, extra=compact_summary(parsed))
    log.info("Asset event for %s through alias %s (extra: the result summary)", asset.uri, outlet.name)
    return asset


class AnalysisAssetMixin:
    """An operator that publishes ``analysis.json`` declares its asset alias and announces each result.

    Call :meth:`declare_analysis_asset` at the end of ``__init__`` and return ``self.announce_result(result,
    context)`` from ``execute`` (and from any method a deferral resumes in).
    """

    task_id: str
    dag_id: str
    outlets: list[Any]
    asset_alias: str | None
    emit_asset: bool
    _analysis_outlet: AssetAlias | None = None

    def declare_analysis_asset(self) -> None:
        """Add the alias to the operator's outlets (nothing when ``emit_asset`` is False)."""
        if not self.emit_asset:
            return
        dag_id = self.dag_id if getattr(self, "has_dag", lambda: False)() else None
        self._analysis_outlet = analysis_asset_outlet(dag_id, self.task_id, self.asset_alias)
        self.outlets = [*self.outlets, self._analysis_outlet]

    def announce_result(self, result: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        """Emit the asset event for ``result`` (the operator's XCom value) and return ``result`` unchanged."""
        if self._analysis_outlet is None:
            return result
        if context is None:
            context = _running_task_context()
            if context is None:  # execute() called outside a running task (a unit test): no events to add to
                log.info("Not inside a running task: no asset event for %s", result.get("output_uri"))
                return result
        emit_analysis_asset_event(context, self._analysis_outlet, result)
        return result


def _running_task_context() -> Context | None:
    from airflow_provider_clarify.compat import get_current_context

    try:
        return get_current_context()
    except Exception:  # Airflow raises its own error type outside a task; the kind does not matter here
        return None


# ------------------------------------------------------------------------------------------------ consumer


@dataclass(frozen=True)
class ClarifyAssetEventResult:
    """The Clarify result carried by the asset event that triggered this DAG run, as the gate's ``result``.

    ``ClarifyGateOperator(task_id="gate", result=ClarifyAssetEventResult(), rules=...)`` in a DAG scheduled on a
    Clarify asset (alias) gates the result the producer published. Airflow resolves the value when it renders the
    task's templates (it has a ``resolve(context)`` method, like ``XComArg``), to the XCom dict of the result.

    :param asset_alias: only events emitted through this alias, or for an Asset with this URI or name (default:
        any triggering event that carries a Clarify summary).
    :param read_full_result: when the event's summary had to leave entries out (see its size bound), read the
        complete ``analysis.json`` it points at instead (default True).
    :param aws_conn_id: connection to read an ``s3://`` ``analysis.json`` with.

    Several events (a mapped producer, or several producer runs before this run started): the newest is used, and
    the others are logged. A run that no Clarify event triggered (a manual run) fails with a clear error.
    """

    asset_alias: str | None = None
    read_full_result: bool = True
    aws_conn_id: str | None = "aws_default"

    def resolve(self, context: Mapping[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The XCom dict of the newest triggering Clarify result (Airflow calls this when rendering)."""
        events = _clarify_events(self._triggering_events(context), self.asset_alias)
        newest = events[-1]
        if len(events) > 1:
            log.warning(
                "%d Clarify asset events triggered this run; gating the newest (%s), not %s",
                len(events),
                newest.asset_uri,
                [event.asset_uri for event in events[:-1]],
            )
        summary = dict(newest.extra)
        if self.read_full_result and not summary_is_complete(summary):
            return self._full_result(summary, newest.asset_uri)
        return summary

    def _triggering_events(self, context: Mapping[str, Any]) -> Mapping[Any, Any]:
        events = context.get("triggering_asset_events") or context.get("triggering_dataset_events")
        if not events:
            dag_run = context.get("dag_run")
            run_type = getattr(dag_run, "run_type", None)
            raise ClarifyResultInputError(
                "this DAG run was not triggered by an asset event (run type "
                f"{run_type!s}): schedule the DAG on the Clarify asset alias (e.g. "
                "schedule=AssetAlias('clarify/<dag_id>/<task_id>')) or pass the gate another result"
            )
        return events  # type: ignore[no-any-return]  # Airflow's accessor mapping, untyped here

    def _full_result(self, summary: Mapping[str, Any], asset_uri: str) -> dict[str, Any]:
        uri = summary.get("analysis_uri") or _analysis_location(asset_uri)
        log.info("The asset event's summary is partial; reading the full result from %s", uri)
        try:
            document = storage.read_json(uri, aws_conn_id=self.aws_conn_id)
            return ClarifyResult.from_analysis(
                document,
                engine=summary.get("engine") or "local",
                job_name=summary.get("job_name"),
                job_status=summary.get("job_status"),
                output_uri=summary.get("output_uri"),
                output_files=summary.get("output_files") or None,
                warnings=summary.get("warnings") or None,
            ).to_xcom()
        except (OSError, ValueError, ClarifyResultError) as err:
            raise ClarifyResultInputError(
                f"the asset event's summary is partial and the full result at {uri} could not be read: {err}"
            ) from err


@dataclass(frozen=True)
class _Event:
    asset_uri: str
    aliases: tuple[str, ...]
    asset_name: str
    extra: Mapping[str, Any]
    order: tuple[str, str, int]


def _clarify_events(events: Mapping[Any, Any], wanted: str | None) -> list[_Event]:
    """Every distinct triggering event that carries a Clarify summary (and matches ``wanted``), oldest first."""
    seen: dict[tuple[str, str, str, int], _Event] = {}
    described: list[str] = []
    for entries in events.values():
        for entry in entries:
            event = _event(entry)
            described.append(f"{event.asset_uri} (extra keys {sorted(event.extra)[:5]})")
            if not is_summary(event.extra):
                continue
            if wanted and wanted not in (event.asset_uri, event.asset_name, *event.aliases):
                continue
            seen[(event.asset_uri, *event.order)] = event
    if not seen:
        which = f" for {wanted!r}" if wanted else ""
        raise ClarifyResultInputError(
            f"no triggering asset event{which} carries a Clarify result summary; the run was triggered by: "
            f"{sorted(set(described))[:10]}. Clarify summaries come from ClarifyOperator / "
            "LocalClarifyOperator events (their asset alias)."
        )
    return sorted(seen.values(), key=lambda e: e.order)


def _event(entry: Any) -> _Event:  # Airflow's AssetEventDagRunReferenceResult (or Airflow 2's DatasetEvent)
    asset = getattr(entry, "asset", None) or getattr(entry, "dataset", None)
    uri = str(getattr(asset, "uri", "") or getattr(entry, "uri", ""))
    aliases = tuple(str(a.name) for a in getattr(entry, "source_aliases", None) or ())
    timestamp = getattr(entry, "timestamp", None)
    return _Event(
        asset_uri=uri,
        aliases=aliases,
        asset_name=str(getattr(asset, "name", "") or uri),
        extra=getattr(entry, "extra", None) or {},
        order=(
            timestamp.isoformat() if timestamp is not None else "",
            str(getattr(entry, "source_run_id", "")),
            _map_index(getattr(entry, "source_map_index", None)),
        ),
    )


def _map_index(value: object) -> int:
    return value if isinstance(value, int) else -1


def _analysis_location(asset_uri: str) -> str:
    """Where to read the ``analysis.json`` an asset URI names (``file://`` → the local path)."""
    if asset_uri.startswith("file://"):
        return asset_uri[len("file://") :]
    if asset_uri.startswith(S3_SCHEME):
        return asset_uri
    raise ClarifyResultInputError(f"asset {asset_uri!r} is not a Clarify analysis.json location")
