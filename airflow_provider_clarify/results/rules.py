"""Threshold rules of a gate: ``metric`` within ``[min, max]``, scoped by stage, facet and facet value.

Validated when built, so that a bad rule fails when the DAG is parsed, not when the gate runs: an unknown metric,
a band with no ends, a contradictory band or a stage the metric does not belong to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from airflow_provider_clarify.config.metrics import METRIC_STAGES
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.sections import facet_value_text, normalise_stage
from airflow_provider_clarify.results.significance import IGNORE, significance_problem


class GateRuleError(ValueError):
    """A rule is contradictory or names something that does not exist; the message lists what does."""


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
    # --- confidence intervals and segments (results/significance.py, results/segments.py) ---
    significance: str = IGNORE
    """``"ignore"`` (the point estimate decides), ``"require"`` or ``"conservative"`` (the interval decides)."""
    segment: str | None = None
    """Check the metric in this segment of ``segment_config`` instead of on the whole dataset."""
    segment_config: str | None = None
    """Which segment config ``segment`` belongs to, when several configs have a segment of that name."""

    def __post_init__(self) -> None:
        name = str(self.metric).strip().upper()
        if name not in METRIC_STAGES:
            raise GateRuleError(
                f"threshold rule names unknown metric {self.metric!r}; Clarify bias metrics are "
                f"{sorted(METRIC_STAGES)}"
            )
        object.__setattr__(self, "metric", name)
        object.__setattr__(self, "min", _bound(name, "min", self.min))
        object.__setattr__(self, "max", _bound(name, "max", self.max))
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
        self._check_significance_and_segment(name)

    def _check_significance_and_segment(self, name: str) -> None:
        significance = self.significance.strip().lower() if isinstance(self.significance, str) else None
        problem = significance_problem(significance if significance is not None else self.significance)
        if problem:
            raise GateRuleError(f"rule {name}: {problem}")
        object.__setattr__(self, "significance", significance)
        if self.segment_config is not None and self.segment is None:
            raise GateRuleError(
                f"rule {name}: segment_config names a config but no segment; give segment too"
            )
        for key in ("segment", "segment_config"):
            value = getattr(self, key)
            if value is not None:
                if not isinstance(value, str) or not value.strip():
                    raise GateRuleError(f"rule {name}: {key} must be a segment name, got {value!r}")
                object.__setattr__(self, key, value.strip())

    @property
    def band(self) -> str:
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "inf" if self.max is None else f"{self.max:g}"
        return f"[{low}, {high}]"

    @property
    def scope(self) -> str:
        parts = [self.stage, self.facet, None if self.facet_value is None else f"={self.facet_value}"]
        where = " ".join(p for p in parts if p) or "all facets"
        if self.segment is not None:
            config = f"{self.segment_config}/" if self.segment_config else ""
            where += f" in segment {config}{self.segment}"
        return where

    def admits(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


def _bound(name: str, end: str, bound: object) -> float | None:
    """One end of a band as a float (None: open end); a clear error for text and NaN."""
    if bound is None:
        return None
    try:
        number = float(bound)  # type: ignore[arg-type]  # anything float() takes; the rest is reported
    except (TypeError, ValueError):
        raise GateRuleError(f"rule {name}: {end} must be a number, got {bound!r}") from None
    if math.isnan(number):
        raise GateRuleError(f"rule {name}: {end} must be a number, got NaN")
    return number


def _stage(stage: str) -> str:
    """The result model's stage reading, reported as a rule error (the rule, not the result, is wrong)."""
    try:
        normalised = normalise_stage(stage)
    except ClarifyResultError as error:
        raise GateRuleError(str(error)) from None
    assert normalised is not None  # a given stage never normalises to None
    return normalised


RULE_KEYS = frozenset(
    {
        *("metric", "name", "min", "max", "stage", "facet", "facet_value", "value", "band"),
        *("significance", "segment", "segment_config"),  # confidence intervals and segments
    }
)
"""The keys a rule dict may have (``name`` for ``metric``, ``value`` for ``facet_value``, ``band`` for both ends)."""

RulesInput = ThresholdRule | Mapping[str, object] | Iterable[ThresholdRule | Mapping[str, object]] | None
"""What a gate accepts as rules (see :func:`parse_rules`)."""


def parse_rules(rules: object) -> list[ThresholdRule]:
    """Accept rules as ThresholdRule objects, dicts, or a ``{metric: [min, max]}`` shorthand.

    Dict form: ``{"metric": "DI", "min": 0.8, "max": 1.25, "stage": ..., "facet": "sex", "facet_value":
    "Female"}`` (``value`` is accepted for ``facet_value``, ``band: [min, max]`` for the two ends). Shorthand:
    ``{"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1]}`` — ``None`` for an open end. Every problem is reported at once.
    A dict rule may add ``significance`` (``"ignore"``, ``"require"``, ``"conservative"``: see
    :mod:`.significance`) and ``segment`` (with ``segment_config`` when two configs share a segment name).
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


def _rule_from_dict(rule: object) -> ThresholdRule:
    if not isinstance(rule, Mapping):
        raise GateRuleError(f"expected a dict or ThresholdRule, got {type(rule).__name__}")
    unknown = set(rule) - RULE_KEYS
    if unknown:
        raise GateRuleError(f"unknown keys {sorted(unknown)}; a rule takes {sorted(RULE_KEYS)}")
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
        significance=rule.get("significance", IGNORE),
        segment=rule.get("segment"),
        segment_config=rule.get("segment_config"),
    )
