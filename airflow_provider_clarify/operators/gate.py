"""ClarifyGateOperator and ``check_clarify_result``: decide from a Clarify result whether a DAG goes on.

The checks themselves live in :mod:`airflow_provider_clarify.results.gating` (Airflow-free); this module moves the result
in, writes ``constraint_violations.json`` next to the analysis output, pushes the violations to XCom, logs a table
of every check, and turns the verdict into what Airflow should do:

- ``mode="fail"`` — raise ``AirflowFailException`` (:class:`ClarifyGateViolationError`, no retries),
- ``mode="skip"`` — skip every downstream task, like ``ShortCircuitOperator`` (via Airflow's ``SkipMixin``),
- ``mode="branch"`` — follow ``pass_task_ids`` or ``fail_task_ids``, like a branch operator (``BranchMixIn``).

XCom written by the gate (in every mode, before failing or skipping):

- ``return_value`` — ``{"passed", "counts", "version", "violations"}`` (the summary),
- ``violations`` — the list of reference §12 violation entries (empty when the gate passed),
- ``constraint_violations_uri`` — where ``constraint_violations.json`` was written (None when not written).

``constraint_violations.json`` is written whether or not there are violations (an empty list means the gate ran
and passed), to ``violations_uri`` or else beside the result's ``analysis.json``.

Example::

    analysis = LocalClarifyOperator(task_id="bias", config=CONFIG, dataset_uri=DATA, output_uri=OUT)
    gate = ClarifyGateOperator(
        task_id="gate",
        result=analysis.output,
        rules=[
            {"metric": "DI", "band": [0.8, 1.25]},  # four-fifths rule, every facet value
            {"metric": "DPPL", "min": -0.1, "max": 0.1, "facet": "sex"},
        ],
        baseline="s3://bucket/baselines/analysis.json",  # optional: Model Monitor drift semantics
    )
    gate >> deploy

    @task
    def gate_in_taskflow(result: dict) -> dict:
        return check_clarify_result(result, {"DI": [0.8, 1.25]})
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_clarify.compat import BaseOperator, BranchMixIn, Context, get_current_context
from airflow_provider_clarify.config.literals import TooDeeplyNested, parse_structured_text
from airflow_provider_clarify.contract import ANALYSIS_FILE, CONSTRAINT_VIOLATIONS_FILE, is_s3_uri
from airflow_provider_clarify.exceptions import (
    ClarifyGateRuleError,
    ClarifyGateViolationError,
    ClarifyResultInputError,
)
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators._alerts import checked_notifiers, notify_violations
from airflow_provider_clarify.operators._logging import InfoLogger
from airflow_provider_clarify.outputs import OutputStateError
from airflow_provider_clarify.results import (
    DEFAULT_SHAP_NDCG_THRESHOLD,
    NULL_POLICIES,
    ClarifyResult,
    ClarifyResultError,
    GateOptions,
    GateReport,
    GateRuleError,
    evaluate,
    load_baseline,
    parse_rules,
)

MODES = ("fail", "skip", "branch")
VIOLATIONS_FILE = CONSTRAINT_VIOLATIONS_FILE
XCOM_VIOLATIONS = "violations"
XCOM_VIOLATIONS_URI = "constraint_violations_uri"
_RETURN_KEY = "return_value"
_MAX_LISTED_VIOLATIONS = 10

log = logging.getLogger(__name__)
_ALERT_LOG = log  # check_clarify_result's ``log`` argument shadows the module logger


@dataclass(frozen=True)
class _Recording:
    """Where and whether the gate writes ``constraint_violations.json``, and the connection to write it with."""

    violations_uri: str | None
    write: bool
    aws_conn_id: str | None


def check_clarify_result(
    result: Any,  # an XCom dict, a ClarifyResult or its rendered JSON text
    rules: Any = None,  # see results.parse_rules
    baseline: Any = None,  # see results.load_baseline; also an s3:// URI
    *,
    on_null: str = "violation",
    shap_ndcg_threshold: float = DEFAULT_SHAP_NDCG_THRESHOLD,
    bias_drift: bool = True,
    shap_drift: bool = True,
    violations_uri: str | None = None,
    write_violations: bool = True,
    raise_on_violation: bool = True,
    aws_conn_id: str | None = "aws_default",
    log: InfoLogger | None = None,
    notifiers: Any = None,  # BaseNotifier(s); see operators/_alerts.py
) -> dict[str, Any]:
    """The gate as a plain function, for TaskFlow: ``@task def gate(result): return check_clarify_result(...)``.

    Returns the summary dict. With ``raise_on_violation`` (default) violations raise
    :class:`ClarifyGateViolationError`; inside a running task the violations are first pushed to XCom under
    ``violations`` so downstream/on-failure callbacks can read them. ``notifiers`` are called on violations
    with the running task's context (see :class:`ClarifyGateOperator`).
    """
    options = GateOptions(on_null, shap_ndcg_threshold, bias_drift, shap_drift)
    alerts = checked_notifiers(notifiers)
    report, clarify_result = _evaluate(result, rules, baseline, options, aws_conn_id)
    recording = _Recording(violations_uri, write_violations, aws_conn_id)
    uri = _record(report, clarify_result, recording, log)
    if alerts and not report.passed:
        notify_violations(alerts, _current_context(), report, clarify_result, uri, _ALERT_LOG)
    if raise_on_violation and not report.passed:
        ti = _current_ti()
        if ti is not None:
            _push(ti, report, uri)
        raise _violation_error(report)
    return report.summary()


class ClarifyGateOperator(BaseOperator, BranchMixIn):
    """Gate a DAG on a Clarify result: threshold rules, baseline drift (Model Monitor semantics), SHAP drift.

    :param result: the result to check — an ``XComArg`` (e.g. ``clarify_task.output``), the XCom dict, a
        ``ClarifyResult``, or the **task id** of the task whose return value is the result. Templated.
    :param rules: threshold rules: ``{"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1]}`` or a list of dicts /
        :class:`~airflow_provider_clarify.results.ThresholdRule` scoped by ``stage``, ``facet``, ``facet_value``.
        Validated when the DAG is parsed (unknown metric, min > max), unless templated. Templated.
    :param baseline: a baseline result for drift checks: XCom dict, ``ClarifyResult``, analysis.json dict,
        or a local path / ``s3://`` URI of a baseline ``analysis.json`` (or of its directory). Templated.
    :param mode: ``"fail"``, ``"skip"`` or ``"branch"``.
    :param pass_task_ids: / :param fail_task_ids: task (or task group) ids to follow in ``branch`` mode.
    :param on_null: ``"violation"`` (default) or ``"skip"`` for metrics whose value is null (failed).
    :param shap_ndcg_threshold: minimum nDCG of current vs baseline global SHAP (default 0.9).
    :param violations_uri: where to write ``constraint_violations.json`` (default: beside analysis.json).
    :param aws_conn_id: connection for S3 reads/writes.
    :param notifiers: one or more Airflow notifiers (``BaseNotifier``: the amazon provider's ``SnsNotifier``,
        or any other) called when the gate finds violations, in every mode; their templates see
        ``clarify_gate.message`` (the violations as text). See ``sns_violation_notifier``.
    """

    template_fields: Sequence[str] = ("result", "rules", "baseline", "violations_uri")
    inherits_from_skipmixin = True
    ui_color = "#f5d6a8"

    def __init__(
        self,
        *,
        result: Any,  # see check_clarify_result; also a task id
        rules: Any = None,
        baseline: Any = None,
        mode: str = "fail",
        pass_task_ids: str | Iterable[str] | None = None,
        fail_task_ids: str | Iterable[str] | None = None,
        on_null: str = "violation",
        shap_ndcg_threshold: float = DEFAULT_SHAP_NDCG_THRESHOLD,
        bias_drift: bool = True,
        shap_drift: bool = True,
        violations_uri: str | None = None,
        write_violations: bool = True,
        aws_conn_id: str | None = "aws_default",
        notifiers: Any = None,  # BaseNotifier(s); see operators/_alerts.py
        **kwargs: Any,  # BaseOperator's arguments
    ) -> None:
        super().__init__(**kwargs)
        _check_mode(mode, pass_task_ids, fail_task_ids)
        if on_null not in NULL_POLICIES:
            raise ValueError(f"on_null must be one of {list(NULL_POLICIES)}, got {on_null!r}")
        if rules is None and baseline is None:
            raise ValueError("the gate has nothing to check: give rules, a baseline, or both")
        if not _is_templated(rules):
            parse_rules(rules)  # fail at DAG parse time on unknown metrics and contradictory bands
        self.result = result
        self.rules = rules
        self.baseline = baseline
        self.mode = mode
        self.pass_task_ids = pass_task_ids
        self.fail_task_ids = fail_task_ids
        self.on_null = on_null
        self.shap_ndcg_threshold = shap_ndcg_threshold
        self.bias_drift = bias_drift
        self.shap_drift = shap_drift
        self.violations_uri = violations_uri
        self.write_violations = write_violations
        self.aws_conn_id = aws_conn_id
        self.notifiers = checked_notifiers(notifiers)  # alerts on violations (operators/_alerts.py)

    def execute(self, context: Context) -> None:
        ti = context["ti"]
        options = GateOptions(self.on_null, self.shap_ndcg_threshold, self.bias_drift, self.shap_drift)
        report, clarify_result = _evaluate(
            self._payload(ti), self.rules, self.baseline, options, self.aws_conn_id
        )
        recording = _Recording(self.violations_uri, self.write_violations, self.aws_conn_id)
        uri = _record(report, clarify_result, recording, self.log)
        _push(ti, report, uri)
        notify_violations(self.notifiers, context, report, clarify_result, uri, self.log)  # alerts
        if self.do_xcom_push:  # pushed here because skipping and branching raise before execute() returns
            ti.xcom_push(key=_RETURN_KEY, value=report.summary())
        if self.mode == "fail":
            if not report.passed:
                raise _violation_error(report)
        elif self.mode == "skip":
            if not report.passed:
                self._skip_downstream(context)
        else:
            branch = self.pass_task_ids if report.passed else self.fail_task_ids
            self.do_branch(context, branch)
        return None  # the summary is already pushed as return_value (skipping raises before a return)

    def _payload(self, ti: Any) -> Any:
        """The result input; a task id is read from that task's XCom."""
        payload = self.result
        if isinstance(payload, str) and not payload.lstrip().startswith(("{", "[")):
            task_id = payload
            payload = ti.xcom_pull(task_ids=task_id)
            if payload is None:
                raise ClarifyResultInputError(
                    f"no Clarify result in XCom from task {task_id!r}: did it run in this DAG run and return "
                    "its result (ClarifyOperator / LocalClarifyOperator do)?"
                )
        return payload

    def _skip_downstream(self, context: Context) -> None:
        tasks = [task for task in context["task"].get_flat_relatives(upstream=False) if not task.is_teardown]
        if not tasks:
            self.log.info("Gate found violations; no downstream tasks to skip.")
            return
        self.log.info("Gate found violations: skipping downstream tasks %s", sorted(t.task_id for t in tasks))
        self.skip(ti=context["ti"], tasks=tasks)


# ------------------------------------------------------------------------------------------------------------------


def _check_mode(mode: str, pass_task_ids: object, fail_task_ids: object) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    if mode == "branch" and not pass_task_ids:
        raise ValueError("mode='branch' needs pass_task_ids (and usually fail_task_ids)")
    if mode != "branch" and (pass_task_ids or fail_task_ids):
        raise ValueError("pass_task_ids / fail_task_ids only apply to mode='branch'")


def _evaluate(
    payload: object, rules: object, baseline: object, options: GateOptions, aws_conn_id: str | None
) -> tuple[GateReport, ClarifyResult]:
    clarify_result = _as_result(payload)
    baseline_result = _as_baseline(baseline, aws_conn_id)
    try:
        report = evaluate(
            clarify_result,
            rules,
            baseline_result,
            on_null=options.on_null,
            shap_ndcg_threshold=options.shap_ndcg_threshold,
            bias_drift=options.bias_drift,
            shap_drift=options.shap_drift,
        )
    except GateRuleError as err:
        raise ClarifyGateRuleError(str(err)) from err
    return report, clarify_result


def _as_result(payload: object) -> ClarifyResult:
    if isinstance(payload, str) and payload.lstrip().startswith("{"):
        payload = _parse_rendered(payload)
    try:
        return ClarifyResult.from_xcom(payload)
    except ClarifyResultError as err:
        raise ClarifyResultInputError(f"the gate's result input is unusable: {err}") from err


def _as_baseline(baseline: Any, aws_conn_id: str | None) -> ClarifyResult | None:
    if isinstance(baseline, str) and baseline.lstrip().startswith("{"):
        baseline = _parse_rendered(baseline)
    try:
        if is_s3_uri(baseline) and baseline.endswith(".json") and not baseline.endswith(f"/{ANALYSIS_FILE}"):
            # A standalone document saved under its own name: no output folder around it to check.
            return ClarifyResult.from_analysis(
                storage.read_json(baseline, aws_conn_id=aws_conn_id), output_uri=baseline.rsplit("/", 1)[0]
            )
        if is_s3_uri(baseline):
            # An analysis output: read by the output protocol (a complete manifest, or analysis.json without one).
            document, files = storage.read_analysis_output(baseline, aws_conn_id=aws_conn_id)
            return ClarifyResult.from_analysis(
                document, output_uri=storage.output_folder(baseline), output_files=files
            )
        return load_baseline(baseline)
    except (ClarifyResultError, OutputStateError) as err:
        raise ClarifyResultInputError(f"the gate's baseline is unusable: {err}") from err


def _parse_rendered(text: str) -> Any:  # the JSON value the text holds, or the text itself
    """A JSON string, or a dict rendered by Jinja without ``| tojson`` (a Python literal; nothing runs)."""
    try:
        parsed = parse_structured_text(text)
    except TooDeeplyNested as err:
        raise ClarifyResultInputError(f"a rendered gate input is unusable: {err}") from None
    return text if parsed is None and text.strip() != "null" else parsed


def _record(
    report: GateReport, result: ClarifyResult, recording: _Recording, logger: InfoLogger | None
) -> str | None:
    """Log the table of checks and write constraint_violations.json; return where it went."""
    emit = (logger or log).info
    emit(
        "Clarify gate checks on %s result %s:\n%s",
        result.engine,
        result.job_name or result.output_uri,
        report.table(),
    )
    if not recording.write:
        return None
    uri = recording.violations_uri or (
        storage.join(result.output_uri, VIOLATIONS_FILE) if result.output_uri else None
    )
    if uri is None:
        emit(
            "The result names no output location and no violations_uri was given: %s not written",
            VIOLATIONS_FILE,
        )
        return None
    storage.write_text(
        uri, json.dumps(report.constraint_violations(), indent=2) + "\n", aws_conn_id=recording.aws_conn_id
    )
    emit("Wrote %s (%d violation(s))", uri, len(report.violations))
    return uri


def _push(ti: Any, report: GateReport, uri: str | None) -> None:
    ti.xcom_push(key=XCOM_VIOLATIONS, value=report.constraint_violations()["violations"])
    ti.xcom_push(key=XCOM_VIOLATIONS_URI, value=uri)


def _violation_error(report: GateReport) -> ClarifyGateViolationError:
    violations = report.violations
    lines = [f"{check.subject}: {check.detail}" for check in violations[:_MAX_LISTED_VIOLATIONS]]
    more = len(violations) - _MAX_LISTED_VIOLATIONS
    return ClarifyGateViolationError(
        f"Clarify gate failed with {len(violations)} violation(s):\n  "
        + "\n  ".join(lines)
        + (f"\n  ... and {more} more" if more > 0 else ""),
        violations=report.constraint_violations()["violations"],
    )


def _is_templated(value: object) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_is_templated(k) or _is_templated(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_is_templated(item) for item in value)
    return hasattr(value, "resolve")  # XComArg and other lazily resolved values


def _current_ti() -> Any:  # the running task instance (Airflow's RuntimeTaskInstance), or None
    try:
        return get_current_context()["ti"]
    except Exception:  # outside a running task: no context to push to
        return None


def _current_context() -> dict[str, Any]:
    """The running task's context for notifiers; empty outside a task (a notifier then renders without it)."""
    try:
        return dict(get_current_context())
    except Exception:  # outside a running task
        return {}
