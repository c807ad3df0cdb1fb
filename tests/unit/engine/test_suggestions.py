"""'Did you mean' and the value displays of engine messages."""

from __future__ import annotations

from airflow_provider_clarify.engine.suggestions import (
    did_you_mean,
    did_you_mean_values,
    headerless_hint,
    is_generated,
    shown,
    suggestion_for,
)


def test_the_closest_spelling_whatever_the_case():
    assert did_you_mean("Race", ["id", "race", "sex"]) == "; did you mean 'race'?"
    assert did_you_mean("ID", ["id", "race"]) == "; did you mean 'id'?"
    assert suggestion_for("African American", ["African-American", "Caucasian"]) == "African-American"
    assert did_you_mean("income", ["id", "race"]) == ""
    assert suggestion_for("race", ["race"]) is None  # the same word is no suggestion


def test_a_yes_no_word_for_a_binary_column():
    assert suggestion_for("yes", [0, 1]) == 1
    assert suggestion_for("No", [1, 0]) == 0
    assert suggestion_for("true", [True, False]) is True
    assert suggestion_for("yes", [0, 1, 2]) is None
    assert did_you_mean_values(["yes"], [0, 1]) == "; did you mean [1]?"
    assert did_you_mean_values(["yes", "maybe"], [0, 1]) == ""  # only when every value has a suggestion


def test_generated_names_mean_no_header_row():
    assert is_generated(["column_0", "column_1"])
    assert is_generated(["column_0", "column_1", "label0", "predicted_label"])  # JSON data without headers
    assert not is_generated(["id", "column_1"])
    assert not is_generated([])
    hint = headerless_hint(["column_0", "column_1", "column_2"])
    assert "no header row" in hint and "column_0 … column_2: set headers" in hint
    assert headerless_hint(["age", "sex"]) == ""


def test_values_are_shown_sorted_and_elided():
    assert shown([3, 1, 2]) == "[1, 2, 3]"
    assert shown(range(65, 0, -1)) == "[1, 2, 3, 4, 5, 6, 7, 8, 9, …, 65] (65 values)"
    assert shown(range(20), count=False) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, …, 19]"
    assert shown(["b", 1]) == "['b', 1]"  # mixed types keep their order
