"""One rule turns a name-or-index config value into a column, failing with the field and the columns."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine.data.columns import column_name, generated_names
from airflow_provider_clarify.engine.errors import AnalysisError

NAMES = ["age", "sex", "label"]


def test_names_and_indices_resolve():
    assert column_name("sex", NAMES, "facet[0].name_or_index", "the dataset") == "sex"
    assert column_name(2, NAMES, "label", "the dataset") == "label"
    assert generated_names(3) == ["column_0", "column_1", "column_2"]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("gender", "column 'gender' is not in the dataset; available columns: ['age', 'sex', 'label']"),
        (3, "index 3 is out of range; the dataset has 3 column(s) (0..2)"),
        (-1, "index -1 is out of range"),
        (True, "True is neither a column name nor a 0-based index"),
    ],
)
def test_bad_values_name_the_field_and_the_columns(value, fragment):
    with pytest.raises(AnalysisError) as caught:
        column_name(value, NAMES, "group_variable", "the dataset")
    assert caught.value.reason.startswith("group_variable: ")
    assert fragment in caught.value.reason


def test_a_misspelt_name_gets_did_you_mean():
    with pytest.raises(AnalysisError) as caught:
        column_name("Sex", NAMES, "facet[0].name_or_index", "the dataset")
    assert caught.value.reason == (
        "facet[0].name_or_index: column 'Sex' is not in the dataset; available columns: ['age', 'sex', 'label']; "
        "did you mean 'sex'?"
    )


def test_a_name_among_generated_columns_says_the_data_has_no_header_row():
    with pytest.raises(AnalysisError) as caught:
        column_name("label", generated_names(3), "label", "the dataset")
    assert caught.value.reason.endswith(
        "The data has no header row (its first row holds values), so its columns are named column_0 … "
        "column_2: set headers to the column names in file order, or give 0-based indices"
    )
