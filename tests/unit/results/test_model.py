"""ClarifyResult look-ups: metric values by name / facet / value / stage, errors that name what exists, flat rows."""

from __future__ import annotations

import math

import pytest

from airflow_provider_clarify.results import (
    ClarifyResult,
    ClarifyResultError,
)
from tests.unit.results import analysis_samples as samples


def test_bias_values_and_lookups():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    assert result.metric("DI", facet="sex", value="Female", stage="post_training") == 0.35
    assert result.metric("DI") == 0.35  # only one DI entry: no filter needed
    assert result.metric("ci", facet="age") == 0.12  # metric names are case-insensitive
    assert result.metric("CI", facet="sex", stage="pre-training") == 0.3384
    assert result.facets() == ["sex", "age"]
    assert result.facet_values("age") == ["(40, 90]"]
    assert result.metric_names("post_training") == ["DI", "DPPL"]
    section = result.bias["pre_training"]
    assert (section.label, section.label_value_or_threshold) == ("income", ">50K")


def test_lookup_errors_name_what_exists():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    with pytest.raises(ClarifyResultError, match=r"matches 2 entries"):
        result.metric("CI")
    with pytest.raises(ClarifyResultError, match=r"'XYZ' is not in this result \(not a Clarify bias metric"):
        result.metric("XYZ")
    with pytest.raises(
        ClarifyResultError, match=r"'KL' is not in this result\. The result holds: pre_training"
    ):
        result.metric("KL")
    with pytest.raises(ClarifyResultError, match=r"facet 'race' is not in this result; facets: \['sex'\]"):
        result.metric("DI", facet="race")
    with pytest.raises(ClarifyResultError, match=r"no value 'Male'.*\['Female'\]"):
        result.metric("DI", facet="sex", value="Male")
    with pytest.raises(ClarifyResultError, match="unknown stage"):
        result.metric("DI", stage="training")


def test_rows_are_flat_with_non_clashing_keys():
    rows = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES).row_dicts()
    assert rows[0] == {
        "stage": "post_training",
        "label": "y",
        "label_value": "1",
        "facet": "group",
        "facet_value": "a",
        "metric": "CDDPL",
        "description": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
        "value": None,
        "error": "Group variable is empty or not provided",
    }
    assert [(r["facet_value"], r["metric"], r["value"]) for r in rows[1:]] == [
        ("a", "DCA", -math.inf),
        ("a", "DI", math.inf),
        ("a", "TE", 0.0),
        ("b", "DI", 0.0),
    ]


def test_numeric_facet_values_match_their_string_form():
    document = {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": "y",
            "label_value_or_threshold": "1",
            "facets": {"gender": [{"value_or_threshold": "0", "metrics": [{"name": "CI", "value": -0.5}]}]},
        },
    }
    result = ClarifyResult.from_analysis(document)
    assert result.metric("CI", facet="gender", value=0) == -0.5
    assert result.metric_entry("CI").description == "Class Imbalance (CI)"


def test_facet_value_is_named_as_in_gate_rules_and_rows():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    assert result.metric("DI", facet="sex", facet_value="Female") == 0.35
    assert result.metric("DI", "sex", "Female", "post_training") == 0.35  # the third argument, positionally
    assert result.metric_entry("DI", facet="sex", facet_value="Female").facet_value == "Female"
    assert [row.metric for row in result.find_metrics(facet="sex", facet_value="Female")] == [
        "CI",
        "DPL",
        "DI",
        "DPPL",
    ]
    with pytest.raises(ClarifyResultError, match=r"facet 'sex' has no value 'Male'.*\['Female'\]"):
        result.metric("DI", facet="sex", facet_value="Male")
    with pytest.raises(ClarifyResultError, match="pass facet=, facet_value= and/or stage= to pick one"):
        result.metric("CI")


def test_value_is_a_deprecated_alias_of_facet_value():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    with pytest.warns(DeprecationWarning, match="facet_value="):
        assert result.metric("DI", facet="sex", value="Female") == 0.35
    with pytest.warns(DeprecationWarning):
        assert result.metric("DI", facet="sex", facet_value="Female", value="Female") == 0.35
    with pytest.warns(DeprecationWarning), pytest.raises(ClarifyResultError, match="disagree"):
        result.metric("DI", facet="sex", facet_value="Female", value="Male")
