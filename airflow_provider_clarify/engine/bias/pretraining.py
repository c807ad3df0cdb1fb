"""Pre-training bias metrics (reference §9.1) from label contingency tables.

Formulas, error texts and the order of checks follow the reference library, so values and per-metric error
strings match the managed job: the KL family compares the *collapsed* (binary) label distributions and keeps only
outcomes present in both facets, without renormalising.

Every formula is written once, over a batch of tables (``LabelTables``, leading replicate axis): the point
estimate is the batch of one observed table (``PRE_TRAINING_FUNCTIONS``, what analysis.json reports) and the
bootstrap evaluates the same function on all its replicates at once (``PRE_TRAINING_BATCH_FUNCTIONS``). The
operations are the reference's, in its order, so each value is bit-identical to the scalar computation: integer
counts divided in float64, NumPy's ``log``, pairwise ``sum`` along the last axis, the BLAS dot product for the
2-norm (see ``_dot_self``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .metric_values import MetricValues, evaluated
from .safe_math import divide
from .tables import LabelTable, LabelTables

NO_COMMON_OUTCOME = "No instance of common facet found, dataset may be too small"
NO_GROUP_VARIABLE = "Group variable is empty or not provided"

# Axes of n[r, d, y]: d ∈ {0 = facet a, 1 = facet d}; y ∈ {0, 1}.
A, D = 0, 1


def class_imbalance(tables: LabelTables) -> MetricValues:
    n = tables.by_facet_label()
    n_a, n_d = n[:, A].sum(axis=1), n[:, D].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = (n_a - n_d).astype(np.float64) / (n_a + n_d)
    return evaluated(
        values,
        [
            (n_a == 0, "CI: negated facet set is empty. Check that x[~facet] has non-zero length."),
            (n_d == 0, "CI: facet set is empty. Check that x[facet] has non-zero length."),
        ],
    )


def positive_proportion_difference(n_dy: np.ndarray) -> MetricValues:
    """q_a − q_d for (r, d, outcome) counts; shared by DPL (labels) and DPPL (predictions)."""
    n_a, n_d = n_dy[:, A].sum(axis=1), n_dy[:, D].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = n_dy[:, A, 1] / n_a - n_dy[:, D, 1] / n_d
    return evaluated(values, [(n_a == 0, "Negative facet set is empty."), (n_d == 0, "Facet set is empty.")])


def difference_in_positive_proportions(tables: LabelTables) -> MetricValues:
    return positive_proportion_difference(tables.by_facet_label())


class AlignedDistributions:
    """P_a and P_d over the outcomes {False, True} of each table, and which outcomes the reference keeps.

    An outcome is kept when both facets are non-empty and have it (non-zero mass in both); nothing is
    renormalised. A table with no kept outcome is undefined (``NO_COMMON_OUTCOME``). Sums over the kept outcomes
    add them in outcome order, as ``np.sum`` over the reference's 1- or 2-element arrays does.
    """

    def __init__(self, tables: LabelTables) -> None:
        n = tables.by_facet_label()
        totals = n.sum(axis=2)
        both_present = (totals[:, A] > 0) & (totals[:, D] > 0)
        self.keep = both_present[:, np.newaxis] & (n[:, A, :] > 0) & (n[:, D, :] > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.p_a = n[:, A, :] / totals[:, A, np.newaxis]
            self.p_d = n[:, D, :] / totals[:, D, np.newaxis]
        self.checks = [(~self.keep.any(axis=1), NO_COMMON_OUTCOME)]

    def kept_sum(self, terms: np.ndarray) -> np.ndarray:
        """Σ over kept outcomes of ``terms[r, outcome]``."""
        keep_negative, keep_positive = self.keep[:, 0], self.keep[:, 1]
        return np.where(
            keep_negative & keep_positive,
            terms[:, 0] + terms[:, 1],
            np.where(keep_negative, terms[:, 0], terms[:, 1]),
        )

    def kept_difference(self) -> np.ndarray:
        """P_a − P_d with the dropped outcomes set to 0 (they add nothing to the norms)."""
        return np.where(self.keep, self.p_a - self.p_d, 0.0)


def _relative_entropy_terms(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(p * np.log(p / q))


def _dot_self(x: np.ndarray) -> np.ndarray:
    """Σ x[r, i]² per row, by the same BLAS dot product ``np.linalg.norm(x, 2)`` takes for a vector.

    The reference's 2-norm is ``sqrt(x.dot(x))``; the BLAS kernel may fuse the multiply-add (it does with FMA),
    which a plain ``(x * x).sum()`` would not reproduce bit for bit. A stacked vector-vector ``matmul`` runs the
    same dot kernel per row.
    """
    return np.asarray((x[:, np.newaxis, :] @ x[:, :, np.newaxis])[:, 0, 0])


def kl_divergence(tables: LabelTables) -> MetricValues:
    dist = AlignedDistributions(tables)
    return evaluated(dist.kept_sum(_relative_entropy_terms(dist.p_a, dist.p_d)), dist.checks)


def js_divergence(tables: LabelTables) -> MetricValues:
    dist = AlignedDistributions(tables)
    mixture = 1 / 2 * (dist.p_a + dist.p_d)
    values = 0.5 * (
        dist.kept_sum(_relative_entropy_terms(dist.p_a, mixture))
        + dist.kept_sum(_relative_entropy_terms(dist.p_d, mixture))
    )
    return evaluated(values, dist.checks)


def lp_norm(tables: LabelTables) -> MetricValues:
    dist = AlignedDistributions(tables)
    return evaluated(np.sqrt(_dot_self(dist.kept_difference())), dist.checks)


def total_variation_distance(tables: LabelTables) -> MetricValues:
    dist = AlignedDistributions(tables)
    absolute = np.abs(dist.kept_difference())
    return evaluated(0.5 * (absolute[:, 0] + absolute[:, 1]), dist.checks)


def kolmogorov_smirnov(tables: LabelTables) -> MetricValues:
    dist = AlignedDistributions(tables)
    absolute = np.abs(dist.kept_difference())
    return evaluated(np.maximum(absolute[:, 0], absolute[:, 1]), dist.checks)


def conditional_demographic_disparity(tables: LabelTables) -> MetricValues:
    """CDD over group-variable codes (SMC ``common.CDD``); ``n[r, g, d, outcome]`` with outcome = y or ŷ.

    Codes must be in ``np.unique`` (sorted) order so the weighted sum adds up in the reference's order (NumPy's
    pairwise summation along the group axis).
    """
    n = tables.n
    total = n.sum(axis=(1, 2, 3))
    counts = n.sum(axis=(2, 3)).astype(np.float64)
    accepted, rejected = n[:, :, :, 1].sum(axis=2), n[:, :, :, 0].sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_accepted = np.where(accepted != 0, n[:, :, D, 1] / accepted, 0.0)
        share_rejected = np.where(rejected != 0, n[:, :, D, 0] / rejected, 0.0)
    disparities = share_rejected - share_accepted
    values = divide((counts * disparities).sum(axis=-1), counts.sum(axis=-1))
    return evaluated(
        values,
        [
            ((not tables.has_group_variable) | (total == 0), NO_GROUP_VARIABLE),
            (n[:, :, :, 1].sum(axis=(1, 2)) == 0, "No positive labels in set"),
            (n[:, :, :, 0].sum(axis=(1, 2)) == 0, "No negative labels in set"),
        ],
    )


PRE_TRAINING_BATCH_FUNCTIONS: dict[str, Callable[[LabelTables], MetricValues]] = {
    "CDDL": conditional_demographic_disparity,
    "CI": class_imbalance,
    "DPL": difference_in_positive_proportions,
    "JS": js_divergence,
    "KL": kl_divergence,
    "KS": kolmogorov_smirnov,
    "LP": lp_norm,
    "TVD": total_variation_distance,
}


def point_estimate(formula: Callable[[LabelTables], MetricValues]) -> Callable[[LabelTable], float]:
    """The metric of one observed table: ``formula`` on a batch of one, raising the reference's error text."""

    def on_table(table: LabelTable) -> float:
        return formula(table.as_batch()).single()

    on_table.__name__ = formula.__name__
    on_table.__doc__ = formula.__doc__
    return on_table


PRE_TRAINING_FUNCTIONS: dict[str, Callable[[LabelTable], float]] = {
    name: point_estimate(formula) for name, formula in PRE_TRAINING_BATCH_FUNCTIONS.items()
}
