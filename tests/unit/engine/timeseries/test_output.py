"""out.jsonl and the analysis.json entry as the Clarify results page shows them, for hand-computed cases; the
same output from every layout and from integer indexes; no partial output; baselines; warnings; the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError
from airflow_provider_clarify.engine.timeseries import (
    explanation_lines,
    summarize_explanations,
    summarize_explanations_file,
)
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    Item,
    analysis_config,
    nonlinear,
    run_time_series,
    write_dataset,
)


def tiny_model(body: bytes) -> str:
    """f = [y1 + 2·y2, y1·y2] (+ y1·x2 + s when related/static inputs are sent)."""
    out = []
    for record in json.loads(body)["instances"]:
        y = record["target"]
        x = record.get("dynamic_feat", [[0.0, 0.0]])[0]
        s = record.get("cat", [0.0])[0]
        out.append({"mean": [y[0] + 2 * y[1], y[0] * y[1]] if "cat" not in record else [y[0] * x[1] + s]})
    return json.dumps({"predictions": out})


def run(tmp_path: Path, items, model=tiny_model, layout="timestamp_records", warnings=None, **options):
    config = analysis_config(layout, **options)
    dataset = write_dataset(tmp_path, "indexes" if layout == "indexes" else layout, items)
    entry = run_time_series(config, dataset, tmp_path / "out", predictor=model, warnings=warnings)
    return entry, [
        json.loads(text)
        for text in Path(entry["asymmetric_shapley_value"]["explanation_results_path"])
        .read_text()
        .splitlines()
    ]


TWO_STEPS = [Item("a", [1, 2], [2.0, 3.0])]


@pytest.mark.parametrize(
    ("direction", "scores"),
    [
        ("chronological", [[2.0, 0.0], [6.0, 6.0]]),  # v({1}) − v({}) , v({1,2}) − v({1})
        ("anti_chronological", [[2.0, 6.0], [6.0, 0.0]]),  # v({1,2}) − v({2}) , v({2}) − v({})
        ("bidirectional", [[2.0, 3.0], [6.0, 3.0]]),  # the mean of the two
    ],
)
def test_timewise_line_computed_by_hand(tmp_path, direction, scores):
    entry, lines = run(tmp_path, TWO_STEPS, direction=direction, related=0, statics=0)
    assert lines == [
        {
            "item_id": "a",
            "offset": [0.0, 0.0],
            "explanations": [{"timestamp": 1, "scores": scores[0]}, {"timestamp": 2, "scores": scores[1]}],
        }
    ]
    assert entry == {
        "asymmetric_shapley_value": {
            "direction": direction,
            "granularity": "timewise",
            "explanation_results_path": str(
                (
                    tmp_path / "out" / "asymmetric_shapley_value" / f"timewise_{direction}" / "out.jsonl"
                ).resolve()
            ),
        }
    }


def test_fine_grained_line_computed_by_hand(tmp_path):
    # f = y1·x2 + s; baseline zero for series, s → 1. Statics first: s scores 5 − 1 = 4; then step 1 (y1, x1)
    # changes nothing while x2 is at 0; at step 2, x2 adds 2·4 = 8 and y2 nothing. offset f(0, 0, 1) = 1.
    items = [Item("a", [1, 2], [2.0, 3.0], [[1.0, 4.0]], [5])]
    _, lines = run(
        tmp_path,
        items,
        granularity="fine_grained",
        num_samples=5,
        baseline={"static_covariates": {"a": [1]}},
        headers=["id", "day", "units", "price", "size"],
    )
    assert lines == [
        {
            "item_id": "a",
            "offset": [1.0],
            "explanations": [
                {"feature_name": "units", "timestamp": 1, "scores": [0.0]},
                {"feature_name": "units", "timestamp": 2, "scores": [0.0]},
                {"feature_name": "price", "timestamp": 1, "scores": [0.0]},
                {"feature_name": "price", "timestamp": 2, "scores": [8.0]},
                {"feature_name": "size", "scores": [4.0]},
            ],
        }
    ]


@pytest.mark.parametrize("granularity", ["timewise", "fine_grained"])
def test_three_layouts_and_integer_indexes_give_identical_output(tmp_path, granularity):
    options = {"granularity": granularity}
    if granularity == "fine_grained":
        options.update(
            num_samples=1, baseline={"static_covariates": {"store-1": [0], "store-2": [1], "42": [2]}}
        )
    outputs = {}
    for layout in ("columns", "timestamp_records", "item_records", "indexes"):
        (tmp_path / layout).mkdir()
        headers = ["item", "time", "sales", "rel0", "stat0"]  # integer indexes have no names of their own
        _, outputs[layout] = run(
            tmp_path / layout, ITEMS, Forecaster(nonlinear), layout, headers=headers, **options
        )
    reference = outputs.pop("columns")
    assert len(reference) == len(ITEMS)
    for layout, lines in outputs.items():
        assert lines == reference, layout


def test_output_uri_names_the_published_file(tmp_path):
    config = analysis_config(related=1, statics=1)
    dataset = write_dataset(tmp_path, "timestamp_records")
    entry = run_time_series(
        config, dataset, tmp_path / "out", predictor=Forecaster(nonlinear), output_uri="s3://bucket/runs/7/"
    )
    assert entry["asymmetric_shapley_value"]["explanation_results_path"] == (
        "s3://bucket/runs/7/asymmetric_shapley_value/timewise_chronological/out.jsonl"
    )
    assert (tmp_path / "out/asymmetric_shapley_value/timewise_chronological/out.jsonl").is_file()


def test_a_failing_model_leaves_no_partial_output(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("earlier run")
    calls = []

    def flaky(body: bytes) -> str:
        calls.append(1)
        if len(calls) > 1:
            return "not json"
        return Forecaster(nonlinear)(body)

    config = analysis_config()
    dataset = write_dataset(tmp_path, "timestamp_records", ITEMS)
    with pytest.raises(ModelInvocationError):
        run_time_series(
            config, dataset, tmp_path / "out", predictor=flaky, options=EngineOptions(batch_size=3)
        )
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] == ["keep.txt"]


def test_fine_grained_needs_a_static_baseline_for_every_item(tmp_path):
    with pytest.raises(AnalysisError, match=r"no entry for item id\(s\) '42'"):
        run(
            tmp_path,
            ITEMS,
            granularity="fine_grained",
            num_samples=2,
            baseline={"static_covariates": {"store-1": [0], "store-2": [1]}},
        )
    assert not (tmp_path / "out").exists()


def test_baseline_from_a_uri_is_read_and_checked(tmp_path):
    good = tmp_path / "baseline.json"
    good.write_text(json.dumps({"target_time_series": "mean", "static_covariates": {"a": [1]}}))
    items = [Item("a", [1, 2], [2.0, 3.0], [[1.0, 4.0]], [5])]
    _, lines = run(tmp_path, items, granularity="fine_grained", num_samples=5, baseline=str(good))
    # Target baseline mean(2, 3) = 2.5: f = y1·x2 + s at the baseline is 2.5·0 + 1.
    assert lines[0]["offset"] == [1.0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"target_time_series": "median", "static_covariates": {"a": [1, 2]}}))
    (tmp_path / "second").mkdir()
    with pytest.raises(AnalysisError) as caught:
        run(tmp_path / "second", items, granularity="fine_grained", num_samples=5, baseline=str(bad))
    assert "baseline.target_time_series: 'median' is not valid" in str(caught.value)
    assert "baseline.static_covariates.a: has 2 value(s)" in str(caught.value)


def test_warning_for_unused_static_baselines_and_none_for_the_report(tmp_path):
    config = analysis_config(baseline={"static_covariates": {"store-1": [0]}})
    config["methods"]["report"] = {"name": "report", "title": "Analysis Report"}
    load_config(config)  # valid: the SDK writes methods.report into every config
    warnings: list[str] = []
    dataset = write_dataset(tmp_path, "timestamp_records")
    run_time_series(config, dataset, tmp_path / "out", predictor=Forecaster(nonlinear), warnings=warnings)
    # the report is run_analysis's job (docs/time-series.md): explain_time_series neither writes nor warns about it
    assert len(warnings) == 1 and "not used by timewise explanations" in warnings[0]
    assert not list((tmp_path / "out").glob("report.*"))


def test_summary_of_timewise_and_fine_grained_lines():
    timewise = [
        {
            "item_id": "a",
            "offset": [0, 0],
            "explanations": [
                {"timestamp": "d1", "scores": [1, -3]},
                {"timestamp": "d2", "scores": [0.5, 0.5]},
            ],
        },
        {
            "item_id": "b",
            "offset": [0, 0],
            "explanations": [{"timestamp": "d1", "scores": [0, 0]}, {"timestamp": "d3", "scores": [4, 4]}],
        },
    ]
    assert summarize_explanations(timewise, direction="chronological", top_k=2) == {
        "items": 2,
        "horizon": 2,
        "direction": "chronological",
        "granularity": "timewise",
        "top_time_steps": [
            {"timestamp": "d3", "mean_abs_score": 4.0},
            {"timestamp": "d1", "mean_abs_score": 1.0},
        ],
    }
    fine = [
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
    assert summarize_explanations(fine) == {
        "items": 2,
        "horizon": 2,
        "horizons": [1, 2],
        "direction": None,
        "granularity": "fine_grained",
        "top_features": [
            {"feature_name": "size", "mean_abs_score": 10.0},
            {"feature_name": "sales", "mean_abs_score": 2.0},  # (|1| + |-2| + 1) / 2 items
            {"feature_name": "price", "mean_abs_score": 0.5},
        ],
    }


def test_summary_of_a_written_file(tmp_path):
    entry, lines = run(tmp_path, TWO_STEPS, related=0, statics=0)
    path = entry["asymmetric_shapley_value"]["explanation_results_path"]
    assert list(explanation_lines(path)) == lines
    summary = summarize_explanations_file(path, direction="chronological", granularity="timewise")
    assert summary["items"] == 1 and summary["horizon"] == 2
    assert summary["top_time_steps"] == [
        {"timestamp": 2, "mean_abs_score": 6.0},
        {"timestamp": 1, "mean_abs_score": 1.0},
    ]
