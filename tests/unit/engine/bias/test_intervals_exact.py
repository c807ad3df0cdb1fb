"""The bootstrap against its exact distribution on tiny tables.

Resampling N rows with replacement is a multinomial draw of the cell counts with p = n / N, so for a tiny table
every possible replicate can be listed with its exact probability (stars and bars over the occupied cells,
multinomial weights in exact fractions) and the metric evaluated on it with the test's own re-statement of the reference.
The engine's replicates must follow that distribution (Dvoretzky–Kiefer–Wolfowitz bound on the CDF, binomial
bounds on the ±∞ and undefined shares), and its percentile endpoints must sit at the exact quantiles.
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from airflow_provider_clarify.engine.bias.intervals import (
    IntervalSettings,
    compute_intervals,
    replicate_tables,
)
from airflow_provider_clarify.engine.bias.posttraining import POST_TRAINING_BATCH_FUNCTIONS
from airflow_provider_clarify.engine.bias.pretraining import PRE_TRAINING_BATCH_FUNCTIONS
from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

from .formulas import posttraining, pretraining

REPLICATES = 100_000
# DKW: P(sup |F̂ − F| > ε) ≤ 2 exp(−2 B ε²) = 4e-9 for B = 100,000 and ε = 0.01.
CDF_TOLERANCE = 0.01

LABEL_COUNTS = np.array([[[4, 3], [2, 3]]])  # n[g, d, y], N = 12
PREDICTION_COUNTS = np.zeros((1, 2, 2, 2), dtype=np.int64)  # n[g, d, y, ŷ], N = 10
for (d, y, yhat), count in {
    (0, 1, 1): 2, (0, 0, 0): 2, (0, 0, 1): 1, (1, 1, 1): 1, (1, 1, 0): 1, (1, 0, 0): 2, (1, 0, 1): 1
}.items():  # fmt: skip
    PREDICTION_COUNTS[0, d, y, yhat] = count


@functools.cache
def enumeration(stage: str) -> list[tuple[list, Fraction]]:
    """Every multinomial(N, n/N) table of the stage's counts with its exact probability."""
    counts = LABEL_COUNTS if stage == "label" else PREDICTION_COUNTS
    flat = counts.reshape(-1)
    total = int(flat.sum())
    occupied = np.flatnonzero(flat)
    probabilities = [Fraction(int(flat[cell]), total) for cell in occupied]
    outcomes = []
    slots = total + len(occupied) - 1
    for bars in itertools.combinations(range(slots), len(occupied) - 1):
        parts = [right - left - 1 for left, right in zip((-1, *bars), (*bars, slots), strict=True)]
        weight = Fraction(math.factorial(total))
        for part, probability in zip(parts, probabilities, strict=True):
            weight *= probability**part / math.factorial(part)
        table = np.zeros(flat.size, dtype=np.int64)
        table[occupied] = parts
        outcomes.append((table.reshape(counts.shape).tolist(), weight))
    assert sum(weight for _, weight in outcomes) == 1  # the enumeration is complete
    return outcomes


@functools.cache
def exact_distribution(stage: str, name: str) -> tuple[dict[float, Fraction], Fraction]:
    """P(metric = v) for every value v over all replicate tables, and P(undefined)."""
    values: dict[float, Fraction] = {}
    undefined = Fraction(0)
    for table, weight in enumeration(stage):
        try:
            value = pretraining(name, table, False) if stage == "label" else posttraining(name, table, False)
        except ValueError:
            undefined += weight
            continue
        values[value] = values.get(value, Fraction(0)) + weight
    return values, undefined


def exact_quantile(values: dict[float, Fraction], probability: float) -> float:
    """The smallest v with P(value ≤ v | defined) ≥ probability."""
    defined = sum(values.values())
    cumulative = Fraction(0)
    for value in sorted(values):
        cumulative += values[value]
        if cumulative / defined >= probability:
            return value
    return max(values)


CASES = [
    *[("label", name) for name in ("CI", "DPL", "KL")],
    *[("prediction", name) for name in ("DI", "DPPL", "TE", "RD", "AD")],
]


@pytest.fixture(scope="module")
def replicates() -> dict[str, object]:
    settings = IntervalSettings(replicates=REPLICATES, seed=2024)
    return {
        "label": replicate_tables(LabelTable(LABEL_COUNTS, False), settings),
        "prediction": replicate_tables(PredictionTable(PREDICTION_COUNTS, False), settings),
    }


@pytest.mark.parametrize(("stage", "name"), CASES)
def test_replicates_follow_the_exact_multinomial_distribution(stage, name, replicates):
    values, undefined = exact_distribution(stage, name)
    formulas = PRE_TRAINING_BATCH_FUNCTIONS if stage == "label" else POST_TRAINING_BATCH_FUNCTIONS
    drawn = formulas[name](replicates[stage])
    p_undefined = float(undefined)
    assert abs((~drawn.defined).mean() - p_undefined) <= 5 * math.sqrt(
        p_undefined * (1 - p_undefined) / REPLICATES
    )
    # Unconditional CDF over the defined values (±∞ included) at every support point.
    sample = np.sort(drawn.values[drawn.defined])
    cumulative = Fraction(0)
    worst = 0.0
    for value in sorted(values):
        cumulative += values[value]
        empirical = np.searchsorted(sample, value, side="right") / REPLICATES
        worst = max(worst, abs(empirical - float(cumulative)))
    assert worst <= CDF_TOLERANCE
    # Every value the bootstrap produced is a possible value (bit-identical to the re-statement).
    assert set(np.unique(sample).tolist()) <= set(values)


@pytest.fixture(scope="module")
def intervals() -> dict[str, object]:
    label, prediction = LabelTable(LABEL_COUNTS, False), PredictionTable(PREDICTION_COUNTS, False)
    names = [name for _, name in CASES]
    return compute_intervals(label, prediction, names, IntervalSettings(replicates=REPLICATES, seed=7))


@pytest.mark.parametrize(("stage", "name"), CASES)
def test_percentile_endpoints_sit_at_the_exact_quantiles(stage, name, intervals):
    result = intervals[name]
    values, undefined = exact_distribution(stage, name)
    assert float(undefined) < 0.02  # these tables are chosen so that every interval is reported
    # The order statistic at (m+1)·p converges to the p-quantile; ±0.005 is ten binomial standard errors.
    assert exact_quantile(values, 0.025 - 0.005) <= result.low <= exact_quantile(values, 0.025 + 0.005)
    assert exact_quantile(values, 0.975 - 0.005) <= result.high <= exact_quantile(values, 0.975 + 0.005)
    p_infinite = float(values.get(math.inf, 0))
    assert abs(result.positive_infinite / REPLICATES - p_infinite) <= 5 * math.sqrt(
        p_infinite * (1 - p_infinite) / REPLICATES
    )


def test_the_tables_reach_infinite_and_undefined_replicates():
    """Not vacuous: the exact distributions above include +∞ (DI, TE) and undefined values (every metric)."""
    di, di_undefined = exact_distribution("prediction", "DI")
    te, _ = exact_distribution("prediction", "TE")
    assert di[math.inf] > 0.01 and te[math.inf] > 0.01 and di_undefined > 0
    _, kl_undefined = exact_distribution("label", "KL")
    assert kl_undefined > 0
