"""The batched post-training formulas against the reference re-statement (tests/.../formulas.py), bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airflow_provider_clarify.engine.bias.posttraining import (
    POST_TRAINING_BATCH_FUNCTIONS,
    POST_TRAINING_FUNCTIONS,
)
from airflow_provider_clarify.engine.bias.tables import PredictionTable, PredictionTables

from .formulas import POST_TRAINING, outcome, posttraining
from .random_tables import prediction_tables
from .test_pretraining import batch_outcome


def test_every_count_based_post_training_metric_has_a_batched_formula():
    assert sorted(POST_TRAINING_BATCH_FUNCTIONS) == sorted(POST_TRAINING)
    assert "FT" not in POST_TRAINING_FUNCTIONS


@pytest.mark.parametrize("has_group", [True, False])
@pytest.mark.parametrize("groups", [1, 2, 9, 150])
def test_batched_values_are_bit_identical_to_the_spec_formulas(groups, has_group):
    tables = prediction_tables(groups, 400 if groups < 100 else 60, seed=100 + groups * 2 + has_group)
    batch = PredictionTables(tables, has_group)
    infinite: dict[str, set[float]] = {}
    errors: dict[str, set[str]] = {}
    both_infinite_zero = 0
    for name in POST_TRAINING:
        values = POST_TRAINING_BATCH_FUNCTIONS[name](batch)
        for index, table in enumerate(tables):
            expected = outcome(posttraining, name, table.tolist(), has_group)
            assert batch_outcome(values, index) == expected, (name, table.tolist())
            if expected[0] == "error":
                errors.setdefault(name, set()).add(str(expected[1]))
            elif math.isinf(value := float(np.frombuffer(expected[1], dtype=np.float64)[0])):
                infinite.setdefault(name, set()).add(value)
            if name == "TE" and expected[0] == "value":
                fp = table[:, :, 0, 1].sum(axis=0)
                fn = table[:, :, 1, 0].sum(axis=0)
                both_infinite_zero += bool((fp == 0).all() and (fn > 0).all())
    # Not vacuous: the sweep produced +∞ and −∞, the both-∞ rule and every error text.
    assert infinite["TE"] == {math.inf, -math.inf} and math.inf in infinite["DCA"]
    assert both_infinite_zero > 0
    assert errors["DCA"] == {"DCO: Facet set is empty", "DCO: Negated Facet set is empty"}
    assert errors["RD"] == {"DLA: Facet set is empty", "DLA: Negated Facet set is empty"}
    assert errors["DAR"] == {"DLR: Facet set is empty", "DLR: Negated Facet set is empty"}
    assert errors["DI"] == {"Facet set is empty", "Negated facet set is empty"}
    assert len(errors["GE"]) == 2


@pytest.mark.parametrize("groups", [1, 9])
def test_point_estimates_are_the_batch_of_one(groups):
    tables = prediction_tables(groups, 120, seed=11 + groups)
    for name in POST_TRAINING:
        for table in tables:
            expected = outcome(posttraining, name, table.tolist(), True)
            assert outcome(POST_TRAINING_FUNCTIONS[name], PredictionTable(table, True)) == expected, name


def test_facet_d_is_checked_before_facet_a_where_the_reference_does():
    both_empty = PredictionTable(np.zeros((1, 2, 2, 2), dtype=np.int64), False)
    with pytest.raises(ValueError, match=r"^DLA: Facet set is empty$"):
        POST_TRAINING_FUNCTIONS["RD"](both_empty)
    with pytest.raises(ValueError, match=r"^Negated facet set is empty$"):
        POST_TRAINING_FUNCTIONS["DI"](both_empty)
    with pytest.raises(ValueError, match=r"^Negative facet set is empty\.$"):
        POST_TRAINING_FUNCTIONS["DPPL"](both_empty)
    with pytest.raises(ValueError, match=r"^dataset must be non-empty$"):
        POST_TRAINING_FUNCTIONS["GE"](both_empty)


def test_ge_squares_like_python_floats_not_like_x_times_x():
    # For about 1 in 1,000 doubles pow(x, 2) and x * x differ in the last bit; GE must take pow (the reference's
    # ``** alpha``). Find tables whose GE ratios hit such a value, and check the batch reproduces pow there.
    rng = np.random.default_rng(3)
    tables = rng.integers(1, 10**6, (4000, 1, 2, 2, 2))
    n = tables.sum(axis=(1, 2))  # (r, y, ŷ)
    mean = ((n[:, 0, 0] + n[:, 1, 1]) + 2 * n[:, 0, 1]) / n.sum(axis=(1, 2))
    ratio = 1 / mean
    differs = np.array([r**2 != r * r for r in ratio.tolist()])
    assert differs.any()
    values = POST_TRAINING_BATCH_FUNCTIONS["GE"](PredictionTables(tables, False))
    for index in np.flatnonzero(differs)[:20]:
        assert batch_outcome(values, index) == outcome(posttraining, "GE", tables[index].tolist(), False)
