"""Type inference, thresholds, intervals and value matching, as the reference reads label and facet values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.bias.encoding import (
    CATEGORICAL,
    CONTINUOUS,
    CategoricalEncoder,
    ContinuousEncoder,
    infer_series_type,
    interval_breaks,
    interval_text,
    match_values,
    numeric_threshold,
    typed_max,
)
from airflow_provider_clarify.engine.bias.profile import ColumnProfile
from airflow_provider_clarify.engine.errors import AnalysisError


def profile_of(values, name="c") -> ColumnProfile:
    profile = ColumnProfile(name, cap=1000)
    profile.update(pa.array(values))
    return profile


def test_type_inference_rules():
    warnings: list[str] = []
    assert (
        infer_series_type(profile_of([0.5, 1.5]), [1], "label", strict=True, warn=warnings.append)
        == CONTINUOUS
    )
    assert (
        infer_series_type(profile_of(["a", "b"]), None, "facet", strict=True, warn=warnings.append)
        == CATEGORICAL
    )
    many = list(range(100))  # 100 % unique integers: continuous
    assert infer_series_type(profile_of(many), [50], "facet", strict=True, warn=warnings.append) == CONTINUOUS
    assert (
        infer_series_type(profile_of(many), [1, 2], "facet", strict=True, warn=warnings.append) == CATEGORICAL
    )
    assert warnings == []
    tiny = [0, 1, 1, 0]  # 2 distinct / 4 rows = 50 % unique: the reference reads a 0/1 label as continuous
    assert infer_series_type(profile_of(tiny), [1], "label", strict=True, warn=warnings.append) == CONTINUOUS
    assert (
        infer_series_type(profile_of(tiny), [1], "label", strict=False, warn=warnings.append) == CATEGORICAL
    )
    assert len(warnings) == 2 and "continuous" in warnings[0]


def test_threshold_intervals_and_their_text():
    assert numeric_threshold(["40"], "facet[0].value_or_threshold", required_message="") == 40.0
    with pytest.raises(AnalysisError, match="single numeric threshold"):
        numeric_threshold(["high"], "facet[0].value_or_threshold", required_message="")
    with pytest.raises(AnalysisError, match="facet: give one"):
        numeric_threshold([], "facet", required_message="give one")
    profile = profile_of([10, 68, 40])
    assert typed_max(profile) == np.int64(68)
    breaks = interval_breaks(40, typed_max(profile))
    assert breaks == [40, 68] and interval_text(breaks) == "(40, 68]"
    encoded = ContinuousEncoder(tuple(breaks))(pd.Series([40, 41, 68, 69, None]))
    assert encoded.tolist() == [False, True, True, False, False]


def test_categorical_values_are_converted_to_the_column_type_with_a_warning():
    warnings: list[str] = []
    profile = profile_of([1, 2, 1])
    assert match_values(profile, ["1"], "facet[0].value_or_threshold", warnings.append) == (1,)
    assert len(warnings) == 1 and "converted them to the column's type (int)" in warnings[0]
    assert match_values(profile, [2], "facet", warnings.append) == (2,) and len(warnings) == 1
    assert CategoricalEncoder((1,))(pd.Series([1, 2, None], dtype=object)).tolist() == [True, False, False]
