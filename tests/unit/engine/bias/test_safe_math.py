"""Safe division and the both-infinite rule (reference §9), on scalars (floats back) and elementwise on arrays."""

from __future__ import annotations

import math

import numpy as np

from airflow_provider_clarify.engine.bias.safe_math import difference, divide


def test_scalars_follow_the_reference_and_stay_python_floats():
    cases = {
        (0, 0): 0.0,
        (3, 0): math.inf,
        (-3, 0): -math.inf,
        (1, 3): 1 / 3,
        (10**15 + 1, 7): (10**15 + 1) / 7,
    }
    for (p, q), expected in cases.items():
        result = divide(p, q)
        assert type(result) is float and result == expected
    assert difference(math.inf, math.inf) == 0.0
    assert difference(math.inf, 1.0) == math.inf and difference(1.0, math.inf) == -math.inf
    assert type(difference(2.0, 0.5)) is float


def test_arrays_are_divided_elementwise_with_the_same_rules():
    p = np.array([0, 3, -3, 1, 5])
    q = np.array([0, 0, 0, 3, 2])
    assert divide(p, q).tolist() == [0.0, math.inf, -math.inf, 1 / 3, 2.5]
    first = np.array([math.inf, math.inf, 1.0, -math.inf])
    second = np.array([math.inf, 1.0, math.inf, -math.inf])
    result = difference(first, second)
    assert result[:3].tolist() == [0.0, math.inf, -math.inf]
    assert math.isnan(result[3])  # −∞ − (−∞) has no rule in the reference (counts never produce −∞ ratios)
