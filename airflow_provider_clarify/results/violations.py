"""What a gate found: one :class:`Check` per metric entry it looked at, and the report over all of them.

Violations use the reference §12 ``constraint_violations.json`` entries. Drift checks use Model Monitor's
``bias_drift_check`` / ``feature_attribution_drift_check``; thresholds (a provider extension) use
``bias_threshold_check`` with the same keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_clarify.contract import NEGATIVE_INFINITY_TEXT, POSITIVE_INFINITY_TEXT

THRESHOLD_CHECK = "bias_threshold_check"
BIAS_DRIFT_CHECK = "bias_drift_check"
SHAP_DRIFT_CHECK = "feature_attribution_drift_check"

PASS, VIOLATION, SKIPPED, NOT_COMPARED = "pass", "violation", "skipped", "not compared"
VERDICTS = (PASS, VIOLATION, SKIPPED, NOT_COMPARED)
VIOLATIONS_VERSION = "1.0"
"""``version`` of the ``constraint_violations.json`` document."""


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
    # --- confidence intervals and segments ---
    interval: tuple[float, float] | None = None
    """The metric's confidence interval when the result has one (recorded whatever the rule's significance)."""
    segment: str | None = None
    """``config/segment`` when the rule checked a segment of ``segment_config``."""

    def violation_entry(self) -> dict[str, Any]:
        """The reference §12 ``constraint_violations.json`` entry for this check."""
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

    @property
    def subject(self) -> str:
        """What was checked, for one-line messages: ``DI sex=Female`` or ``shap[label0]``."""
        name = self.metric if self.label is None else f"shap[{self.label}]"
        subject = name if self.facet is None else f"{name} {self.facet}={self.facet_value}"
        return subject if self.segment is None else f"{subject} in segment {self.segment}"


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
        """The ``constraint_violations.json`` document (reference §12), an empty list when the gate passed."""
        return {
            "version": VIOLATIONS_VERSION,
            "violations": [check.violation_entry() for check in self.violations],
        }

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
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
                check.facet if check.segment is None else f"{check.facet or ''} (segment {check.segment})",
                check.facet_value or "",
                format_value(check.value) + format_interval(check.interval),
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


def format_value(value: float | None) -> str:
    """A value for the table: six significant digits, ``null`` and the analysis.json infinity spellings."""
    if value is None:
        return "null"
    if math.isinf(value):
        return POSITIVE_INFINITY_TEXT if value > 0 else NEGATIVE_INFINITY_TEXT
    return f"{value:.6g}"


def format_interval(interval: tuple[float, float] | None) -> str:
    """`` [low, high]`` after a value in the table; empty without an interval."""
    return "" if interval is None else f" [{format_value(interval[0])}, {format_value(interval[1])}]"


def exact_value(value: float) -> str:
    """Full precision, as Model Monitor writes it (``Value 0.0751544567666083 ...``)."""
    return format_value(value) if math.isinf(value) else repr(value)
