"""Threshold rules that understand uncertainty: what a rule's ``significance`` does with a confidence interval.

A threshold rule is a band [min, max]. With intervals (the engine's ``confidence`` option), a rule can decide on
the interval instead of the point estimate:

- ``"ignore"`` (default): the point estimate decides, as without intervals;
- ``"require"``: a violation only when the **whole** interval lies outside the band (high < min or low > max) —
  block on evidence;
- ``"conservative"``: a violation when **any part** of the interval lies outside the band (low < min or
  high > max) — pass only on evidence.

Infinite ends compare as infinite. A metric with a value but no interval (the analysis ran without the option, or
the interval could not be formed: see its note) cannot be judged this way; under ``require`` / ``conservative``
it is treated like a null value under the gate's ``on_null`` policy: a violation by default (a gate must not pass
on a check it could not make), skipped with ``on_null="skip"``. docs/gates.md has a worked example.
"""

from __future__ import annotations

import math

from airflow_provider_clarify.config.validation import closest

IGNORE, REQUIRE, CONSERVATIVE = "ignore", "require", "conservative"
SIGNIFICANCE_POLICIES = (IGNORE, REQUIRE, CONSERVATIVE)


def significance_problem(policy: object) -> str | None:
    """Why ``policy`` is not a significance policy (with a suggestion), or ``None`` when it is one."""
    if policy in SIGNIFICANCE_POLICIES:
        return None
    suggestion = closest(policy, SIGNIFICANCE_POLICIES, ignore_case=True) if isinstance(policy, str) else None
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return f"significance {policy!r} is not a policy{hint} (valid: {', '.join(SIGNIFICANCE_POLICIES)})"


def interval_violates(
    policy: str, low: float, high: float, minimum: float | None, maximum: float | None
) -> bool:
    """Whether the interval [low, high] violates the band [minimum, maximum] under ``policy``."""
    below = -math.inf if minimum is None else minimum
    above = math.inf if maximum is None else maximum
    if policy == REQUIRE:
        return high < below or low > above
    if policy == CONSERVATIVE:
        return low < below or high > above
    raise ValueError(f"interval_violates needs {REQUIRE!r} or {CONSERVATIVE!r}, got {policy!r}")


def interval_text(interval: tuple[float, float], level: float | None) -> str:
    """``95% confidence interval [0.55, 0.909]`` (the level when known), ends at full precision."""
    ends = ", ".join(_end(end) for end in interval)
    share = f"{level * 100:g}% " if level is not None else ""
    return f"{share}confidence interval [{ends}]"


def _end(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)
