"""Numbers of analysis.json read back: the infinity spellings, null for NaN, and errors that say where."""

from __future__ import annotations

import math

import pytest

from airflow_provider_clarify.results import ClarifyResultError
from airflow_provider_clarify.results.numbers import is_number, parse_number, required_number


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (0.25, 0.25),
        (3, 3.0),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        (None, None),
        (math.nan, None),
    ],
)
def test_numbers_and_their_json_spellings(value, number):
    assert parse_number(value, "x") == number


@pytest.mark.parametrize("value", [True, "0.5", "high", [1]])
def test_anything_else_is_an_error_naming_where_it_was(value):
    with pytest.raises(
        ClarifyResultError, match=r"^post_training_bias_metrics\.facets\.sex\[0\]: expected a number"
    ):
        parse_number(value, "post_training_bias_metrics.facets.sex[0]")


def test_a_required_number_keeps_null_as_nan():
    assert math.isnan(required_number(None, "x"))
    assert required_number("-Infinity", "x") == -math.inf


def test_pdp_grid_values_are_numbers_or_infinities_not_categories():
    assert [is_number(v) for v in (1, 2.5, "Infinity", "-Infinity", "Private", True, None)] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
