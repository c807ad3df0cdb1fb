"""Wilson and Newcombe intervals against published values, SciPy and the hand-worked edge cases."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from airflow_provider_clarify.engine.bias.proportions import newcombe_interval, wilson_interval

Z95 = 1.959963984540054


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10, 95 % intervals.
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ],
)
def test_newcombe_reproduces_the_published_intervals(counts, published):
    low, high = newcombe_interval(*counts, 0.95)
    assert low == pytest.approx(published[0], abs=5e-5)
    assert high == pytest.approx(published[1], abs=5e-5)


def test_newcombe_at_zero_successes_is_the_wilson_upper_bounds_by_hand():
    # p₁ = p₂ = 0: low = −u₂, high = u₁ with the Wilson upper bound u = z²/(n + z²) at x = 0.
    low, high = newcombe_interval(0, 10, 0, 20, 0.95)
    assert high == pytest.approx(Z95**2 / (10 + Z95**2), rel=1e-12)
    assert low == pytest.approx(-(Z95**2) / (20 + Z95**2), rel=1e-12)


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_wilson_agrees_with_scipy(level):
    for trials in (1, 2, 7, 30, 113):
        for successes in range(trials + 1):
            expected = binomtest(successes, trials).proportion_ci(confidence_level=level, method="wilson")
            low, high = wilson_interval(successes, trials, level)
            assert low == pytest.approx(expected.low, abs=1e-12)
            assert high == pytest.approx(expected.high, abs=1e-12)


def test_intervals_stay_inside_their_ranges():
    for successes_1, trials_1, successes_2, trials_2 in [
        (0, 1, 1, 1),
        (1, 1, 0, 1),
        (5, 5, 0, 7),
        (0, 3, 3, 3),
    ]:
        low, high = newcombe_interval(successes_1, trials_1, successes_2, trials_2, 0.999)
        assert -1 <= low <= successes_1 / trials_1 - successes_2 / trials_2 <= high <= 1
    assert wilson_interval(0, 4, 0.95)[0] == 0.0 and wilson_interval(4, 4, 0.95)[1] == 1.0


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0, 0.95)
    with pytest.raises(ValueError, match="between 0 and 3"):
        wilson_interval(4, 3, 0.95)
