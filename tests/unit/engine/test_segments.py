"""``segment_config`` read the SDK's way: N lists → N + 1 segments, intervals or values, aliases; bad entries
name the item."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.bias.profile import ColumnProfile
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.segments import (
    DEFAULT_SEGMENT,
    parse_segment_configs,
    resolve_memberships,
)


def profile_of(values: list) -> ColumnProfile:
    profile = ColumnProfile("c", 1000)
    profile.update(pa.array(values))
    return profile


def codes(entry: dict, values: list, warnings: list | None = None) -> list[int]:
    specs = parse_segment_configs([entry])
    profiles = {"c": profile_of(values)}
    (membership,) = resolve_memberships(
        specs, ["c"], profiles, (warnings if warnings is not None else []).append
    )
    return membership.codes(pd.Series(values)).tolist()


def test_n_value_lists_give_n_plus_one_segments_with_the_rest_in_the_default_one():
    (spec,) = parse_segment_configs([{"name_or_index": "c", "segments": [["A", "B"], ["C"]]}])
    assert [s.name for s in spec.segments] == ["A,B", "C", DEFAULT_SEGMENT]
    assert [s.is_default for s in spec.segments] == [False, False, True]
    assert not spec.continuous
    assert codes({"name_or_index": "c", "segments": [["A", "B"], ["C"]]}, ["A", "C", "D", None, "B"]) == [
        0,
        1,
        2,
        2,
        0,
    ]


def test_intervals_with_open_and_closed_ends_and_several_per_segment():
    entry = {"name_or_index": "c", "segments": [["[1, 4]", "(5, 6]"], ["(7, 9)"]]}
    (spec,) = parse_segment_configs([entry])
    assert spec.continuous and [s.name for s in spec.segments] == ["[1, 4],(5, 6]", "(7, 9)", DEFAULT_SEGMENT]
    values = [1, 4, 4.5, 5, 6, 7, 8.5, 9, 0, None]
    assert codes(entry, values) == [0, 0, 2, 2, 0, 2, 1, 2, 2, 2]


def test_infinite_ends_are_allowed():
    entry = {"name_or_index": "c", "segments": [["[-inf, 0)"], ["[0, inf]"]]}
    assert codes(entry, [-5.0, 0.0, 1e300, np.nan]) == [0, 1, 1, 2]


def test_aliases_name_the_segments_and_optionally_the_default_one():
    (spec,) = parse_segment_configs(
        [{"name_or_index": "c", "segments": [["A"], ["B"]], "display_aliases": ["first", "second"]}]
    )
    assert [s.name for s in spec.segments] == ["first", "second", DEFAULT_SEGMENT]
    (spec,) = parse_segment_configs(
        [
            {
                "name_or_index": "c",
                "segments": [["A"]],
                "display_aliases": ["first", "others"],
                "config_name": "cfg",
            }
        ]
    )
    assert [s.name for s in spec.segments] == ["first", "others"] and spec.config_name == "cfg"


def test_categorical_values_are_converted_to_the_columns_type_when_none_occurs_as_given():
    warnings: list[str] = []
    assert codes({"name_or_index": "c", "segments": [["1", "2"]]}, [1, 2, 3, 1], warnings) == [0, 0, 1, 0]
    assert len(warnings) == 1 and "segment_config[0].segments[0]" in warnings[0]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"segments": [["A"]]}, "segment_config[0].name_or_index"),
        ({"name_or_index": "c", "segments": []}, "segment_config[0].segments: must be a non-empty list"),
        ({"name_or_index": "c", "segments": [[]]}, "non-empty lists"),
        ({"name_or_index": "c", "segments": ["A"]}, "non-empty lists"),
        ({"name_or_index": "c", "segments": [["[1, 2]", "A"]]}, "mixes intervals and plain values"),
        (
            {"name_or_index": "c", "segments": [["[3, 1]"]]},
            "segment_config[0].segments[0][0]: '[3, 1]' is empty",
        ),
        ({"name_or_index": "c", "segments": [["(1, 1]"]]}, "a single value is written [v, v]"),
        ({"name_or_index": "c", "segments": [["[a, 2]"]]}, "not a number"),
        ({"name_or_index": "c", "segments": [["[0, 10]"], ["[10, 20]"]]}, "overlap"),
        ({"name_or_index": "c", "segments": [["A", "B"], ["B"]]}, "segments 'A,B' and 'B' overlap"),
        ({"name_or_index": "c", "segments": [["A"], ["B"]], "display_aliases": ["x"]}, "give 2 (one per"),
        ({"name_or_index": "c", "segments": [["A"], ["B"]], "display_aliases": ["x", "x"]}, "repeat"),
        ({"name_or_index": "c", "segments": [["A"]], "display_aliases": ["__default__"]}, "repeat"),
        ({"name_or_index": "c", "segments": [["A"]], "config_name": ""}, "config_name"),
    ],
)
def test_bad_entries_name_the_item(entry, message):
    with pytest.raises(AnalysisError) as caught:
        parse_segment_configs([entry])
    assert message in caught.value.reason


def test_touching_half_open_intervals_do_not_overlap():
    (spec,) = parse_segment_configs([{"name_or_index": "c", "segments": [["[0, 10)"], ["[10, 20)"]]}])
    assert len(spec.segments) == 3


def test_two_configs_need_distinct_names():
    specs = parse_segment_configs(
        [{"name_or_index": "c", "segments": [["A"]]}, {"name_or_index": "c", "segments": [["B"]]}]
    )
    with pytest.raises(AnalysisError, match="give each a distinct config_name"):
        resolve_memberships(specs, ["c", "c"], {"c": profile_of(["A", "B"])}, print)


def test_no_key_no_segments():
    assert parse_segment_configs(None) == []
