"""Safe division as the reference defines it: 0/0 = 0, x/0 = ±∞ by the sign of x."""

from __future__ import annotations

INFINITY = float("inf")


def divide(numerator: float, denominator: float) -> float:
    if denominator == 0 and numerator == 0:
        return 0.0
    if denominator == 0:
        return -INFINITY if numerator < 0 else INFINITY
    return numerator / denominator


def difference(first: float, second: float) -> float:
    """``first − second`` with the both-infinite rule: +∞ − +∞ is 0, not NaN (SPEC §9)."""
    if first == second and first == INFINITY:
        return 0.0
    return first - second
