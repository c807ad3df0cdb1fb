"""Gate checks on a :class:`~airflow_provider_clarify.results.ClarifyResult`: thresholds and baseline drift.

Airflow-free on purpose: the operator (operators/gate.py) only moves results in, writes the file and decides what
Airflow does with the verdict; every rule is decided here and unit-tested without a scheduler.

Three kinds of checks, each producing one :class:`Check` per metric entry it looked at:

- **threshold** — :class:`ThresholdRule`: a metric must lie in ``[min, max]`` (inclusive; either end optional),
  optionally scoped to a stage, facet and facet value. ``|DPPL| <= 0.1`` is the band ``[-0.1, 0.1]``; the
  four-fifths rule is ``DI`` in ``[0.8, 1.25]``. ±∞ compares as infinite.
- **bias drift** — Model Monitor semantics (SPEC §12.1): a metric violates when it is farther from its neutral
  point than in the baseline result, ``|current - n| > |baseline - n|`` with ``n = 1`` for DI and 0 otherwise.
  Only entries present in both results are compared; the rest are reported as ``not compared``.
- **SHAP drift** — SPEC §12.2: per target, scikit-learn's ``ndcg_score`` with the baseline's global SHAP values as
  the true relevance and the current ones as scores, over the features both share; below the threshold (default
  0.9) is a violation.

Null / error policy (``on_null``): a current metric whose value is null (it failed, SPEC §10.2) is a
``"violation"`` by default — a gate must not pass because the check could not be computed. ``"skip"`` mirrors
Model Monitor, which skips nulls and errors. A null *baseline* value is always skipped (nothing to compare to).

Violations use the SPEC §12 ``constraint_violations.json`` entries. Drift checks use Model Monitor's
``bias_drift_check`` / ``feature_attribution_drift_check``; thresholds (a provider extension) use
``bias_threshold_check`` with the same keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_clarify.results import (
    METRIC_STAGES,
    BiasMetricRow,
    ClarifyResult,
    ClarifyResultError,
    facet_value_text,
    normalise_stage,
)

DEFAULT_SHAP_NDCG_THRESHOLD = 0.9
NEUTRAL_POINTS: dict[str, float] = {"DI": 1.0}
"""Neutral (no-bias) point per metric for drift; every metric not listed is neutral at 0."""
NULL_POLICIES = ("violation", "skip")

THRESHOLD_CHECK = "bias_threshold_check"
BIAS_DRIFT_CHECK = "bias_drift_check"
SHAP_DRIFT_CHECK = "feature_attribution_drift_check"

PASS, VIOLATION, SKIPPED, NOT_COMPARED = "pass", "violation", "skipped", "not compared"


class GateRuleError(ValueError):
    """A rule is contradictory or names something that does not exist; the message lists what does."""


# --------------------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class ThresholdRule:
    """``metric`` must lie within ``[min, max]`` for every entry in scope (stage / facet / facet value).

    Validated on construction, so a bad rule fails when the DAG is parsed, not when the gate runs.
    """

    metric: str
    min: float | None = None
    max: float | None = None
    stage: str | None = None
    facet: str | None = None
    facet_value: str | None = None

    def __post_init__(self) -> None:
        name = str(self.metric).strip().upper()
        if name not in METRIC_STAGES:
            raise GateRuleError(
                f"threshold rule names unknown metric {self.metric!r}; Clarify bias metrics are "
                f"{sorted(METRIC_STAGES)}"
            )
        object.__setattr__(self, "metric", name)
        for end in ("min", "max"):
            bound = getattr(self, end)
            if bound is not None:
                try:
                    number = float(bound)
                except (TypeError, ValueError):
                    raise GateRuleError(f"rule {name}: {end} must be a number, got {bound!r}") from None
                if math.isnan(number):
                    raise GateRuleError(f"rule {name}: {end} must be a number, got NaN")
                object.__setattr__(self, end, number)
        if self.min is None and self.max is None:
            raise GateRuleError(f"rule {name}: give min, max or both (a band with no ends checks nothing)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise GateRuleError(
                f"rule {name}: contradictory band, min {self.min:g} > max {self.max:g}; no value can pass"
            )
        if self.stage is not None:
            stage = _stage(self.stage)
            if stage != METRIC_STAGES[name]:
                raise GateRuleError(f"rule {name}: {name} is a {METRIC_STAGES[name]} metric, not {stage}")
            object.__setattr__(self, "stage", stage)
        if self.facet_value is not None:
            object.__setattr__(self, "facet_value", facet_value_text(self.facet_value))

    @property
    def band(self) -> str:
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "inf" if self.max is None else f"{self.max:g}"
        return f"[{low}, {high}]"

    @property
    def scope(self) -> str:
        parts = [self.stage, self.facet, None if self.facet_value is None else f"={self.facet_value}"]
        return " ".join(p for p in parts if p) or "all facets"

    def admits(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


_RULE_KEYS = {"metric", "name", "min", "max", "stage", "facet", "facet_value", "value", "band"}


def parse_rules(rules: Any) -> list[ThresholdRule]:
    """Accept rules as ThresholdRule objects, dicts, or a ``{metric: [min, max]}`` shorthand.

    Dict form: ``{"metric": "DI", "min": 0.8, "max": 1.25, "stage": ..., "facet": "sex", "facet_value":
    "Female"}`` (``value`` is accepted for ``facet_value``, ``band: [min, max]`` for the two ends). Shorthand:
    ``{"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1]}`` — ``None`` for an open end. Every problem is reported at once.
    """
    if rules is None:
        return []
    if isinstance(rules, ThresholdRule):
        return [rules]
    if isinstance(rules, Mapping) and not ({"metric", "name"} & set(rules)):
        rules = [{"metric": name, "band": band} for name, band in rules.items()]
    elif isinstance(rules, Mapping):
        rules = [rules]
    if not isinstance(rules, Iterable) or isinstance(rules, (str, bytes)):
        raise GateRuleError(f"rules must be a list of rules or a {{metric: [min, max]}} dict, got {rules!r}")
    parsed, problems = [], []
    for index, rule in enumerate(rules):
        try:
            parsed.append(rule if isinstance(rule, ThresholdRule) else _rule_from_dict(rule))
        except GateRuleError as err:
            problems.append(f"rules[{index}]: {err}")
    if problems:
        raise GateRuleError("invalid gate rules:\n  " + "\n  ".join(problems))
    return parsed


def _rule_from_dict(rule: Any) -> ThresholdRule:
    if not isinstance(rule, Mapping):
        raise GateRuleError(f"expected a dict or ThresholdRule, got {type(rule).__name__}")
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        raise GateRuleError(f"unknown keys {sorted(unknown)}; a rule takes {sorted(_RULE_KEYS)}")
    low, high = rule.get("min"), rule.get("max")
    if "band" in rule:
        band = rule["band"]
        if not isinstance(band, (list, tuple)) or len(band) != 2:
            raise GateRuleError(f"band must be [min, max] (None for an open end), got {band!r}")
        low, high = band
    return ThresholdRule(
        metric=rule.get("metric", rule.get("name")),
        min=low,
        max=high,
        stage=rule.get("stage"),
        facet=rule.get("facet"),
        facet_value=rule.get("facet_value", rule.get("value")),
    )


# --------------------------------------------------------------------------------------------------------------
# Outcome


@dataclass(frozen=True)
class Check:
    """One checked (or uncheckable) entry, one line of the gate's table."""

    kind: str
    metric: str
    verdict: str
    stage: str | None = None
    facet: str | None = None
    facet_value: str | None = None
    label: str | None = None
    value: float | None = None
    expected: str = ""
    detail: str = ""

    def violation_entry(self) -> dict[str, Any]:
        """The SPEC §12 ``constraint_violations.json`` entry for this check."""
        if self.kind == SHAP_DRIFT_CHECK:
            return {
                "label": self.label,
                "metric_name": "shap",
                "constraint_check_type": SHAP_DRIFT_CHECK,
                "description": self.detail,
            }
        return {
            "facet": self.facet,
            "facet_value": self.facet_value,
            "metric_name": self.metric,
            "constraint_check_type": self.kind,
            "description": self.detail,
        }


@dataclass
class GateReport:
    """Every check the gate ran, in order, and what follows from them."""

    checks: list[Check] = field(default_factory=list)

    @property
    def violations(self) -> list[Check]:
        return [check for check in self.checks if check.verdict == VIOLATION]

    @property
    def passed(self) -> bool:
        return not self.violations

    def constraint_violations(self) -> dict[str, Any]:
        """The ``constraint_violations.json`` document (SPEC §12), an empty list when the gate passed."""
        return {"version": "1.0", "violations": [check.violation_entry() for check in self.violations]}

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((PASS, VIOLATION, SKIPPED, NOT_COMPARED), 0)
        for check in self.checks:
            counts[check.verdict] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """JSON-able summary for XCom: verdict, counts and the violation entries."""
        return {"passed": self.passed, "counts": self.counts(), **self.constraint_violations()}

    def table(self) -> str:
        """A fixed-width table of every check, for the task log."""
        header = ("check", "stage", "metric", "facet", "facet value", "value", "expected", "verdict")
        lines = [
            (
                check.kind.removesuffix("_check"),
                check.stage or "",
                check.metric if check.kind != SHAP_DRIFT_CHECK else f"shap[{check.label}]",
                check.facet or "",
                check.facet_value or "",
                _format_value(check.value),
                check.expected,
                check.verdict + (f" ({check.detail})" if check.verdict in (SKIPPED, NOT_COMPARED) else ""),
            )
            for check in self.checks
        ]
        widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
        rendered = [
            " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *lines]
        ]
        rendered.insert(1, "-+-".join("-" * width for width in widths))
        counts = self.counts()
        rendered.append(
            f"{len(self.checks)} checks: {counts[PASS]} pass, {counts[VIOLATION]} violation(s), "
            f"{counts[SKIPPED]} skipped, {counts[NOT_COMPARED]} not compared"
        )
        return "\n".join(rendered)


# --------------------------------------------------------------------------------------------------------------
# Evaluation


def evaluate(
    result: ClarifyResult,
    rules: Any = None,
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
    if on_null not in NULL_POLICIES:
        raise GateRuleError(f"on_null must be one of {list(NULL_POLICIES)}, got {on_null!r}")
    if not 0 <= shap_ndcg_threshold <= 1:
        raise GateRuleError(f"shap_ndcg_threshold must be within [0, 1], got {shap_ndcg_threshold!r}")
    threshold_rules = parse_rules(rules)
    if not threshold_rules and baseline is None:
        raise GateRuleError("the gate has nothing to check: give threshold rules, a baseline, or both")
    report = GateReport()
    problems = []
    for rule in threshold_rules:
        try:
            report.checks.extend(_check_threshold(result, rule, on_null))
        except ClarifyResultError as err:
            problems.append(f"rule {rule.metric} {rule.band} on {rule.scope}: {err}")
    if problems:
        raise GateRuleError("gate rules do not match the result:\n  " + "\n  ".join(problems))
    if baseline is not None:
        if bias_drift:
            report.checks.extend(_check_bias_drift(result, baseline, on_null))
        if shap_drift:
            report.checks.extend(_check_shap_drift(result, baseline, shap_ndcg_threshold))
    return report


def _check_threshold(result: ClarifyResult, rule: ThresholdRule, on_null: str) -> list[Check]:
    rows = result.find_metrics(rule.metric, rule.facet, rule.facet_value, rule.stage)
    if not rows:
        # Ask the result to explain what is missing (metric, facet or value) and what exists instead.
        result.metric_entry(rule.metric, rule.facet, rule.facet_value, rule.stage)
    checks = []
    for row in rows:
        common = _row_fields(row, THRESHOLD_CHECK, expected=rule.band)
        if row.value is None:
            checks.append(_null_check(common, row, on_null))
        elif rule.admits(row.value):
            checks.append(Check(**common, verdict=PASS))
        else:
            detail = f"Value {_exact(row.value)} does not meet the constraint requirement {rule.band}"
            checks.append(Check(**common, verdict=VIOLATION, detail=detail))
    return checks


def _check_bias_drift(result: ClarifyResult, baseline: ClarifyResult, on_null: str) -> list[Check]:
    baseline_rows = {_key(row): row for row in baseline.rows()}
    current_keys = set()
    checks = []
    for row in result.rows():
        key = _key(row)
        current_keys.add(key)
        reference = baseline_rows.get(key)
        if reference is None:
            common = _row_fields(row, BIAS_DRIFT_CHECK, expected="")
            checks.append(Check(**common, verdict=NOT_COMPARED, detail="absent from the baseline"))
            continue
        neutral = NEUTRAL_POINTS.get(row.metric, 0.0)
        if reference.value is None:
            common = _row_fields(row, BIAS_DRIFT_CHECK, expected="baseline null")
            checks.append(Check(**common, verdict=SKIPPED, detail="baseline value is null"))
            continue
        limit = abs(reference.value - neutral)
        expected = f"|x-{neutral:g}| <= {_format_value(limit)}"
        common = _row_fields(row, BIAS_DRIFT_CHECK, expected=expected)
        if row.value is None:
            checks.append(_null_check(common, row, on_null))
        elif abs(row.value - neutral) > limit:
            detail = f"Value {_exact(row.value)} does not meet the constraint requirement"
            checks.append(Check(**common, verdict=VIOLATION, detail=detail))
        else:
            checks.append(Check(**common, verdict=PASS))
    for key, row in baseline_rows.items():
        if key not in current_keys:
            common = _row_fields(row, BIAS_DRIFT_CHECK, expected="")
            checks.append(
                Check(**{**common, "value": None}, verdict=NOT_COMPARED, detail="absent from the result")
            )
    return checks


def _check_shap_drift(result: ClarifyResult, baseline: ClarifyResult, threshold: float) -> list[Check]:
    from sklearn.metrics import ndcg_score

    checks = []
    for target in sorted(set(result.shap) | set(baseline.shap)):
        expected = f"nDCG >= {threshold:g}"
        base = dict(kind=SHAP_DRIFT_CHECK, metric="shap", label=target, expected=expected)
        if target not in result.shap or target not in baseline.shap:
            where = "result" if target not in result.shap else "baseline"
            checks.append(Check(**base, verdict=NOT_COMPARED, detail=f"target absent from the {where}"))
            continue
        current, reference = result.shap[target], baseline.shap[target]
        features = [
            name
            for name in reference.global_shap_values
            if name in current.global_shap_values
            and not math.isnan(reference.global_shap_values[name])
            and not math.isnan(current.global_shap_values[name])
        ]
        if len(features) < 2:
            checks.append(
                Check(**base, verdict=SKIPPED, detail=f"{len(features)} shared feature(s), nDCG needs 2")
            )
            continue
        truth = [reference.global_shap_values[name] for name in features]
        if not any(truth):
            checks.append(Check(**base, verdict=SKIPPED, detail="baseline SHAP values are all zero"))
            continue
        score = float(ndcg_score([truth], [[current.global_shap_values[name] for name in features]]))
        only = (set(current.global_shap_values) ^ set(reference.global_shap_values)) - set(features)
        note = f"; {len(only)} feature(s) not in both were left out" if only else ""
        if score < threshold:
            detail = f"Feature attribution drift {score!r} exceeds threshold {threshold!r}{note}"
            checks.append(Check(**base, value=score, verdict=VIOLATION, detail=detail))
        else:
            checks.append(Check(**base, value=score, verdict=PASS, detail=note.removeprefix("; ")))
    return checks


def _row_fields(row: BiasMetricRow, kind: str, *, expected: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "metric": row.metric,
        "stage": row.stage,
        "facet": row.facet,
        "facet_value": row.facet_value,
        "value": row.value,
        "expected": expected,
    }


def _null_check(common: dict[str, Any], row: BiasMetricRow, on_null: str) -> Check:
    reason = f"metric is null: {row.error}" if row.error else "metric is null"
    if on_null == "skip":
        return Check(**common, verdict=SKIPPED, detail=reason)
    return Check(
        **common, verdict=VIOLATION, detail=f"Value null does not meet the constraint requirement ({reason})"
    )


def _key(row: BiasMetricRow) -> tuple[str, str, str, str]:
    return (row.stage, row.facet, row.facet_value, row.metric)


def _stage(stage: str) -> str:
    """The result model's stage reading, reported as a rule error (the rule, not the result, is wrong)."""
    try:
        return normalise_stage(stage)
    except ClarifyResultError as error:
        raise GateRuleError(str(error)) from None


def _format_value(value: float | None) -> str:
    if value is None:
        return "null"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.6g}"


def _exact(value: float) -> str:
    """Full precision, as Model Monitor writes it (``Value 0.0751544567666083 ...``)."""
    return _format_value(value) if math.isinf(value) else repr(value)


def load_baseline(baseline: Any) -> ClarifyResult | None:
    """A baseline given as a ClarifyResult, its XCom dict, an analysis.json dict or a local path."""
    if baseline is None or isinstance(baseline, ClarifyResult):
        return baseline
    if isinstance(baseline, Mapping) and "clarify_result" in baseline:
        return ClarifyResult.from_xcom(baseline)
    return ClarifyResult.from_analysis(baseline)


__all__: Sequence[str] = (
    "DEFAULT_SHAP_NDCG_THRESHOLD",
    "Check",
    "GateReport",
    "GateRuleError",
    "ThresholdRule",
    "evaluate",
    "load_baseline",
    "parse_rules",
)
