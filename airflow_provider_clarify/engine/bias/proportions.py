"""Analytic confidence intervals for a difference of two independent proportions (DPL and DPPL).

DPL = q_a − q_d and DPPL = q̂_a − q̂_d are differences of two binomial proportions, for which a closed form with
good small-sample coverage exists: Newcombe's hybrid score interval ("method 10" of Newcombe 1998, *Interval
estimation for the difference between independent proportions: comparison of eleven methods*, Statistics in
Medicine 17:873–890). It combines the Wilson score intervals [l₁, u₁] of p₁ and [l₂, u₂] of p₂:

    low  = δ − √((p₁ − l₁)² + (u₂ − p₂)²)
    high = δ + √((u₁ − p₁)² + (p₂ − l₂)²),      δ = p₁ − p₂.

Unlike the Wald interval it stays inside [−1, 1], is defined when a proportion is 0 or 1, and needs no
resampling. It treats the two facet sizes as fixed (conditional on n_a and n_d), where the bootstrap lets them
vary; both are valid for the difference, they answer slightly different sampling questions.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, trials: int, level: float) -> tuple[float, float]:
    """The Wilson score interval (no continuity correction) for a binomial proportion x / n.

    centre = (x + z²/2) / (n + z²), half-width = z·√(x(n − x)/n + z²/4) / (n + z²), z = Φ⁻¹((1 + level)/2).
    Written out rather than taken from ``scipy.stats`` (whose import alone takes seconds): it is a closed form,
    and the tests check it against SciPy and against Newcombe's published intervals.
    """
    if trials <= 0:
        raise ValueError(f"a proportion needs at least one trial, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and {trials}, got {successes}")
    z = NormalDist().inv_cdf((1 + level) / 2)
    centre = (successes + z * z / 2) / (trials + z * z)
    half_width = z * math.sqrt(successes * (trials - successes) / trials + z * z / 4) / (trials + z * z)
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == trials else min(1.0, centre + half_width)
    return low, high


def newcombe_interval(
    successes_1: int, trials_1: int, successes_2: int, trials_2: int, level: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p₁ − p₂ (p₁ = successes_1 / trials_1, p₂ likewise)."""
    p_1, p_2 = successes_1 / trials_1, successes_2 / trials_2
    low_1, high_1 = wilson_interval(successes_1, trials_1, level)
    low_2, high_2 = wilson_interval(successes_2, trials_2, level)
    estimate = p_1 - p_2
    low = estimate - math.hypot(p_1 - low_1, high_2 - p_2)
    high = estimate + math.hypot(high_1 - p_1, p_2 - low_2)
    # Mathematically l₁ − u₂ ≤ low and high ≤ u₁ − l₂, inside [−1, 1]; clip only the rounding.
    return max(-1.0, low), min(1.0, high)
