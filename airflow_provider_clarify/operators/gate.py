"""ClarifyGateOperator and ``check_clarify_result``: decide from a Clarify result whether a DAG goes on.

The checks themselves live in :mod:`airflow_provider_clarify.results.gating` (Airflow-free); this module moves the result
in, writes ``constraint_violations.json`` next to the analysis output, pushes the violations to XCom, logs a table
of every check, and turns the verdict into what Airflow should do:

- ``mode="fail"`` — raise ``AirflowFailException`` (:class:`ClarifyGateViolationError`, no retries),
- ``mode="skip"`` — skip every downstream task, like ``ShortCircuitOperator`` (via Airflow's ``SkipMixin``),
- ``mode="branch"`` — follow ``pass_task_ids`` or ``fail_task_ids``, like a branch operator (``BranchMixIn``).

XCom written by the gate (in every mode, before failing or skipping):

- ``return_value`` — ``{"passed", "counts", "version", "violations"}`` (the summary),
- ``violations`` — the list of SPEC §12 violation entries (empty when the gate passed),
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
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_provider_clarify.config.literals import parse_structured_text
from airflow_provider_clarify.exceptions import (
    ClarifyGateRuleError,
    ClarifyGateViolationError,
    ClarifyResultInputError,
)
from airflow_provider_clarify.operators import _storage
from airflow_provider_clarify.results import (
    DEFAULT_SHAP_NDCG_THRESHOLD,
    NULL_POLICIES,
    ClarifyResult,
    ClarifyResultError,
    GateReport,
    GateRuleError,
    evaluate,
    load_baseline,
    parse_rules,
)

try:  # Airflow 3
    from airflow.sdk import BaseOperator
    from airflow.sdk.bases.branch import BranchMixIn
except ImportError:  # pragma: no cover - Airflow 2.x
    from airflow.models import BaseOperator  # type: ignore[no-redef]
    from airflow.operators.branch import BranchMixIn  # type: ignore[no-redef]

MODES = ("fail", "skip", "branch")
VIOLATIONS_FILE = "constraint_violations.json"
XCOM_VIOLATIONS = "violations"
XCOM_VIOLATIONS_URI = "constraint_violations_uri"
_RETURN_KEY = "return_value"


def check_clarify_result(
    result: Any,
    rules: Any = None,
    baseline: Any = None,
    *,
    on_null: str = "violation",
    shap_ndcg_threshold: float = DEFAULT_SHAP_NDCG_THRESHOLD,
    bias_drift: bool = True,
    shap_drift: bool = True,
    violations_uri: str | None = None,
    write_violations: bool = True,
    raise_on_violation: bool = True,
    aws_conn_id: str | None = "aws_default",
    log: Any = None,
) -> dict[str, Any]:
    """The gate as a plain function, for TaskFlow: ``@task def gate(result): return check_clarify_result(...)``.

    Returns the summary dict. With ``raise_on_violation`` (default) violations raise
    :class:`ClarifyGateViolationError`; inside a running task the violations are first pushed to XCom under
    ``violations`` so downstream/on-failure callbacks can read them.
    """
    report, clarify_result = _evaluate(
        result, rules, baseline, on_null, shap_ndcg_threshold, bias_drift, shap_drift, aws_conn_id
    )
    uri = _record(report, clarify_result, violations_uri, write_violations, aws_conn_id, log)
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
    """

    template_fields: Sequence[str] = ("result", "rules", "baseline", "violations_uri")
    inherits_from_skipmixin = True
    ui_color = "#f5d6a8"

    def __init__(
        self,
        *,
        result: Any,
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
        if mode == "branch" and not pass_task_ids:
            raise ValueError("mode='branch' needs pass_task_ids (and usually fail_task_ids)")
        if mode != "branch" and (pass_task_ids or fail_task_ids):
            raise ValueError("pass_task_ids / fail_task_ids only apply to mode='branch'")
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

    def execute(self, context: Any) -> Any:
        ti = context["ti"]
        payload = self.result
        if isinstance(payload, str) and not payload.lstrip().startswith(("{", "[")):
            task_id = payload
            payload = ti.xcom_pull(task_ids=task_id)
            if payload is None:
                raise ClarifyResultInputError(
                    f"no Clarify result in XCom from task {task_id!r}: did it run in this DAG run and return "
                    "its result (ClarifyOperator / LocalClarifyOperator do)?"
                )
        report, clarify_result = _evaluate(
            payload,
            self.rules,
            self.baseline,
            self.on_null,
            self.shap_ndcg_threshold,
            self.bias_drift,
            self.shap_drift,
            self.aws_conn_id,
        )
        uri = _record(
            report, clarify_result, self.violations_uri, self.write_violations, self.aws_conn_id, self.log
        )
        _push(ti, report, uri)
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

    def _skip_downstream(self, context: Any) -> None:
        tasks = [task for task in context["task"].get_flat_relatives(upstream=False) if not task.is_teardown]
        if not tasks:
            self.log.info("Gate found violations; no downstream tasks to skip.")
            return
        self.log.info("Gate found violations: skipping downstream tasks %s", sorted(t.task_id for t in tasks))
        self.skip(ti=context["ti"], tasks=tasks)


# ------------------------------------------------------------------------------------------------------------------


def _evaluate(
    payload: Any,
    rules: Any,
    baseline: Any,
    on_null: str,
    shap_ndcg_threshold: float,
    bias_drift: bool,
    shap_drift: bool,
    aws_conn_id: str | None,
) -> tuple[GateReport, ClarifyResult]:
    clarify_result = _as_result(payload)
    baseline_result = _as_baseline(baseline, aws_conn_id)
    try:
        report = evaluate(
            clarify_result,
            rules,
            baseline_result,
            on_null=on_null,
            shap_ndcg_threshold=shap_ndcg_threshold,
            bias_drift=bias_drift,
            shap_drift=shap_drift,
        )
    except GateRuleError as err:
        raise ClarifyGateRuleError(str(err)) from err
    return report, clarify_result


def _as_result(payload: Any) -> ClarifyResult:
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
        if _storage.is_s3(baseline):
            uri = baseline if baseline.endswith(".json") else _storage.join(baseline, "analysis.json")
            return ClarifyResult.from_analysis(
                _storage.read_json(uri, aws_conn_id=aws_conn_id), output_uri=uri.rsplit("/", 1)[0]
            )
        return load_baseline(baseline)
    except ClarifyResultError as err:
        raise ClarifyResultInputError(f"the gate's baseline is unusable: {err}") from err


def _parse_rendered(text: str) -> Any:
    """A JSON string, or a dict rendered by Jinja without ``| tojson`` (a Python literal; nothing runs)."""
    parsed = parse_structured_text(text)
    return text if parsed is None and text.strip() != "null" else parsed


def _record(
    report: GateReport,
    result: ClarifyResult,
    violations_uri: str | None,
    write: bool,
    aws_conn_id: str | None,
    log: Any,
) -> str | None:
    """Log the table of checks and write constraint_violations.json; return where it went."""
    emit = log.info if log is not None else _module_log().info
    emit(
        "Clarify gate checks on %s result %s:\n%s",
        result.engine,
        result.job_name or result.output_uri,
        report.table(),
    )
    if not write:
        return None
    uri = violations_uri or (_storage.join(result.output_uri, VIOLATIONS_FILE) if result.output_uri else None)
    if uri is None:
        emit(
            "The result names no output location and no violations_uri was given: %s not written",
            VIOLATIONS_FILE,
        )
        return None
    _storage.write_text(
        uri, json.dumps(report.constraint_violations(), indent=2) + "\n", aws_conn_id=aws_conn_id
    )
    emit("Wrote %s (%d violation(s))", uri, len(report.violations))
    return uri


def _push(ti: Any, report: GateReport, uri: str | None) -> None:
    ti.xcom_push(key=XCOM_VIOLATIONS, value=report.constraint_violations()["violations"])
    ti.xcom_push(key=XCOM_VIOLATIONS_URI, value=uri)


def _violation_error(report: GateReport) -> ClarifyGateViolationError:
    lines = [
        f"{v.metric if v.label is None else 'shap[' + v.label + ']'}"
        f"{'' if v.facet is None else f' {v.facet}={v.facet_value}'}: {v.detail}"
        for v in report.violations[:10]
    ]
    more = f"\n  ... and {len(report.violations) - 10} more" if len(report.violations) > 10 else ""
    return ClarifyGateViolationError(
        f"Clarify gate failed with {len(report.violations)} violation(s):\n  " + "\n  ".join(lines) + more,
        violations=report.constraint_violations()["violations"],
    )


def _is_templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_is_templated(k) or _is_templated(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_is_templated(item) for item in value)
    return hasattr(value, "resolve")  # XComArg and other lazily resolved values


def _current_ti() -> Any:
    try:
        from airflow.sdk import get_current_context

        return get_current_context()["ti"]
    except Exception:  # outside a running task
        return None


def _module_log() -> Any:
    import logging

    return logging.getLogger(__name__)
