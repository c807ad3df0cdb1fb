"""The compact summary of time-series explanations (what XCom carries): every mean worked out by hand from the
lines written in each test."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.engine.timeseries.summary import (
    DEFAULT_TOP_K,
    summarize_explanations,
    summarize_explanations_file,
)

TIMEWISE = [
    {
        "item_id": "a",
        "offset": [0, 0],
        "explanations": [
            {"timestamp": "d1", "scores": [1, -3]},  # mean |score| over the horizon: 2
            {"timestamp": "d2", "scores": [0.5, 0.5]},  # 0.5
        ],
    },
    {
        "item_id": "b",
        "offset": [0, 0],
        "explanations": [
            {"timestamp": "d1", "scores": [0, 0]},  # 0: d1 over the two items that have it: (2 + 0) / 2 = 1
            {"timestamp": "d3", "scores": [4, -4]},  # 4
        ],
    },
]
FINE = [
    {
        "item_id": "a",
        "offset": [0],
        "explanations": [
            {"feature_name": "sales", "timestamp": 1, "scores": [1]},
            {"feature_name": "sales", "timestamp": 2, "scores": [-2]},
            {"feature_name": "price", "timestamp": 1, "scores": [0.5]},
            {"feature_name": "size", "scores": [-10]},
        ],
    },
    {
        "item_id": "b",
        "offset": [0, 1],
        "explanations": [{"feature_name": "sales", "timestamp": 1, "scores": [1, 1]}],
    },
]


def test_timewise_ranks_time_steps_by_mean_absolute_score():
    assert summarize_explanations(TIMEWISE, direction="chronological", top_k=2) == {
        "items": 2,
        "horizon": 2,
        "direction": "chronological",
        "granularity": "timewise",
        "top_time_steps": [
            {"timestamp": "d3", "mean_abs_score": 4.0},
            {"timestamp": "d1", "mean_abs_score": 1.0},
        ],
    }


def test_fine_grained_ranks_features_by_their_total_per_item():
    assert summarize_explanations(FINE) == {
        "items": 2,
        "horizon": 2,
        "horizons": [1, 2],  # items with different horizons say so
        "direction": None,
        "granularity": "fine_grained",  # inferred from feature_name
        "top_features": [
            {"feature_name": "size", "mean_abs_score": 10.0},  # one item: 10
            {"feature_name": "sales", "mean_abs_score": 2.0},  # item a: 1 + 2, item b: 1 → (3 + 1) / 2
            {"feature_name": "price", "mean_abs_score": 0.5},
        ],
    }


def test_timestamps_of_different_json_kinds_are_different_steps():
    lines = [
        {"item_id": "a", "offset": [0], "explanations": [{"timestamp": 1, "scores": [2]}]},
        {"item_id": "b", "offset": [0], "explanations": [{"timestamp": "1", "scores": [6]}]},
    ]
    assert summarize_explanations(lines)["top_time_steps"] == [
        {"timestamp": "1", "mean_abs_score": 6.0},
        {"timestamp": 1, "mean_abs_score": 2.0},
    ]


@pytest.mark.parametrize(("top_k", "count"), [(0, 0), (-3, 0), (1, 1), (50, 3)])
def test_top_k_bounds_the_list(top_k, count):
    assert len(summarize_explanations(TIMEWISE, top_k=top_k)["top_time_steps"]) == count


def test_the_default_keeps_ten():
    lines = [
        {
            "item_id": "a",
            "offset": [0],
            "explanations": [{"timestamp": t, "scores": [float(t)]} for t in range(15)],
        }
    ]
    top = summarize_explanations(lines)["top_time_steps"]
    assert DEFAULT_TOP_K == 10 and [entry["timestamp"] for entry in top] == list(range(14, 4, -1))


def test_no_lines_and_lines_without_explanations():
    assert summarize_explanations([]) == {
        "items": 0,
        "horizon": 0,
        "direction": None,
        "granularity": "timewise",
        "top_time_steps": [],
    }
    empty = summarize_explanations([{"item_id": "a", "offset": [1, 2, 3], "explanations": []}])
    assert (empty["items"], empty["horizon"], empty["top_time_steps"]) == (1, 3, [])


def test_a_given_granularity_wins_over_inference():
    summary = summarize_explanations(FINE, direction="chronological", granularity="fine_grained", top_k=1)
    assert summary["granularity"] == "fine_grained" and summary["direction"] == "chronological"
    assert summary["top_features"] == [{"feature_name": "size", "mean_abs_score": 10.0}]


def test_summary_of_a_file_read_line_by_line(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in TIMEWISE) + "\n\n")  # a blank line is skipped
    assert summarize_explanations_file(path, direction="chronological", top_k=2) == summarize_explanations(
        TIMEWISE, direction="chronological", top_k=2
    )
