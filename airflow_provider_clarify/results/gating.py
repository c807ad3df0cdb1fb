"""Gate checks on a :class:`~airflow_provider_clarify.results.ClarifyResult`: thresholds and baseline drift.

Airflow-free on purpose: the operator (operators/gate.py) only moves results in, writes the file and decides what
Airflow does with the verdict; every rule is decided here and unit-tested without a scheduler.

Three kinds of checks, each producing one :class:`~.violations.Check` per metric entry it looked at:

- **threshold** — :class:`~.rules.ThresholdRule`: a metric must lie in ``[min, max]`` (inclusive; either end
  optional), optionally scoped to a stage, facet and facet value. ``|DPPL| <= 0.1`` is the band ``[-0.1, 0.1]``;
  the four-fifths rule is ``DI`` in ``[0.8, 1.25]``. ±∞ compares as infinite.
- **bias drift** — Model Monitor semantics (reference §12.1): a metric violates when it is farther from its neutral
  point than in the baseline result, ``|current - n| > |baseline - n|`` with ``n = 1`` for DI and 0 otherwise.
  Only entries present in both results are compared; the rest are reported as ``not compared``.
- **SHAP drift** — reference §12.2: per target, scikit-learn's ``ndcg_score`` with the baseline's global SHAP values as
  the true relevance and the current ones as scores, over the features both share; below the threshold (default
  0.9) is a violation.

Null / error policy (``on_null``): a current metric whose value is null (it failed, reference §10.2) is a
``"violation"`` by default — a gate must not pass because the check could not be computed. ``"skip"`` mirrors
Model Monitor, which skips nulls and errors. A null *baseline* value is always skipped (nothing to compare to).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.model import ClarifyResult
from airflow_provider_clarify.results.rules import GateRuleError, ThresholdRule, parse_rules
from airflow_provider_clarify.results.sections import BiasMetricRow
from airflow_provider_clarify.results.significance import IGNORE, REQUIRE, interval_text, interval_violates
from airflow_provider_clarify.results.violations import (
    BIAS_DRIFT_CHECK,
    NOT_COMPARED,
    PASS,
    SHAP_DRIFT_CHECK,
    SKIPPED,
    THRESHOLD_CHECK,
    VIOLATION,
    Check,
    GateReport,
    exact_value,
    format_value,
)
from airflow_provider_clarify.results.xcom import XCOM_MARKER

DEFAULT_SHAP_NDCG_THRESHOLD = 0.9
NEUTRAL_POINTS: dict[str, float] = {"DI": 1.0}
"""Neutral (no-bias) point per metric for drift; every metric not listed is neutral at 0."""
NULL_POLICIES = ("violation", "skip")


@dataclass(frozen=True)
class GateOptions:
    """How the checks are run: the null policy, the SHAP threshold, and which drift checks a baseline gets."""

    on_null: str = "violation"
    shap_ndcg_threshold: float = DEFAULT_SHAP_NDCG_THRESHOLD
    bias_drift: bool = True
    shap_drift: bool = True

    def check(self) -> None:
        """Raise :class:`GateRuleError` for an unknown null policy or a threshold outside [0, 1]."""
        if self.on_null not in NULL_POLICIES:
            raise GateRuleError(f"on_null must be one of {list(NULL_POLICIES)}, got {self.on_null!r}")
        if not 0 <= self.shap_ndcg_threshold <= 1:
            raise GateRuleError(
                f"shap_ndcg_threshold must be within [0, 1], got {self.shap_ndcg_threshold!r}"
            )


def evaluate(
    result: ClarifyResult,
    rules: object = None,
    baseline: ClarifyResult | None = None,
    *,
    on_null: str = "violation",
    shap_ndcg_threshold: float = DEFAULT_SHAP_NDCG_THRESHOLD,
    bias_drift: bool = True,
    shap_drift: bool = True,
) -> GateReport:
    """Run every threshold rule, and the drift checks when a baseline is given; return the full report.

    Raises :class:`GateRuleError` (listing what the result holds) when a rule names a metric, stage, facet or
    facet value that the result does not contain: a typo must not turn into a silently passing gate.
    """
    options = GateOptions(on_null, shap_ndcg_threshold, bias_drift, shap_drift)
    options.check()
    threshold_rules = parse_rules(rules)
    if not threshold_rules and baseline is None:
        raise GateRuleError("the gate has nothing to check: give threshold rules, a baseline, or both")
    report = GateReport()
    problems = []
    for rule in threshold_rules:
        try:
            report.checks.extend(_check_threshold(result, rule, options.on_null))
        except ClarifyResultError as err:
            problems.append(f"rule {rule.metric} {rule.band} on {rule.scope}: {err}")
    if problems:
        raise GateRuleError("gate rules do not match the result:\n  " + "\n  ".join(problems))
    if baseline is not None:
        if options.bias_drift:
            report.checks.extend(_check_bias_drift(result, baseline, options.on_null))
        if options.shap_drift:
            report.checks.extend(_check_shap_drift(result, baseline, options.shap_ndcg_threshold))
    return report


def _check_threshold(result: ClarifyResult, rule: ThresholdRule, on_null: str) -> list[Check]:
    if rule.segment is not None:  # segment_config (results/segments.py)
        rows = rule_segment_rows(result, rule)
    else:
        rows = result.find_metrics(rule.metric, rule.facet, rule.facet_value, rule.stage)
        if not rows:
            # Ask the result to explain what is missing (metric, facet or value) and what exists instead.
            result.metric_entry(rule.metric, rule.facet, rule.facet_value, rule.stage)
    checks = []
    for row in rows:
        common = _row_fields(row, THRESHOLD_CHECK, expected=rule_expectation(rule))
        if row.value is None:
            checks.append(_null_check(common, row, on_null))
        elif rule.significance != IGNORE:  # the interval decides (results/significance.py)
            checks.append(significance_check(common, row, rule, on_null))
        elif rule.admits(row.value):
            checks.append(Check(**common, verdict=PASS))
        else:
            detail = f"{value_text(row)} does not meet the constraint requirement {rule.band}"
            checks.append(Check(**common, verdict=VIOLATION, detail=segment_prefix(row) + detail))
    return checks


# ------------------------------------------------------------------ significance and segments of threshold rules


def rule_segment_rows(result: ClarifyResult, rule: ThresholdRule) -> list[BiasMetricRow]:
    """The rows of the rule's segment in scope; an error naming what the segment holds when none match."""
    assert rule.segment is not None
    rows = result.find_segment_metrics(
        rule.segment, rule.metric, rule.facet, rule.facet_value, rule.stage, rule.segment_config
    )
    if not rows:
        held = sorted(
            {
                f"{r.stage} {r.facet}={r.facet_value}: {r.metric}"
                for r in result.find_segment_metrics(rule.segment, segment_config=rule.segment_config)
            }
        )
        raise ClarifyResultError(f"segment {rule.segment!r} holds no such metric; it holds {held[:20]}")
    return rows


def rule_expectation(rule: ThresholdRule) -> str:
    """The band, and the policy when the interval decides: ``[0.8, 1.25] (require)``."""
    return rule.band if rule.significance == IGNORE else f"{rule.band} ({rule.significance})"


def value_text(row: BiasMetricRow) -> str:
    """``Value 0.73`` and, when the row has one, its interval: ``Value 0.73 (95% confidence interval [..])``."""
    assert row.value is not None
    text = f"Value {exact_value(row.value)}"
    if row.confidence_interval is not None:
        text += f" ({interval_text(row.confidence_interval, row.confidence_level)})"
    return text


def segment_prefix(row: BiasMetricRow) -> str:
    return "" if row.segment is None else f"Segment {row.segment_config}/{row.segment}: "


def significance_check(
    common: dict[str, Any], row: BiasMetricRow, rule: ThresholdRule, on_null: str
) -> Check:
    """``require`` / ``conservative``: the interval against the band; no interval is treated like a null value."""
    interval = row.confidence_interval
    if interval is None:
        reason = (
            f"no confidence interval ({row.confidence_note})"
            if row.confidence_note
            else ("no confidence interval (run the analysis with the confidence option)")
        )
        detail = f"{segment_prefix(row)}Value {exact_value(row.value or 0.0)} has {reason}; significance "
        detail += f"{rule.significance!r} needs one"
        if on_null == "skip":
            return Check(**common, verdict=SKIPPED, detail=detail)
        return Check(**common, verdict=VIOLATION, detail=detail)
    if interval_violates(rule.significance, interval[0], interval[1], rule.min, rule.max):
        where = "wholly" if rule.significance == REQUIRE else "partly"
        detail = (
            f"{segment_prefix(row)}{value_text(row)} does not meet the constraint requirement {rule.band}: the "
            f"interval lies {where} outside it (significance {rule.significance!r})"
        )
        return Check(**common, verdict=VIOLATION, detail=detail)
    return Check(**common, verdict=PASS)


def _check_bias_drift(result: ClarifyResult, baseline: ClarifyResult, on_null: str) -> list[Check]:
    baseline_rows = {_key(row): row for row in baseline.rows()}
    current_rows = result.rows()
    checks = [_drift_check(row, baseline_rows.get(_key(row)), on_null) for row in current_rows]
    current_keys = {_key(row) for row in current_rows}
    for key, row in baseline_rows.items():
        if key not in current_keys:
            common = _row_fields(row, BIAS_DRIFT_CHECK, expected="")
            checks.append(
                Check(**{**common, "value": None}, verdict=NOT_COMPARED, detail="absent from the result")
            )
    return checks


def _drift_check(row: BiasMetricRow, reference: BiasMetricRow | None, on_null: str) -> Check:
    """One current entry against its baseline entry (Model Monitor: no farther from neutral than before)."""
    if reference is None:
        common = _row_fields(row, BIAS_DRIFT_CHECK, expected="")
        return Check(**common, verdict=NOT_COMPARED, detail="absent from the baseline")
    if reference.value is None:
        common = _row_fields(row, BIAS_DRIFT_CHECK, expected="baseline null")
        return Check(**common, verdict=SKIPPED, detail="baseline value is null")
    neutral = NEUTRAL_POINTS.get(row.metric, 0.0)
    limit = abs(reference.value - neutral)
    common = _row_fields(row, BIAS_DRIFT_CHECK, expected=f"|x-{neutral:g}| <= {format_value(limit)}")
    if row.value is None:
        return _null_check(common, row, on_null)
    if abs(row.value - neutral) > limit:
        detail = f"Value {exact_value(row.value)} does not meet the constraint requirement"
        return Check(**common, verdict=VIOLATION, detail=detail)
    return Check(**common, verdict=PASS)


def _check_shap_drift(result: ClarifyResult, baseline: ClarifyResult, threshold: float) -> list[Check]:
    checks = []
    for target in sorted(set(result.shap) | set(baseline.shap)):
        if target not in result.shap or target not in baseline.shap:
            where = "result" if target not in result.shap else "baseline"
            checks.append(
                _shap_check(target, threshold, verdict=NOT_COMPARED, detail=f"target absent from the {where}")
            )
            continue
        checks.append(
            _shap_target_check(
                target,
                result.shap[target].global_shap_values,
                baseline.shap[target].global_shap_values,
                threshold,
            )
        )
    return checks


def _shap_target_check(
    target: str, current: Mapping[str, float], reference: Mapping[str, float], threshold: float
) -> Check:
    """nDCG of the current global SHAP ranking against the baseline's, over the features both hold."""
    from sklearn.metrics import ndcg_score  # scikit-learn is heavy: imported only when a baseline has SHAP

    features = [
        name
        for name in reference
        if name in current and not math.isnan(reference[name]) and not math.isnan(current[name])
    ]
    if len(features) < 2:
        detail = f"{len(features)} shared feature(s), nDCG needs 2"
        return _shap_check(target, threshold, verdict=SKIPPED, detail=detail)
    truth = [reference[name] for name in features]
    if not any(truth):
        return _shap_check(target, threshold, verdict=SKIPPED, detail="baseline SHAP values are all zero")
    score = float(ndcg_score([truth], [[current[name] for name in features]]))
    only = (set(current) ^ set(reference)) - set(features)
    note = f"; {len(only)} feature(s) not in both were left out" if only else ""
    if score < threshold:
        detail = f"Feature attribution drift {score!r} exceeds threshold {threshold!r}{note}"
        return _shap_check(target, threshold, verdict=VIOLATION, detail=detail, value=score)
    return _shap_check(target, threshold, verdict=PASS, detail=note.removeprefix("; "), value=score)


def _shap_check(
    target: str, threshold: float, *, verdict: str, detail: str, value: float | None = None
) -> Check:
    return Check(
        kind=SHAP_DRIFT_CHECK,
        metric="shap",
        label=target,
        expected=f"nDCG >= {threshold:g}",
        value=value,
        verdict=verdict,
        detail=detail,
    )


def _row_fields(row: BiasMetricRow, kind: str, *, expected: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "metric": row.metric,
        "stage": row.stage,
        "facet": row.facet,
        "facet_value": row.facet_value,
        "value": row.value,
        "expected": expected,
        "interval": row.confidence_interval,
        "segment": None if row.segment is None else f"{row.segment_config}/{row.segment}",
    }


def _null_check(common: dict[str, Any], row: BiasMetricRow, on_null: str) -> Check:
    reason = f"metric is null: {row.error}" if row.error else "metric is null"
    if on_null == "skip":
        return Check(**common, verdict=SKIPPED, detail=reason)
    return Check(
        **common,
        verdict=VIOLATION,
        detail=f"{segment_prefix(row)}Value null does not meet the constraint requirement ({reason})",
    )


def _key(row: BiasMetricRow) -> tuple[str, str, str, str]:
    return (row.stage, row.facet, row.facet_value, row.metric)


BaselineInput = ClarifyResult | Mapping[str, Any] | str | Path | None
"""A baseline as a gate accepts it (see :func:`load_baseline`)."""


def load_baseline(baseline: BaselineInput) -> ClarifyResult | None:
    """A baseline given as a ClarifyResult, its XCom dict, an analysis.json dict or a local path."""
    if baseline is None or isinstance(baseline, ClarifyResult):
        return baseline
    if isinstance(baseline, Mapping) and XCOM_MARKER in baseline:
        return ClarifyResult.from_xcom(baseline)
    return ClarifyResult.from_analysis(baseline)
