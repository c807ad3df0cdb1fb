"""Streaming column profiles: kind, counts, distinct values in first-appearance order, maximum, the cap."""

from __future__ import annotations

import math

import pyarrow as pa

from airflow_provider_clarify.engine.bias.profile import ColumnProfile, arrow_kind, python_value, unify_kinds


def test_profile_accumulates_over_chunks():
    profile = ColumnProfile("age", cap=10)
    profile.update(pa.chunked_array([pa.array([3, 1, None], pa.int64())]))
    profile.update(pa.array([3.5, float("nan")]))
    assert profile.kind == "float" and profile.rows == 5 and profile.non_null == 3
    assert profile.values == {3: 1, 1: 1, 3.5: 1} and profile.distinct == 3
    assert profile.maximum == 3.5


def test_text_that_parses_as_integers_and_the_cap():
    profile = ColumnProfile("code", cap=2)
    profile.update(pa.array(["10", "7", "10"]))
    assert profile.kind == "string" and profile.int_castable and profile.maximum == 10
    profile.update(pa.array(["x"]))
    assert not profile.int_castable
    assert profile.values is None and profile.distinct == 3  # past the cap: no values kept, distinct > cap


def test_kinds_unify_like_pandas_concat():
    assert arrow_kind(pa.int32()) == "int" and arrow_kind(pa.dictionary(pa.int8(), pa.string())) == "category"
    assert unify_kinds("int", "float") == "float" and unify_kinds("null", "bool") == "bool"
    assert unify_kinds("int", "string") == "string" and unify_kinds("float", "null") == "float"
    assert python_value(math.nan) is None and python_value(2) == 2
