"""The batched pre-training formulas against the reference re-statement (tests/.../formulas.py), bit for bit.

Every table of a batch (random counts and edge cases) must give exactly the float the reference formulas give in
Python arithmetic, or the same error text, and the point-estimate functions (a batch of one) must agree too.
"""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.engine.bias.pretraining import (
    PRE_TRAINING_BATCH_FUNCTIONS,
    PRE_TRAINING_FUNCTIONS,
)
from airflow_provider_clarify.engine.bias.tables import LabelTable, LabelTables

from .formulas import PRE_TRAINING, outcome, pretraining
from .random_tables import prediction_tables


def batch_outcome(values, index: int) -> tuple[str, object]:
    message = values.message(index)
    return ("error", message) if message else ("value", np.float64(values.values[index]).tobytes())


def test_every_pre_training_metric_has_a_batched_formula():
    assert sorted(PRE_TRAINING_BATCH_FUNCTIONS) == sorted(PRE_TRAINING)
    assert sorted(PRE_TRAINING_FUNCTIONS) == sorted(PRE_TRAINING)


@pytest.mark.parametrize("has_group", [True, False])
@pytest.mark.parametrize("groups", [1, 2, 9, 150])
def test_batched_values_are_bit_identical_to_the_spec_formulas(groups, has_group):
    tables = prediction_tables(groups, 400 if groups < 100 else 60, seed=groups * 2 + has_group).sum(axis=4)
    batch = LabelTables(tables, has_group)
    seen: dict[str, set[str]] = {}
    for name in PRE_TRAINING:
        values = PRE_TRAINING_BATCH_FUNCTIONS[name](batch)
        assert values.values.shape == (len(tables),)
        for index, table in enumerate(tables):
            expected = outcome(pretraining, name, table.tolist(), has_group)
            assert batch_outcome(values, index) == expected, (name, table.tolist())
            seen.setdefault(name, set()).add(expected[1] if expected[0] == "error" else "value")
    # The sweep reached every error of every metric (so agreement is not vacuous).
    assert {"value", "No instance of common facet found, dataset may be too small"} <= seen["KL"]
    assert len(seen["CI"]) == 3 and len(seen["DPL"]) == 3
    cdd_errors = {
        "Group variable is empty or not provided",
        "No positive labels in set",
        "No negative labels in set",
    }
    assert (
        cdd_errors <= seen["CDDL"]
        if has_group
        else seen["CDDL"] == {"Group variable is empty or not provided"}
    )


@pytest.mark.parametrize("groups", [1, 9])
def test_point_estimates_are_the_batch_of_one(groups):
    tables = prediction_tables(groups, 120, seed=7 + groups).sum(axis=4)
    for name in PRE_TRAINING:
        for table in tables:
            expected = outcome(pretraining, name, table.tolist(), True)
            assert outcome(PRE_TRAINING_FUNCTIONS[name], LabelTable(table, True)) == expected, (
                name,
                table.tolist(),
            )


def test_errors_keep_the_reference_texts_on_the_point_estimate():
    empty_d = LabelTable(np.array([[[3, 2], [0, 0]]]), False)
    with pytest.raises(
        ValueError, match=r"^CI: facet set is empty\. Check that x\[facet\] has non-zero length\.$"
    ):
        PRE_TRAINING_FUNCTIONS["CI"](empty_d)
    with pytest.raises(ValueError, match=r"^Facet set is empty\.$"):
        PRE_TRAINING_FUNCTIONS["DPL"](empty_d)
    with pytest.raises(ValueError, match=r"^Group variable is empty or not provided$"):
        PRE_TRAINING_FUNCTIONS["CDDL"](LabelTable(np.array([[[3, 2], [1, 1]]]), False))
    with pytest.raises(ValueError, match=r"^No positive labels in set$"):
        PRE_TRAINING_FUNCTIONS["CDDL"](LabelTable(np.array([[[3, 0], [1, 0]], [[2, 0], [2, 0]]]), True))


def test_distribution_metrics_on_a_hand_worked_table():
    # facet a: 2 negative, 4 positive; facet d: 3 negative, 1 positive (reference §9.1: KS = TVD = |DPL|, LP = √2·|DPL|).
    table = LabelTables(np.array([[[[2, 4], [3, 1]]]]), False)
    dpl = 4 / 6 - 1 / 4
    assert PRE_TRAINING_BATCH_FUNCTIONS["DPL"](table).single() == pytest.approx(dpl)
    assert PRE_TRAINING_BATCH_FUNCTIONS["KS"](table).single() == pytest.approx(dpl)
    assert PRE_TRAINING_BATCH_FUNCTIONS["TVD"](table).single() == pytest.approx(dpl)
    assert PRE_TRAINING_BATCH_FUNCTIONS["LP"](table).single() == pytest.approx(2**0.5 * dpl)
