"""Every count-based metric on hand-worked contingency tables (reference §9), expectations worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airflow_provider_clarify.engine.bias.posttraining import POST_TRAINING_FUNCTIONS
from airflow_provider_clarify.engine.bias.pretraining import PRE_TRAINING_FUNCTIONS
from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

INF = float("inf")


def post_table(cells: dict[tuple[int, int, int], int], groups: int = 1, by_group=None) -> PredictionTable:
    """cells[(d, y, ŷ)] = count (facet a: d = 0)."""
    n = np.zeros((groups, 2, 2, 2), dtype=np.int64)
    if by_group is not None:
        for (g, d, y, yhat), count in by_group.items():
            n[g, d, y, yhat] = count
    else:
        for (d, y, yhat), count in cells.items():
            n[0, d, y, yhat] = count
    return PredictionTable(n, by_group is not None)


def pre_table(cells: dict[tuple[int, int], int], by_group=None) -> LabelTable:
    if by_group is not None:
        groups = max(g for g, _, _ in by_group) + 1
        n = np.zeros((groups, 2, 2), dtype=np.int64)
        for (g, d, y), count in by_group.items():
            n[g, d, y] = count
        return LabelTable(n, True)
    n = np.zeros((1, 2, 2), dtype=np.int64)
    for (d, y), count in cells.items():
        n[0, d, y] = count
    return LabelTable(n, False)


def pre(name: str, table: LabelTable) -> float:
    return PRE_TRAINING_FUNCTIONS[name](table)


def post(name: str, table: PredictionTable) -> float:
    return POST_TRAINING_FUNCTIONS[name](table)


# facet a: 6 rows, 4 positive; facet d: 4 rows, 1 positive.
BASIC = pre_table({(0, 1): 4, (0, 0): 2, (1, 1): 1, (1, 0): 3})


def test_class_imbalance_and_dpl():
    assert pre("CI", BASIC) == pytest.approx((6 - 4) / 10)
    assert pre("DPL", BASIC) == pytest.approx(4 / 6 - 1 / 4)


def test_label_distribution_metrics_on_binary_outcomes():
    p_a = np.array([2 / 6, 4 / 6])  # (negative, positive)
    p_d = np.array([3 / 4, 1 / 4])
    assert pre("KL", BASIC) == pytest.approx(
        (2 / 6) * math.log((2 / 6) / (3 / 4)) + (4 / 6) * math.log((4 / 6) / (1 / 4))
    )
    mix = (p_a + p_d) / 2
    js = 0.5 * (sum(p_a * np.log(p_a / mix)) + sum(p_d * np.log(p_d / mix)))
    assert pre("JS", BASIC) == pytest.approx(js)
    dpl = 4 / 6 - 1 / 4
    assert pre("LP", BASIC) == pytest.approx(math.sqrt(2) * dpl)
    assert pre("TVD", BASIC) == pytest.approx(dpl)
    assert pre("KS", BASIC) == pytest.approx(dpl)


def test_distribution_metrics_keep_only_outcomes_present_in_both_facets():
    # facet d has no positive: only the negative outcome survives, without renormalising.
    table = pre_table({(0, 1): 3, (0, 0): 1, (1, 0): 2})
    assert pre("KL", table) == pytest.approx(0.25 * math.log(0.25 / 1.0))
    assert pre("KS", table) == pytest.approx(0.75)
    assert pre("LP", table) == pytest.approx(0.75)
    assert pre("TVD", table) == pytest.approx(0.375)


@pytest.mark.parametrize(
    ("name", "message_when_d_empty", "message_when_a_empty"),
    [
        (
            "CI",
            "CI: facet set is empty. Check that x[facet] has non-zero length.",
            "CI: negated facet set is empty. Check that x[~facet] has non-zero length.",
        ),
        ("DPL", "Facet set is empty.", "Negative facet set is empty."),
        ("KL", "No instance of common facet found, dataset may be too small", None),
        ("JS", "No instance of common facet found, dataset may be too small", None),
        ("LP", "No instance of common facet found, dataset may be too small", None),
        ("TVD", "No instance of common facet found, dataset may be too small", None),
        ("KS", "No instance of common facet found, dataset may be too small", None),
    ],
)
def test_pretraining_empty_facets_raise_reference_messages(name, message_when_d_empty, message_when_a_empty):
    only_a = pre_table({(0, 1): 2, (0, 0): 2})
    only_d = pre_table({(1, 1): 2, (1, 0): 2})
    with pytest.raises(ValueError) as error:
        pre(name, only_a)
    assert str(error.value) == message_when_d_empty
    with pytest.raises(ValueError) as error:
        pre(name, only_d)
    assert str(error.value) == (message_when_a_empty or message_when_d_empty)


def test_cddl_by_hand():
    # group 0: a: 3 pos 1 neg, d: 1 pos 3 neg ; group 1: a: 1 pos 1 neg, d: 2 pos 0 neg
    table = pre_table(
        {},
        by_group={
            (0, 0, 1): 3,
            (0, 0, 0): 1,
            (0, 1, 1): 1,
            (0, 1, 0): 3,
            (1, 0, 1): 1,
            (1, 0, 0): 1,
            (1, 1, 1): 2,
        },
    )
    dd0 = 3 / 4 - 1 / 4  # rejected share of d − accepted share of d
    dd1 = 0 / 1 - 2 / 3
    assert pre("CDDL", table) == pytest.approx((8 * dd0 + 4 * dd1) / 12)


def test_cddl_errors():
    with pytest.raises(ValueError, match=r"^Group variable is empty or not provided$"):
        pre("CDDL", BASIC)
    with pytest.raises(ValueError, match=r"^No positive labels in set$"):
        pre("CDDL", pre_table({}, by_group={(0, 0, 0): 2, (0, 1, 0): 1}))
    with pytest.raises(ValueError, match=r"^No negative labels in set$"):
        pre("CDDL", pre_table({}, by_group={(0, 0, 1): 2, (0, 1, 1): 1}))


# Post-training: facet a: TP 3, FP 1, FN 2, TN 4 ; facet d: TP 1, FP 2, FN 1, TN 1.
CONF = post_table(
    {
        (0, 1, 1): 3,
        (0, 0, 1): 1,
        (0, 1, 0): 2,
        (0, 0, 0): 4,
        (1, 1, 1): 1,
        (1, 0, 1): 2,
        (1, 1, 0): 1,
        (1, 0, 0): 1,
    }
)


def test_post_training_metrics_by_hand():
    n_a, n_d = 10, 5
    assert post("DPPL", CONF) == pytest.approx(4 / n_a - 3 / n_d)
    assert post("DI", CONF) == pytest.approx((3 / n_d) / (4 / n_a))
    assert post("DCA", CONF) == pytest.approx(5 / 4 - 2 / 3)  # n(1)/n̂(1)
    assert post("DCR", CONF) == pytest.approx(3 / 2 - 5 / 6)  # r_d − r_a, r = n(0)/n̂(0)
    assert post("RD", CONF) == pytest.approx(3 / 5 - 1 / 2)
    assert post("SD", CONF) == pytest.approx(1 / 3 - 4 / 5)
    assert post("DAR", CONF) == pytest.approx(3 / 4 - 1 / 3)
    assert post("DRR", CONF) == pytest.approx(1 / 2 - 4 / 6)
    assert post("AD", CONF) == pytest.approx(7 / 10 - 2 / 5)
    assert post("TE", CONF) == pytest.approx(1 / 2 - 2 / 1)
    # GE over all 15 rows: benefits FN→0 (3 rows), TP/TN→1 (9), FP→2 (3); mean = 15/15 = 1.
    assert post("GE", CONF) == pytest.approx((3 * (0 - 1) + 9 * 0 + 3 * (4 - 1)) / (2 * 15))


def test_zero_denominators_give_infinities_and_zeros():
    # facet d: no predicted positives but 2 actual positives → c_d = 2/0 = +inf ; facet a regular.
    table = post_table({(0, 1, 1): 2, (0, 0, 0): 2, (1, 1, 0): 2, (1, 0, 0): 1})
    assert post("DCA", table) == -INF  # c_a − c_d = 1 − inf
    assert post("DI", table) == pytest.approx(0.0)
    # TE: FN_d/FP_d = 2/0 = inf ; FN_a/FP_a = 0/0 = 0
    assert post("TE", table) == INF
    # DAR: precision_d = TP_d/n̂_d(1) = 0/0 = 0 ; precision_a = 1
    assert post("DAR", table) == pytest.approx(1.0)


def test_both_infinite_rule():
    # Both facets: positives but no predicted positives → c_a = c_d = +inf → DCA = 0 (not NaN).
    table = post_table({(0, 1, 0): 2, (0, 0, 0): 1, (1, 1, 0): 1, (1, 0, 0): 3})
    assert post("DCA", table) == 0.0
    # Both facets: FN > 0, FP = 0 → TE = inf − inf → 0
    assert post("TE", table) == 0.0


def test_di_infinite_when_facet_a_never_predicted_positive():
    table = post_table({(0, 1, 0): 2, (0, 0, 0): 1, (1, 1, 1): 1, (1, 0, 0): 3})
    assert post("DI", table) == INF


@pytest.mark.parametrize(
    ("name", "d_empty", "a_empty"),
    [
        ("DPPL", "Facet set is empty.", "Negative facet set is empty."),
        ("DI", "Facet set is empty", "Negated facet set is empty"),
        ("DCA", "DCO: Facet set is empty", "DCO: Negated Facet set is empty"),
        ("DCR", "DCO: Facet set is empty", "DCO: Negated Facet set is empty"),
        ("RD", "DLA: Facet set is empty", "DLA: Negated Facet set is empty"),
        ("SD", "DLA: Facet set is empty", "DLA: Negated Facet set is empty"),
        ("DAR", "DLR: Facet set is empty", "DLR: Negated Facet set is empty"),
        ("DRR", "DLR: Facet set is empty", "DLR: Negated Facet set is empty"),
        ("AD", "Facet set is empty", "Negated Facet set is empty"),
        ("TE", "Facet set is empty", "Negated Facet set is empty"),
    ],
)
def test_post_training_empty_facets(name, d_empty, a_empty):
    only_a = post_table({(0, 1, 1): 2, (0, 0, 0): 2})
    only_d = post_table({(1, 1, 1): 2, (1, 0, 0): 2})
    with pytest.raises(ValueError) as error:
        post(name, only_a)
    assert str(error.value) == d_empty
    with pytest.raises(ValueError) as error:
        post(name, only_d)
    assert str(error.value) == a_empty


def test_generalized_entropy_all_false_negatives():
    with pytest.raises(ValueError, match=r"^All predicted labels are false negatives"):
        post("GE", post_table({(0, 1, 0): 2, (1, 1, 0): 3}))


def test_cddpl_uses_predictions():
    table = post_table(
        {},
        groups=2,
        by_group={(0, 0, 0, 1): 2, (0, 1, 1, 0): 2, (1, 0, 1, 1): 1, (1, 1, 0, 1): 1, (1, 1, 0, 0): 1},
    )
    # group 0: ŷ=1 only a (2), ŷ=0 only d (2) → DD0 = 1 − 0 = 1 ; group 1: ŷ=1: a 1, d 1 → A = 1/2; ŷ=0: d 1 → D = 1
    assert post("CDDPL", table) == pytest.approx((4 * 1 + 3 * (1 - 1 / 2)) / 7)
