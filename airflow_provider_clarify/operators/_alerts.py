"""Alerts on gate violations through Airflow's notifier interface (``BaseNotifier``).

Any notifier works: the amazon provider's ``SnsNotifier``, Slack's, SMTP's, or your own subclass. The gate calls
each one when it found violations (in every mode: a skipping or branching gate alerts too), with the task's
context plus ``clarify_gate``:

- ``clarify_gate.message`` — the violations as text (one line each, at most :data:`MAX_LISTED_VIOLATIONS`), the
  run, and where ``constraint_violations.json`` and ``analysis.json`` are;
- ``clarify_gate.subject`` — a one-line subject (at most 100 characters, as SNS allows);
- ``clarify_gate.violations`` — the reference §12 violation entries; ``clarify_gate.summary`` — the gate summary;
- ``clarify_gate.constraint_violations_uri`` and ``clarify_gate.analysis_uri``.

Notifiers render their template fields with that context, so ``message="{{ clarify_gate.message }}"``
(:data:`VIOLATIONS_MESSAGE`) puts the text in any notifier; :func:`sns_violation_notifier` builds an
``SnsNotifier`` that way. Each call gets a copy of the notifier (rendering changes a notifier in place).

A notifier that fails is logged with its error and does not change the gate's verdict — as Airflow treats a
failing ``on_failure_callback`` notifier; the violations stay in XCom and in ``constraint_violations.json``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from airflow_provider_clarify.operators._logging import InfoLogger
from airflow_provider_clarify.results import ClarifyResult, GateReport

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

VIOLATIONS_MESSAGE = "{{ clarify_gate.message }}"
"""A notifier ``message`` template that renders to the gate's violation text."""
VIOLATIONS_SUBJECT = "{{ clarify_gate.subject }}"
MAX_LISTED_VIOLATIONS = 20
MAX_SUBJECT_CHARS = 100
CONTEXT_KEY = "clarify_gate"


class Notifier(Protocol):
    """What the gate calls: a ``BaseNotifier`` (or any callable taking the task context)."""

    def __call__(self, context: Any, /) -> Any: ...  # notifiers return None; the context is Airflow's


class ErrorLogger(InfoLogger, Protocol):
    def error(self, msg: str, /, *args: Any, **kwargs: Any) -> Any: ...  # loggers return anything here


def checked_notifiers(notifiers: object, argument: str = "notifiers") -> tuple[Notifier, ...]:
    """``notifiers`` (one notifier, a list of them, or None) as a tuple; a clear error for anything else."""
    if notifiers is None:
        return ()
    items = list(notifiers) if isinstance(notifiers, (list, tuple)) else [notifiers]
    wrong = [type(item).__name__ for item in items if not callable(item)]
    if wrong:
        raise TypeError(
            f"{argument} must be notifiers (BaseNotifier instances such as SnsNotifier, or callables taking "
            f"the task context); got {wrong}"
        )
    return tuple(cast(Notifier, item) for item in items)


def violation_lines(report: GateReport, limit: int = MAX_LISTED_VIOLATIONS) -> list[str]:
    """One line per violation (``DI sex=0: Value ... does not meet ...``), at most ``limit`` and a count."""
    violations = report.violations
    lines = [f"{check.subject}: {check.detail}" for check in violations[:limit]]
    if len(violations) > limit:
        lines.append(f"... and {len(violations) - limit} more")
    return lines


def alert_context(
    context: Mapping[str, Any], report: GateReport, result: ClarifyResult, violations_uri: str | None
) -> dict[str, Any]:
    """The task context plus ``clarify_gate`` (see the module docstring) for the notifiers."""
    ti = context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "")
    task_id = getattr(ti, "task_id", "")
    run_id = context.get("run_id") or getattr(ti, "run_id", "")
    source = result.job_name or result.output_uri or "(unnamed result)"
    count = len(report.violations)
    message = "\n".join(
        [
            f"Clarify gate {dag_id}.{task_id} (run {run_id}) found {count} violation(s) in the {result.engine} "
            f"result {source}:",
            *(f"  {line}" for line in violation_lines(report)),
            f"constraint_violations.json: {violations_uri or '(not written)'}",
            f"analysis.json: {result.analysis_uri or '(unknown)'}",
        ]
    )
    subject = f"Clarify gate: {count} violation(s) in {dag_id}.{task_id}"
    gate = {
        "message": message,
        "subject": _one_line(subject, MAX_SUBJECT_CHARS),
        "violations": report.constraint_violations()["violations"],
        "violation_count": count,
        "summary": report.summary(),
        "constraint_violations_uri": violations_uri,
        "analysis_uri": result.analysis_uri,
    }
    return {**context, CONTEXT_KEY: gate}


def notify_violations(
    notifiers: Iterable[Notifier],
    context: Mapping[str, Any],
    report: GateReport,
    result: ClarifyResult,
    violations_uri: str | None,
    log: ErrorLogger,
) -> list[str]:
    """Call every notifier (a copy of it) with :func:`alert_context`; return the errors of those that failed.

    Nothing is sent when the gate passed. A failing notifier is logged and the next one is still called.
    """
    if report.passed:
        return []
    alert = alert_context(context, report, result, violations_uri)
    errors = []
    for notifier in notifiers:
        name = type(notifier).__name__
        try:
            copy.copy(notifier)(alert)
        except Exception as err:  # any notifier's failure: reported, never hides the verdict
            errors.append(f"{name}: {type(err).__name__}: {err}")
            log.error("Gate alert through %s failed: %s: %s", name, type(err).__name__, err)
        else:
            log.info("Gate alert sent through %s (%d violation(s))", name, len(report.violations))
    return errors


def sns_violation_notifier(
    target_arn: str,
    *,
    aws_conn_id: str | None = "aws_default",
    region_name: str | None = None,
    subject: str = VIOLATIONS_SUBJECT,
    message_attributes: Mapping[str, Any] | None = None,
) -> SnsNotifier:
    """The amazon provider's ``SnsNotifier`` publishing the gate's violation text to ``target_arn``."""
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    return SnsNotifier(
        aws_conn_id=aws_conn_id,
        target_arn=target_arn,
        message=VIOLATIONS_MESSAGE,
        subject=subject,
        message_attributes=dict(message_attributes) if message_attributes else None,
        region_name=region_name,
    )


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


__all__: Sequence[str] = (
    "VIOLATIONS_MESSAGE",
    "VIOLATIONS_SUBJECT",
    "alert_context",
    "checked_notifiers",
    "notify_violations",
    "sns_violation_notifier",
    "violation_lines",
)
