"""Confidence intervals in analysis.json: from each facet group's own tables, ±∞ and undefined replicates
reported, FT and failed metrics without interval, and an unchanged file without the option."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.contract import decode_number
from airflow_provider_clarify.engine import EngineOptions, run_analysis
from airflow_provider_clarify.engine.bias.intervals import IntervalSettings, compute_intervals
from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

SETTINGS = {"level": 0.9, "replicates": 1000, "seed": 11, "method": "percentile"}
ALL = {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}}


def frame(rows: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "x1": rng.normal(size=rows).round(3),
            "gender": rng.choice(["m", "f"], size=rows, p=[0.6, 0.4]),
            "region": rng.choice(["north", "south", "east"], size=rows),
            "label": rng.integers(0, 2, size=rows),
        }
    )
    data["prediction"] = np.where(rng.random(rows) < 0.8, data["label"], 1 - data["label"])
    return data


def config(**extra) -> dict:
    document = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "gender", "value_or_threshold": ["f"]}],
        "group_variable": "region",
        "excluded_columns": ["region"],
        "methods": ALL,
    }
    document.update(extra)
    return document


def run(tmp_path: Path, data: pd.DataFrame, document: dict, confidence=None, name: str = "out") -> dict:
    data_path = tmp_path / f"{name}.csv"
    data.to_csv(data_path, index=False)
    options = EngineOptions(confidence=confidence)
    run_analysis(load_config(document), data_path, tmp_path / name, options=options)
    return json.loads((tmp_path / name / "analysis.json").read_text())


def metrics_of(analysis: dict, stage: str, facet: str, position: int = 0) -> dict[str, dict]:
    group = analysis[f"{stage}_bias_metrics"]["facets"][facet][position]
    return {metric["name"]: metric for metric in group["metrics"]}


def hand_tables(data: pd.DataFrame, facet_d: pd.Series) -> tuple[LabelTable, PredictionTable]:
    """n[g, d, y, ŷ] counted with pandas, the group codes in sorted-value order."""
    codes = {value: code for code, value in enumerate(sorted(data["region"].unique()))}
    counts = np.zeros((len(codes), 2, 2, 2), dtype=np.int64)
    keys = zip(data["region"].map(codes), facet_d.astype(int), data["label"], data["prediction"], strict=True)
    for key, count in pd.Series(list(keys)).value_counts().items():
        counts[key] = count
    return LabelTable(counts.sum(axis=3), True), PredictionTable(counts, True)


def endpoints(metric: dict) -> tuple[float | None, float | None]:
    low, high = metric["confidence_interval"]
    return decode_number(low), decode_number(high)


def test_every_count_based_metric_has_the_interval_of_its_facet_groups_own_tables(tmp_path):
    data = frame()
    analysis = run(tmp_path, data, config(), SETTINGS)
    label_table, prediction_table = hand_tables(data, data["gender"] == "f")
    settings = IntervalSettings(**SETTINGS)
    for stage, table_args in (
        ("pre_training", (label_table, None)),
        ("post_training", (None, prediction_table)),
    ):
        metrics = metrics_of(analysis, stage, "gender")
        names = [name for name in metrics if name != "FT"]
        expected = compute_intervals(*table_args, names, settings)
        for name in names:
            assert endpoints(metrics[name]) == (expected[name].low, expected[name].high), name
            low, high = endpoints(metrics[name])
            assert low <= metrics[name]["value"] <= high, name
        assert analysis[f"{stage}_bias_metrics"]["confidence_interval_settings"] == {
            "level": 0.9,
            "replicates": 1000,
            "method": "percentile",
            "seed": 11,
        }
    ft = metrics_of(analysis, "post_training", "gender")["FT"]
    assert ft["confidence_interval"] == [None, None]
    assert "computed from the feature rows" in ft["confidence_interval_notes"]["note"]


def test_without_the_option_the_file_is_byte_for_byte_what_it_was(tmp_path):
    data = frame()
    run(tmp_path, data, config(), None, name="plain")
    run(tmp_path, data, config(), SETTINGS, name="intervals")
    plain = (tmp_path / "plain" / "analysis.json").read_text()
    assert "confidence" not in plain
    with_intervals = json.loads((tmp_path / "intervals" / "analysis.json").read_text())
    for key in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        section = with_intervals[key]
        assert section.pop("confidence_interval_settings")
        for groups in section["facets"].values():
            for group in groups:
                for metric in group["metrics"]:
                    assert metric.pop("confidence_interval")
                    metric.pop("confidence_interval_notes", None)
    stripped = json.dumps(with_intervals, indent=2, allow_nan=False) + "\n"
    assert stripped == plain


def test_a_single_false_positive_in_facet_d_makes_te_reach_infinity_and_says_how_often(tmp_path):
    rows = []
    rows += [{"f": 1, "label": 0, "prediction": 1}]  # the one false positive of facet d
    rows += [{"f": 1, "label": 1, "prediction": 0}] * 30 + [{"f": 1, "label": 1, "prediction": 1}] * 40
    rows += [{"f": 1, "label": 0, "prediction": 0}] * 29
    rows += [{"f": 0, "label": 0, "prediction": 1}] * 20 + [{"f": 0, "label": 1, "prediction": 0}] * 20
    rows += [{"f": 0, "label": 1, "prediction": 1}] * 80 + [{"f": 0, "label": 0, "prediction": 0}] * 80
    data = pd.DataFrame(rows)
    document = config(
        facet=[{"name_or_index": "f", "value_or_threshold": [1]}],
        methods={"post_training_bias": {"methods": ["TE"]}},
    )
    del document["group_variable"], document["excluded_columns"]
    analysis = run(tmp_path, data, document, {"replicates": 2000, "seed": 1})
    te = metrics_of(analysis, "post_training", "f")["TE"]
    assert te["value"] == pytest.approx(30 / 1 - 20 / 20)
    assert te["confidence_interval"][1] == "Infinity"  # strict JSON: the contract's spelling
    notes = te["confidence_interval_notes"]
    # A replicate has no false positive in facet d with probability (1 − 1/N)^N ≈ e^−1 (N = 300 rows).
    assert notes["positive_infinite"] == pytest.approx(2000 * (1 - 1 / 300) ** 300, rel=0.1)
    assert "undefined" not in notes and "note" not in notes


def test_a_facet_group_too_small_to_resample_gets_no_interval_and_the_reason(tmp_path):
    data = pd.DataFrame({"f": [1, 1] + [0] * 398, "label": [1, 0] * 200, "prediction": [1, 1, 0, 0] * 100})
    document = config(
        facet=[{"name_or_index": "f", "value_or_threshold": [1]}],
        methods={"pre_training_bias": {"methods": ["DPL"]}},
    )
    del document["group_variable"], document["excluded_columns"]
    analysis = run(tmp_path, data, document, {"replicates": 1000})
    dpl = metrics_of(analysis, "pre_training", "f")["DPL"]
    assert dpl["value"] == pytest.approx(0.5 - 0.5)
    assert dpl["confidence_interval"] == [None, None]
    notes = dpl["confidence_interval_notes"]
    # Both rows of facet d are left out of a replicate with probability (1 − 2/400)^400 ≈ e^−2 ≈ 13.5 %.
    assert notes["undefined"] == pytest.approx(1000 * (1 - 2 / 400) ** 400, rel=0.2)
    assert notes["undefined_reasons"] == {"Facet set is empty.": notes["undefined"]}
    assert notes["note"].startswith("no interval: the metric is undefined in")


def test_an_empty_facet_group_keeps_its_error_and_has_no_interval(tmp_path):
    data = frame()
    document = config(facet=[{"name_or_index": "gender", "value_or_threshold": ["x"]}])
    analysis = run(tmp_path, data, document, SETTINGS)
    failed = 0
    for stage in ("pre_training", "post_training"):
        for name, metric in metrics_of(analysis, stage, "gender").items():
            if metric.get("error"):
                failed += 1
                assert metric["confidence_interval"] == [None, None], name
                assert metric["error"] in metric["confidence_interval_notes"]["note"] or name == "FT", name
            else:  # CDDL/CDDPL (0 without facet d) and GE (all rows) stay defined: so do their intervals
                low, high = endpoints(metric)
                assert low <= metric["value"] <= high, name
    assert failed == 7 + 11  # every metric but CDDL, CDDPL and GE


def test_newcombe_covers_dpl_and_dppl_and_says_which_metrics_fell_back(tmp_path):
    data = frame()
    analysis = run(tmp_path, data, config(), {**SETTINGS, "method": "newcombe"})
    pre = metrics_of(analysis, "pre_training", "gender")
    assert "confidence_interval_notes" not in pre["DPL"]  # newcombe as asked: nothing to report
    assert pre["CI"]["confidence_interval_notes"]["method"] == "percentile"
    d = data[data["gender"] == "f"]["label"]
    a = data[data["gender"] != "f"]["label"]
    low, high = endpoints(pre["DPL"])
    assert low < a.mean() - d.mean() < high


@pytest.mark.parametrize(
    ("confidence", "path"),
    [({"replicates": 10}, "confidence.replicates"), ({"level": 1.5}, "confidence.level")],
)
def test_settings_out_of_range_fail_before_any_output(tmp_path, confidence, path):
    with pytest.raises(ClarifyConfigError) as caught:
        run(tmp_path, frame(), config(), confidence)
    assert caught.value.paths == [path]
    assert not (tmp_path / "out").exists()


def test_cli_takes_the_option_as_json_and_refuses_a_bad_one_before_writing(tmp_path):
    import subprocess
    import sys

    data = frame()
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "config.json").write_text(json.dumps(config()))
    base = [
        sys.executable,
        "-m",
        "airflow_provider_clarify.engine",
        "--config",
        str(tmp_path / "config.json"),
    ]
    base += ["--dataset", str(tmp_path / "data.csv")]
    good = subprocess.run(
        [*base, "--output", str(tmp_path / "good"), "--confidence", json.dumps(SETTINGS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert good.returncode == 0, good.stderr
    analysis = json.loads((tmp_path / "good" / "analysis.json").read_text())
    assert analysis["pre_training_bias_metrics"]["confidence_interval_settings"]["replicates"] == 1000
    bad = subprocess.run(
        [*base, "--output", str(tmp_path / "bad"), "--confidence", '{"level": 95}'],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2
    assert "confidence.level" in bad.stderr and "did you mean 0.95" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_values_and_intervals_keep_the_metric_order_and_infinite_ends_decode(tmp_path):
    analysis = run(tmp_path, frame(), config(), SETTINGS)
    metrics = analysis["post_training_bias_metrics"]["facets"]["gender"][0]["metrics"]
    assert [m["name"] for m in metrics] == sorted(m["name"] for m in metrics)
    for metric in metrics:
        low, high = endpoints(metric)
        assert (low is None) == (high is None)
        if low is not None:
            assert low <= high and not math.isnan(low)
