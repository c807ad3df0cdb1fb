"""Safe division as the reference defines it: 0/0 = 0, x/0 = ±∞ by the sign of x (reference §9).

Both helpers work elementwise on arrays (the metrics evaluate a whole batch of tables at once: the point estimate
and every bootstrap replicate) and return a plain ``float`` for scalar arguments (the flip test and the type
inference call them on single counts). A float64 quotient of two integer counts below 2**53 is the correctly
rounded quotient, exactly what Python's ``int / int`` gives, so the array form changes no value.
"""

from __future__ import annotations

from typing import overload

import numpy as np

INFINITY = float("inf")


@overload
def divide(numerator: float, denominator: float) -> float: ...


@overload
def divide(numerator: np.ndarray, denominator: np.ndarray | float) -> np.ndarray: ...


@overload
def divide(numerator: np.ndarray | float, denominator: np.ndarray) -> np.ndarray: ...


def divide(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray | float:
    top = np.asarray(numerator, dtype=np.float64)
    bottom = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.where(
            bottom == 0, np.where(top == 0, 0.0, np.where(top < 0, -INFINITY, INFINITY)), top / bottom
        )
    return float(quotient) if quotient.ndim == 0 else quotient


@overload
def difference(first: float, second: float) -> float: ...


@overload
def difference(first: np.ndarray, second: np.ndarray | float) -> np.ndarray: ...


@overload
def difference(first: np.ndarray | float, second: np.ndarray) -> np.ndarray: ...


def difference(first: np.ndarray | float, second: np.ndarray | float) -> np.ndarray | float:
    """``first − second`` with the both-infinite rule: +∞ − +∞ is 0, not NaN (reference §9)."""
    left = np.asarray(first, dtype=np.float64)
    right = np.asarray(second, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        result = np.where((left == INFINITY) & (right == INFINITY), 0.0, left - right)
    return float(result) if result.ndim == 0 else result
