"""Pre-training bias metrics (SPEC §9.1) from a label contingency table.

Formulas, error texts and the order of checks follow the reference library, so values and per-metric error
strings match the managed job: the KL family compares the *collapsed* (binary) label distributions and keeps only
outcomes present in both facets, without renormalising.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .safe_math import divide
from .tables import LabelTable

NO_COMMON_OUTCOME = "No instance of common facet found, dataset may be too small"


def class_imbalance(table: LabelTable) -> float:
    n = table.by_facet_label()
    n_d, n_a = int(n[1].sum()), int(n[0].sum())
    if n_a == 0:
        raise ValueError("CI: negated facet set is empty. Check that x[~facet] has non-zero length.")
    if n_d == 0:
        raise ValueError("CI: facet set is empty. Check that x[facet] has non-zero length.")
    return float(n_a - n_d) / (n_a + n_d)


def positive_proportion_difference(n_dy: np.ndarray) -> float:
    """q_a − q_d for a (d, outcome) table; shared by DPL (labels) and DPPL (predictions)."""
    n_a, n_d = int(n_dy[0].sum()), int(n_dy[1].sum())
    if n_a == 0:
        raise ValueError("Negative facet set is empty.")
    if n_d == 0:
        raise ValueError("Facet set is empty.")
    return int(n_dy[0, 1]) / n_a - int(n_dy[1, 1]) / n_d


def difference_in_positive_proportions(table: LabelTable) -> float:
    return positive_proportion_difference(table.by_facet_label())


def aligned_distributions(table: LabelTable) -> tuple[np.ndarray, np.ndarray]:
    """P_a and P_d over the outcomes {False, True}, keeping only outcomes with non-zero mass in both facets."""
    n = table.by_facet_label().astype(np.int64)
    totals = n.sum(axis=1)
    p_a: list[float] = []
    p_d: list[float] = []
    for outcome in (0, 1):
        if totals[0] and totals[1] and n[0, outcome] and n[1, outcome]:
            p_a.append(int(n[0, outcome]) / int(totals[0]))
            p_d.append(int(n[1, outcome]) / int(totals[1]))
    if not p_a:
        raise ValueError(NO_COMMON_OUTCOME)
    return np.array(p_a), np.array(p_d)


def kl_divergence(table: LabelTable) -> float:
    p_a, p_d = aligned_distributions(table)
    return float(np.sum(p_a * np.log(p_a / p_d)))


def js_divergence(table: LabelTable) -> float:
    p_a, p_d = aligned_distributions(table)
    mixture = 1 / 2 * (p_a + p_d)
    return float(0.5 * (np.sum(p_a * np.log(p_a / mixture)) + np.sum(p_d * np.log(p_d / mixture))))


def lp_norm(table: LabelTable) -> float:
    p_a, p_d = aligned_distributions(table)
    return float(np.linalg.norm(p_a - p_d, 2))


def total_variation_distance(table: LabelTable) -> float:
    p_a, p_d = aligned_distributions(table)
    return float(0.5 * np.linalg.norm(p_a - p_d, 1))


def kolmogorov_smirnov(table: LabelTable) -> float:
    p_a, p_d = aligned_distributions(table)
    return float(np.linalg.norm(p_a - p_d, np.inf))


def conditional_demographic_disparity(table: LabelTable) -> float:
    """CDD over group-variable codes (SMC ``common.CDD``); ``n[g, d, outcome]`` with outcome = y or ŷ.

    Codes must be in ``np.unique`` (sorted) order so the weighted sum adds up in the reference's order.
    """
    if not table.has_group_variable or table.n.sum() == 0:
        raise ValueError("Group variable is empty or not provided")
    n = table.n.astype(np.int64)
    if n[:, :, 1].sum() == 0:
        raise ValueError("No positive labels in set")
    if n[:, :, 0].sum() == 0:
        raise ValueError("No negative labels in set")
    counts: list[float] = []
    disparities: list[float] = []
    for group in n:
        counts.append(float(group.sum()))
        accepted, rejected = int(group[:, 1].sum()), int(group[:, 0].sum())
        share_accepted = int(group[1, 1]) / accepted if accepted != 0 else 0
        share_rejected = int(group[1, 0]) / rejected if rejected != 0 else 0
        disparities.append(share_rejected - share_accepted)
    weights = np.array(counts)
    return float(divide(np.sum(weights * np.array(disparities)), np.sum(weights)))


PRE_TRAINING_FUNCTIONS: dict[str, Callable[[LabelTable], float]] = {
    "CDDL": conditional_demographic_disparity,
    "CI": class_imbalance,
    "DPL": difference_in_positive_proportions,
    "JS": js_divergence,
    "KL": kl_divergence,
    "KS": kolmogorov_smirnov,
    "LP": lp_norm,
    "TVD": total_variation_distance,
}
