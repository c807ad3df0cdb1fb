"""What a run adds per segment is merged into one document; memberships are resolved once and shared."""

from __future__ import annotations

import pandas as pd

from airflow_provider_clarify.engine.segment_results import SegmentResults
from airflow_provider_clarify.engine.segments import parse_segment_configs


def test_parts_are_merged_per_segment_and_every_segment_is_listed():
    specs = parse_segment_configs([{"name_or_index": 2, "segments": [["a"]], "config_name": "letters"}])
    results = SegmentResults(specs, ["col"], print)
    results.add(0, 0, {"pre_training_bias_metrics": {"facets": {}}})
    results.add(0, 0, {"explanations": {"kernel_shap": {"y": {}}}})
    results.add(0, 1, {"explanations": {"error": "none"}})
    assert results.document() == {
        "version": "1.0",
        "segment_configs": [
            {
                "config_name": "letters",
                "name_or_index": 2,
                "column": "col",
                "segments": [
                    {
                        "name": "a",
                        "values": ["a"],
                        "is_default": False,
                        "pre_training_bias_metrics": {"facets": {}},
                        "explanations": {"kernel_shap": {"y": {}}},
                    },
                    {
                        "name": "__default__",
                        "values": [],
                        "is_default": True,
                        "explanations": {"error": "none"},
                    },
                ],
            }
        ],
    }


def test_memberships_are_resolved_once_from_profiles_or_from_the_frame():
    specs = parse_segment_configs([{"name_or_index": "c", "segments": [["1"]]}])
    warnings: list[str] = []
    results = SegmentResults(specs, ["c"], warnings.append)
    (membership,) = results.resolve_from(pd.DataFrame({"c": [1, 2, 1]}))
    assert membership.name == "c"  # no config_name: named after the column
    assert membership.codes(pd.Series([1, 2, None])).tolist() == [0, 1, 1]
    assert results.resolve_from(pd.DataFrame({"c": ["x"]})) is results.memberships  # not resolved again
    assert len(warnings) == 1  # the string "1" was converted to the column's int type, once
