"""Test-side re-statement of the count-based metric formulas of reference §9, one table at a time, in Python floats.

Written from the reference text (docs/reference.md §9), not from the engine: nested lists of ints, explicit loops, Python's ``/``, ``+``,
``**`` and ``max``. Where the reference's value depends on a NumPy primitive, the same primitive is used here and
named, because bit-identity with the reported values is the point:

* natural log: ``np.log`` (NumPy's log and ``math.log`` differ in the last bit for some arguments on SIMD
  builds; the reference takes NumPy's);
* the 2-norm's sum of squares: ``np.dot`` of the vector with itself (the BLAS dot, which may fuse multiply-adds);
* CDD's sums over groups: ``np.sum`` of the list (NumPy's pairwise summation, which differs from a left-to-right
  sum from 8 groups on).

Error texts are the reference's (reference §9 tables and the reference library), raised as ``ValueError``.
"""

from __future__ import annotations

import math

import numpy as np

INF = math.inf
Table = list  # nested lists of ints: n[g][d][y] (label tables) or n[g][d][y][ŷ] (prediction tables)


def div(p: float, q: float) -> float:
    """reference §9 safe division."""
    if q == 0:
        if p == 0:
            return 0.0
        return INF if p > 0 else -INF
    return p / q


def minus(first: float, second: float) -> float:
    """reference §9 both-∞ rule."""
    if first == INF and second == INF:
        return 0.0
    return first - second


def _label_counts(n: Table) -> list[list[int]]:
    """counts[d][y] summed over groups."""
    return [[sum(group[d][y] for group in n) for y in (0, 1)] for d in (0, 1)]


def _kept_distributions(counts: list[list[int]]) -> tuple[list[float], list[float]]:
    n_a, n_d = sum(counts[0]), sum(counts[1])
    p_a: list[float] = []
    p_d: list[float] = []
    for y in (0, 1):
        if n_a > 0 and n_d > 0 and counts[0][y] > 0 and counts[1][y] > 0:
            p_a.append(counts[0][y] / n_a)
            p_d.append(counts[1][y] / n_d)
    if not p_a:
        raise ValueError("No instance of common facet found, dataset may be too small")
    return p_a, p_d


def _in_order(terms: list[float]) -> float:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _kl(p: list[float], q: list[float]) -> float:
    return _in_order([p_i * float(np.log(p_i / q_i)) for p_i, q_i in zip(p, q, strict=True)])


def cdd(n: Table, has_group: bool) -> float:
    """n[g][d][outcome]."""
    total = sum(n[g][d][o] for g in range(len(n)) for d in (0, 1) for o in (0, 1))
    if not has_group or total == 0:
        raise ValueError("Group variable is empty or not provided")
    if sum(group[d][1] for group in n for d in (0, 1)) == 0:
        raise ValueError("No positive labels in set")
    if sum(group[d][0] for group in n for d in (0, 1)) == 0:
        raise ValueError("No negative labels in set")
    weights: list[float] = []
    weighted: list[float] = []
    for group in n:
        accepted = group[0][1] + group[1][1]
        rejected = group[0][0] + group[1][0]
        share_accepted = group[1][1] / accepted if accepted else 0.0
        share_rejected = group[1][0] / rejected if rejected else 0.0
        size = float(group[0][0] + group[0][1] + group[1][0] + group[1][1])
        weights.append(size)
        weighted.append(size * (share_rejected - share_accepted))
    return div(float(np.sum(weighted)), float(np.sum(weights)))


def pretraining(name: str, n: Table, has_group: bool) -> float:
    """n[g][d][y]."""
    counts = _label_counts(n)
    n_a, n_d = sum(counts[0]), sum(counts[1])
    if name == "CI":
        if n_a == 0:
            raise ValueError("CI: negated facet set is empty. Check that x[~facet] has non-zero length.")
        if n_d == 0:
            raise ValueError("CI: facet set is empty. Check that x[facet] has non-zero length.")
        return (n_a - n_d) / (n_a + n_d)
    if name == "DPL":
        if n_a == 0:
            raise ValueError("Negative facet set is empty.")
        if n_d == 0:
            raise ValueError("Facet set is empty.")
        return counts[0][1] / n_a - counts[1][1] / n_d
    if name == "CDDL":
        return cdd(n, has_group)
    p_a, p_d = _kept_distributions(counts)
    differences = [a - d for a, d in zip(p_a, p_d, strict=True)]
    if name == "KL":
        return _kl(p_a, p_d)
    if name == "JS":
        mixture = [0.5 * (a + d) for a, d in zip(p_a, p_d, strict=True)]
        return 0.5 * (_kl(p_a, mixture) + _kl(p_d, mixture))
    if name == "LP":
        return math.sqrt(float(np.dot(differences, differences)))
    if name == "TVD":
        return 0.5 * _in_order([abs(x) for x in differences])
    if name == "KS":
        return max(abs(x) for x in differences)
    raise KeyError(name)


def _confusion(n: Table, d: int) -> tuple[int, int, int, int]:
    """(TP, FP, FN, TN) of facet d summed over groups; n[g][d][y][ŷ]."""
    tp = sum(group[d][1][1] for group in n)
    fp = sum(group[d][0][1] for group in n)
    fn = sum(group[d][1][0] for group in n)
    tn = sum(group[d][0][0] for group in n)
    return tp, fp, fn, tn


def posttraining(name: str, n: Table, has_group: bool) -> float:
    """n[g][d][y][ŷ]."""
    tp_a, fp_a, fn_a, tn_a = _confusion(n, 0)
    tp_d, fp_d, fn_d, tn_d = _confusion(n, 1)
    n_a, n_d = tp_a + fp_a + fn_a + tn_a, tp_d + fp_d + fn_d + tn_d
    if name == "GE":
        total = n_a + n_d
        if total <= 0:
            raise ValueError("dataset must be non-empty")
        benefits = {0: fn_a + fn_d, 1: tp_a + tn_a + tp_d + tn_d, 2: fp_a + fp_d}
        mean = (benefits[1] + 2 * benefits[2]) / total
        if mean == 0:
            raise ValueError(
                "All predicted labels are false negatives. There should be at least one prediction that is not "
                "false negative."
            )
        return sum(count * ((b / mean) ** 2 - 1) for b, count in benefits.items()) / (total * 2 * 1)
    if name == "CDDPL":
        predicted = [[[group[d][0][o] + group[d][1][o] for o in (0, 1)] for d in (0, 1)] for group in n]
        return cdd(predicted, has_group)
    if name == "DPPL":
        if n_a == 0:
            raise ValueError("Negative facet set is empty.")
        if n_d == 0:
            raise ValueError("Facet set is empty.")
        return (tp_a + fp_a) / n_a - (tp_d + fp_d) / n_d
    if name == "DI":
        if n_a == 0:
            raise ValueError("Negated facet set is empty")
        if n_d == 0:
            raise ValueError("Facet set is empty")
        return div((tp_d + fp_d) / n_d, (tp_a + fp_a) / n_a)
    prefix = {"DCA": "DCO: ", "DCR": "DCO: ", "RD": "DLA: ", "SD": "DLA: ", "DAR": "DLR: ", "DRR": "DLR: "}
    if n_d == 0:
        raise ValueError(f"{prefix.get(name, '')}Facet set is empty")
    if n_a == 0:
        raise ValueError(f"{prefix.get(name, '')}Negated Facet set is empty")
    if name == "DCA":
        return minus(div(tp_a + fn_a, tp_a + fp_a), div(tp_d + fn_d, tp_d + fp_d))
    if name == "DCR":
        return minus(div(tn_d + fp_d, tn_d + fn_d), div(tn_a + fp_a, tn_a + fn_a))
    if name == "RD":
        return minus(div(tp_a, tp_a + fn_a), div(tp_d, tp_d + fn_d))
    if name == "SD":
        return minus(div(tn_d, tn_d + fp_d), div(tn_a, tn_a + fp_a))
    if name == "DAR":
        return minus(div(tp_a, tp_a + fp_a), div(tp_d, tp_d + fp_d))
    if name == "DRR":
        return minus(div(tn_d, tn_d + fn_d), div(tn_a, tn_a + fn_a))
    if name == "AD":
        return minus(div(tp_a + tn_a, n_a), div(tp_d + tn_d, n_d))
    if name == "TE":
        return minus(div(fn_d, fp_d), div(fn_a, fp_a))
    raise KeyError(name)


PRE_TRAINING = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING = ("AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "GE", "RD", "SD", "TE")


def outcome(compute, *arguments) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """("value", the float's 8 bytes) or ("error", text): equality means bit-identical or the same error."""
    try:
        return "value", np.float64(compute(*arguments)).tobytes()
    except ValueError as error:
        return "error", str(error)
