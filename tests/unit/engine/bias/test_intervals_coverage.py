"""Coverage by simulation: 95 % intervals must contain the population value in 93–97 % of 400 datasets.

Each scenario is a population of (facet, label, prediction) given by parameters — the share of facet d, the
positive rate q of each facet, and the model's true- and false-positive rates per facet — so its metric values
follow by construction (closed forms below, not the engine's formulas). A dataset is one multinomial draw of N
rows from the population's eight cell probabilities; its 95 % intervals either contain the population value or
not, and over 400 datasets the share that do should be 95 % (binomial standard error 1.1 %).

Sample sizes are where the bootstrap is valid: every one of the eight cells has an expected count of at least
40 (the smallest is named per scenario), so no metric is undefined or infinite in practice and the sampling
distributions are close enough to smooth. Below that (a facet of a few dozen rows, a handful of false
positives) ratio metrics such as DI and TE become skewed or infinite and percentile intervals under-cover.

Replicates: 1,000 per interval (the minimum the settings accept) to keep the test at a few seconds; 2,000
changes the coverage by less than its own noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from airflow_provider_clarify.engine.bias.intervals import IntervalSettings, compute_intervals
from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

DATASETS = 400
REPLICATES = 1000
METRICS = ("DPL", "DI", "DPPL", "AD", "RD", "TE")


@dataclass(frozen=True)
class Population:
    """Facet a is index 0, facet d index 1."""

    share_d: float
    positive_rate: tuple[float, float]
    true_positive_rate: tuple[float, float]
    false_positive_rate: tuple[float, float]
    rows: int

    def cells(self) -> np.ndarray:
        """P(d, y, ŷ) as a (2, 2, 2) array."""
        p = np.zeros((2, 2, 2))
        for d, share in ((0, 1 - self.share_d), (1, self.share_d)):
            q, tpr, fpr = self.positive_rate[d], self.true_positive_rate[d], self.false_positive_rate[d]
            p[d, 1, 1], p[d, 1, 0] = share * q * tpr, share * q * (1 - tpr)
            p[d, 0, 1], p[d, 0, 0] = share * (1 - q) * fpr, share * (1 - q) * (1 - fpr)
        return p

    def values(self) -> dict[str, float]:
        """The population metrics, from the parameters (reference §9 definitions)."""
        q, tpr, fpr = self.positive_rate, self.true_positive_rate, self.false_positive_rate
        predicted = [q[g] * tpr[g] + (1 - q[g]) * fpr[g] for g in (0, 1)]
        accuracy = [q[g] * tpr[g] + (1 - q[g]) * (1 - fpr[g]) for g in (0, 1)]
        fn_over_fp = [q[g] * (1 - tpr[g]) / ((1 - q[g]) * fpr[g]) for g in (0, 1)]
        return {
            "DPL": q[0] - q[1],
            "DI": predicted[1] / predicted[0],
            "DPPL": predicted[0] - predicted[1],
            "AD": accuracy[0] - accuracy[1],
            "RD": tpr[0] - tpr[1],
            "TE": fn_over_fp[1] - fn_over_fp[0],
        }


SCENARIOS = {
    # Half the rows in facet d; smallest expected cell: d, y=0, ŷ=1 ≈ 90.
    "balanced": Population(0.5, (0.5, 0.4), (0.8, 0.7), (0.2, 0.15), rows=2_000),
    # Facet d is 5 % of the rows (about 500); smallest expected cell ≈ 45.
    "imbalanced": Population(0.05, (0.5, 0.4), (0.8, 0.7), (0.2, 0.15), rows=10_000),
    # Positive labels are 5 % (a) and 3 % (d) of the rows; smallest expected cell: d, y=1, ŷ=0 ≈ 72.
    "rare positives": Population(0.3, (0.05, 0.03), (0.7, 0.6), (0.05, 0.04), rows=20_000),
}
DATA_SEEDS = {"balanced": 1, "imbalanced": 1, "rare positives": 1}


def coverage(
    population: Population, data_seed: int, method: str, metrics: tuple[str, ...]
) -> dict[str, float]:
    """Share of DATASETS datasets whose interval of each metric contains the population value."""
    truth = population.values()
    rng = np.random.default_rng(data_seed)
    cells = population.cells().reshape(-1)
    assert min(cells) * population.rows >= 40
    hits = dict.fromkeys(metrics, 0)
    for index in range(DATASETS):
        counts = rng.multinomial(population.rows, cells).reshape(1, 2, 2, 2)
        label, prediction = LabelTable(counts.sum(axis=3), False), PredictionTable(counts, False)
        settings = IntervalSettings(replicates=REPLICATES, seed=index, method=method)
        for name, interval in compute_intervals(label, prediction, metrics, settings).items():
            assert interval.interval is not None, (name, interval.note)
            hits[name] += interval.low <= truth[name] <= interval.high
    return {name: hits[name] / DATASETS for name in metrics}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_percentile_intervals_cover_the_population_value(scenario):
    achieved = coverage(SCENARIOS[scenario], DATA_SEEDS[scenario], "percentile", METRICS)
    assert all(0.93 <= share <= 0.97 for share in achieved.values()), achieved


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_newcombe_intervals_cover_the_population_difference(scenario):
    achieved = coverage(SCENARIOS[scenario], DATA_SEEDS[scenario], "newcombe", ("DPL", "DPPL"))
    assert all(0.93 <= share <= 0.97 for share in achieved.values()), achieved
