"""Post-training bias metrics (reference §9.2) from prediction contingency tables (all but FT, see ``ft.py``).

Each metric keeps the reference's error texts and check order (facet d checked before facet a where the
reference does so), safe division and the both-infinite rule, so values and errors match the managed job.

As in ``pretraining.py``, every formula is written once over a batch of tables (leading replicate axis): the
point estimate is a batch of one (``POST_TRAINING_FUNCTIONS``), the bootstrap replicates a batch of R
(``POST_TRAINING_BATCH_FUNCTIONS``), with the same operations in the same order, so values are bit-identical.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .metric_values import MetricValues, evaluated
from .pretraining import conditional_demographic_disparity, positive_proportion_difference
from .safe_math import difference, divide
from .tables import PredictionTable, PredictionTables

# Axes of n[r, d, y, ŷ]: d ∈ {0 = facet a, 1 = facet d}; y, ŷ ∈ {0, 1}.
A, D = 0, 1


class Confusion:
    """Per-facet confusion counts of each table: ``tp[r, d]``, ``fp``, ``fn``, ``tn`` (int64)."""

    def __init__(self, n: np.ndarray) -> None:
        self.tp, self.fp, self.fn, self.tn = n[:, :, 1, 1], n[:, :, 0, 1], n[:, :, 1, 0], n[:, :, 0, 0]


def _both_facets(n: np.ndarray, prefix: str = "") -> list[tuple[np.ndarray | bool, str]]:
    """The reference's emptiness checks, facet d first."""
    return [
        (n[:, D].sum(axis=(1, 2)) == 0, f"{prefix}Facet set is empty"),
        (n[:, A].sum(axis=(1, 2)) == 0, f"{prefix}Negated Facet set is empty"),
    ]


def dppl(tables: PredictionTables) -> MetricValues:
    return positive_proportion_difference(tables.by_facet().sum(axis=2))


def disparate_impact(tables: PredictionTables) -> MetricValues:
    n = tables.by_facet()
    n_a, n_d = n[:, A].sum(axis=(1, 2)), n[:, D].sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        q_a = n[:, A, :, 1].sum(axis=1) / n_a
        q_d = n[:, D, :, 1].sum(axis=1) / n_d
    return evaluated(
        divide(q_d, q_a), [(n_a == 0, "Negated facet set is empty"), (n_d == 0, "Facet set is empty")]
    )


def _conditional_outcomes(tables: PredictionTables) -> tuple[MetricValues, MetricValues]:
    n = tables.by_facet()
    checks = _both_facets(n, "DCO: ")
    accept_a = divide(n[:, A, 1, :].sum(axis=1), n[:, A, :, 1].sum(axis=1))
    accept_d = divide(n[:, D, 1, :].sum(axis=1), n[:, D, :, 1].sum(axis=1))
    reject_a = divide(n[:, A, 0, :].sum(axis=1), n[:, A, :, 0].sum(axis=1))
    reject_d = divide(n[:, D, 0, :].sum(axis=1), n[:, D, :, 0].sum(axis=1))
    return evaluated(difference(accept_a, accept_d), checks), evaluated(
        difference(reject_d, reject_a), checks
    )


def dca(tables: PredictionTables) -> MetricValues:
    return _conditional_outcomes(tables)[0]


def dcr(tables: PredictionTables) -> MetricValues:
    return _conditional_outcomes(tables)[1]


def _recall_specificity(tables: PredictionTables) -> tuple[MetricValues, MetricValues]:
    n = tables.by_facet()
    checks = _both_facets(n, "DLA: ")
    c = Confusion(n)
    recall = divide(c.tp, c.tp + c.fn)
    specificity = divide(c.tn, c.tn + c.fp)
    return (
        evaluated(difference(recall[:, A], recall[:, D]), checks),
        evaluated(difference(specificity[:, D], specificity[:, A]), checks),
    )


def recall_difference(tables: PredictionTables) -> MetricValues:
    return _recall_specificity(tables)[0]


def specificity_difference(tables: PredictionTables) -> MetricValues:
    return _recall_specificity(tables)[1]


def _label_rates(tables: PredictionTables) -> tuple[MetricValues, MetricValues]:
    n = tables.by_facet()
    checks = _both_facets(n, "DLR: ")
    c = Confusion(n)
    acceptance = divide(c.tp, c.tp + c.fp)
    rejection = divide(c.tn, c.tn + c.fn)
    return (
        evaluated(difference(acceptance[:, A], acceptance[:, D]), checks),
        evaluated(difference(rejection[:, D], rejection[:, A]), checks),
    )


def dar(tables: PredictionTables) -> MetricValues:
    return _label_rates(tables)[0]


def drr(tables: PredictionTables) -> MetricValues:
    return _label_rates(tables)[1]


def accuracy_difference(tables: PredictionTables) -> MetricValues:
    n = tables.by_facet()
    c = Confusion(n)
    accuracy = divide(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn)
    return evaluated(difference(accuracy[:, A], accuracy[:, D]), _both_facets(n))


def treatment_equality(tables: PredictionTables) -> MetricValues:
    n = tables.by_facet()
    c = Confusion(n)
    ratio = divide(c.fn, c.fp)
    return evaluated(difference(ratio[:, D], ratio[:, A]), _both_facets(n))


def cddpl(tables: PredictionTables) -> MetricValues:
    return conditional_demographic_disparity(tables.predicted_label_tables())


_python_power = np.frompyfunc(pow, 2, 1)


def _squared_as_python(x: np.ndarray) -> np.ndarray:
    """``x ** 2`` element by element as Python floats compute it (C ``pow``), as the reference's GE does.

    ``pow(x, 2)`` and ``x * x`` differ in the last bit for about 1 in 1,000 values, and NumPy's own ``power``
    uses yet another (vectorised) kernel, so only the C ``pow`` keeps GE bit-identical. Two values per table
    make this Python-level loop negligible next to the rest of the batch.
    """
    return np.asarray(_python_power(x, 2).astype(np.float64))


def generalized_entropy(tables: PredictionTables) -> MetricValues:
    """GE with α = 2 over every row of the table (facet-independent): benefit b = ŷ − y + 1 ∈ {0, 1, 2}."""
    n = tables.by_facet().sum(axis=1)  # n[r, y, ŷ]
    total = n.sum(axis=(1, 2))
    benefit_counts = {0: n[:, 1, 0], 1: n[:, 0, 0] + n[:, 1, 1], 2: n[:, 0, 1]}
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_benefit = (benefit_counts[1] + 2 * benefit_counts[2]) / total
    usable = (total > 0) & (mean_benefit != 0)
    safe_mean = np.where(usable, mean_benefit, 1.0)
    alpha = 2
    spread = np.zeros(len(total))
    for benefit, count in benefit_counts.items():
        spread = spread + count * (_squared_as_python(benefit / safe_mean) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = spread / (total * alpha * (alpha - 1))
    return evaluated(
        values,
        [
            (total <= 0, "dataset must be non-empty"),
            (
                mean_benefit == 0,
                "All predicted labels are false negatives. There should be at least one prediction that is not "
                "false negative.",
            ),
        ],
    )


POST_TRAINING_BATCH_FUNCTIONS: dict[str, Callable[[PredictionTables], MetricValues]] = {
    "AD": accuracy_difference,
    "CDDPL": cddpl,
    "DAR": dar,
    "DCA": dca,
    "DCR": dcr,
    "DI": disparate_impact,
    "DPPL": dppl,
    "DRR": drr,
    "GE": generalized_entropy,
    "RD": recall_difference,
    "SD": specificity_difference,
    "TE": treatment_equality,
}


def point_estimate(formula: Callable[[PredictionTables], MetricValues]) -> Callable[[PredictionTable], float]:
    """The metric of one observed table: ``formula`` on a batch of one, raising the reference's error text."""

    def on_table(table: PredictionTable) -> float:
        return formula(table.as_batch()).single()

    on_table.__name__ = formula.__name__
    on_table.__doc__ = formula.__doc__
    return on_table


POST_TRAINING_FUNCTIONS: dict[str, Callable[[PredictionTable], float]] = {
    name: point_estimate(formula) for name, formula in POST_TRAINING_BATCH_FUNCTIONS.items()
}
