"""Facet groups and label encoders from the profiles: d-groups, one-vs-rest order, continuous thresholds."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.bias.groups import facet_groups, group_codes, label_encoders
from airflow_provider_clarify.engine.bias.profile import ColumnProfile
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.roles import ColumnRoles, FacetRole


def profile_of(name: str, values: list) -> ColumnProfile:
    profile = ColumnProfile(name, cap=1000)
    profile.update(pa.array(values))
    return profile


def test_one_vs_rest_in_order_of_first_appearance_and_a_given_group():
    profiles = {"race": profile_of("race", ["b", "a", "b", "c"])}
    roles = ColumnRoles(
        None, None, [FacetRole("race", None, 0), FacetRole("race", ["a", "c"], 1)], None, None, [], []
    )
    groups = facet_groups(roles, profiles, strict=True, warn=lambda message: None)
    assert [group.text for group in groups] == ["b", "a", "c", "a,c"]
    assert groups[3].encoder(pd.Series(["a", "b", "c"], dtype=object)).tolist() == [True, False, True]


def test_continuous_label_threshold_and_its_text():
    profiles = {"score": profile_of("score", [float(v) for v in range(100)])}
    encoders, text = label_encoders(profiles, "score", None, [50], strict=True, warn=lambda message: None)
    assert text == "(50.0, 99.0]"  # pandas intervals over an int threshold and a float maximum are float
    assert encoders.label_encoder(pd.Series([50.0, 50.5, 99.0])).tolist() == [False, True, True]


def test_predicted_labels_must_be_of_the_labels_kind():
    profiles = {"y": profile_of("y", ["yes", "no"] * 10), "p": profile_of("p", [float(v) for v in range(20)])}
    with pytest.raises(AnalysisError, match="predicted_label: Predicted Label Column series datatype"):
        label_encoders(profiles, "y", "p", ["yes"], strict=True, warn=lambda message: None)


def test_group_codes_sorted_and_too_many_groups():
    assert group_codes(profile_of("zip", ["b", "a", "b"])) == {"a": 0, "b": 1}
    crowded = ColumnProfile("zip", cap=1)
    crowded.update(pa.array(["a", "b"]))
    with pytest.raises(AnalysisError, match="group_variable: column 'zip' has more than 1 distinct values"):
        group_codes(crowded)
