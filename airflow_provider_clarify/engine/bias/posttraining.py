"""Post-training bias metrics (SPEC §9.2) from a prediction contingency table (all but FT, see ``ft.py``).

Each metric keeps the reference's error texts and check order (facet d checked before facet a where the
reference does so), safe division and the both-infinite rule, so values and errors match the managed job.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .pretraining import conditional_demographic_disparity, positive_proportion_difference
from .safe_math import difference, divide
from .tables import PredictionTable

# Axes of n[d, y, ŷ]: d ∈ {0 = facet a, 1 = facet d}; y, ŷ ∈ {0, 1}.
A, D = 0, 1


def _confusion(n: np.ndarray, group: int) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) inside one facet."""
    g = n[group]
    return int(g[1, 1]), int(g[0, 1]), int(g[1, 0]), int(g[0, 0])


def _require_both_facets(n: np.ndarray, prefix: str = "") -> None:
    if int(n[D].sum()) == 0:
        raise ValueError(f"{prefix}Facet set is empty")
    if int(n[A].sum()) == 0:
        raise ValueError(f"{prefix}Negated Facet set is empty")


def dppl(table: PredictionTable) -> float:
    return positive_proportion_difference(table.by_facet().sum(axis=1))


def disparate_impact(table: PredictionTable) -> float:
    n = table.by_facet()
    n_a, n_d = int(n[A].sum()), int(n[D].sum())
    if n_a == 0:
        raise ValueError("Negated facet set is empty")
    q_a = int(n[A, :, 1].sum()) / n_a
    if n_d == 0:
        raise ValueError("Facet set is empty")
    q_d = int(n[D, :, 1].sum()) / n_d
    return divide(q_d, q_a)


def _conditional_outcomes(table: PredictionTable) -> tuple[float, float]:
    n = table.by_facet()
    _require_both_facets(n, "DCO: ")
    accept_a = divide(int(n[A, 1, :].sum()), int(n[A, :, 1].sum()))
    accept_d = divide(int(n[D, 1, :].sum()), int(n[D, :, 1].sum()))
    reject_a = divide(int(n[A, 0, :].sum()), int(n[A, :, 0].sum()))
    reject_d = divide(int(n[D, 0, :].sum()), int(n[D, :, 0].sum()))
    return difference(accept_a, accept_d), difference(reject_d, reject_a)


def dca(table: PredictionTable) -> float:
    return _conditional_outcomes(table)[0]


def dcr(table: PredictionTable) -> float:
    return _conditional_outcomes(table)[1]


def _recall_specificity(table: PredictionTable) -> tuple[float, float]:
    n = table.by_facet()
    _require_both_facets(n, "DLA: ")
    tp_a, fp_a, fn_a, tn_a = _confusion(n, A)
    tp_d, fp_d, fn_d, tn_d = _confusion(n, D)
    recall_a, recall_d = divide(tp_a, tp_a + fn_a), divide(tp_d, tp_d + fn_d)
    specificity_a, specificity_d = divide(tn_a, tn_a + fp_a), divide(tn_d, tn_d + fp_d)
    return difference(recall_a, recall_d), difference(specificity_d, specificity_a)


def recall_difference(table: PredictionTable) -> float:
    return _recall_specificity(table)[0]


def specificity_difference(table: PredictionTable) -> float:
    return _recall_specificity(table)[1]


def _label_rates(table: PredictionTable) -> tuple[float, float]:
    n = table.by_facet()
    _require_both_facets(n, "DLR: ")
    tp_a, fp_a, fn_a, tn_a = _confusion(n, A)
    tp_d, fp_d, fn_d, tn_d = _confusion(n, D)
    acceptance_a, acceptance_d = divide(tp_a, tp_a + fp_a), divide(tp_d, tp_d + fp_d)
    rejection_a, rejection_d = divide(tn_a, tn_a + fn_a), divide(tn_d, tn_d + fn_d)
    return difference(acceptance_a, acceptance_d), difference(rejection_d, rejection_a)


def dar(table: PredictionTable) -> float:
    return _label_rates(table)[0]


def drr(table: PredictionTable) -> float:
    return _label_rates(table)[1]


def accuracy_difference(table: PredictionTable) -> float:
    n = table.by_facet()
    _require_both_facets(n)
    tp_a, fp_a, fn_a, tn_a = _confusion(n, A)
    tp_d, fp_d, fn_d, tn_d = _confusion(n, D)
    accuracy_a = divide(tp_a + tn_a, tp_a + tn_a + fp_a + fn_a)
    accuracy_d = divide(tp_d + tn_d, tp_d + tn_d + fp_d + fn_d)
    return difference(accuracy_a, accuracy_d)


def treatment_equality(table: PredictionTable) -> float:
    n = table.by_facet()
    _require_both_facets(n)
    _, fp_a, fn_a, _ = _confusion(n, A)
    _, fp_d, fn_d, _ = _confusion(n, D)
    return difference(divide(fn_d, fp_d), divide(fn_a, fp_a))


def cddpl(table: PredictionTable) -> float:
    return conditional_demographic_disparity(table.predicted_label_table())


def generalized_entropy(table: PredictionTable) -> float:
    """GE with α = 2 over every row of the table (facet-independent): benefit b = ŷ − y + 1 ∈ {0, 1, 2}."""
    n = table.by_facet().sum(axis=0)  # n[y, ŷ]
    total = int(n.sum())
    if total <= 0:
        raise ValueError("dataset must be non-empty")
    benefit_counts = {0: int(n[1, 0]), 1: int(n[0, 0] + n[1, 1]), 2: int(n[0, 1])}
    mean_benefit = (benefit_counts[1] + 2 * benefit_counts[2]) / total
    if mean_benefit == 0:
        raise ValueError(
            "All predicted labels are false negatives. There should be at least one prediction that is not "
            "false negative."
        )
    alpha = 2
    spread = sum(count * ((benefit / mean_benefit) ** alpha - 1) for benefit, count in benefit_counts.items())
    return float(spread / (total * alpha * (alpha - 1)))


POST_TRAINING_FUNCTIONS: dict[str, Callable[[PredictionTable], float]] = {
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
