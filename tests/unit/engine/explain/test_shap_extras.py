"""Intervals of the global SHAP values (bootstrap over records) and SHAP per segment, with a linear model whose
local values are known: φ_j = w_j (x_j − mean baseline_j)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.contract import SEGMENTS_PATH
from airflow_provider_clarify.engine import EngineOptions, run_analysis
from tests.unit.engine.model_fixtures import CsvFunctionModel

WEIGHTS = np.array([0.5, -2.0, 1.5])
BASELINE = [[2.0, 0.0, 1.0], [6.0, 1.0, -3.0]]


def linear(values: list[float]) -> float:
    return float(np.dot(WEIGHTS, values) + 3.0)


def local_values(data: pd.DataFrame) -> np.ndarray:
    return WEIGHTS * (data[["a", "b", "c"]].to_numpy(dtype=float) - np.mean(BASELINE, axis=0))


def explain(
    tmp_path: Path, data: pd.DataFrame, confidence=None, agg_method: str = "mean_abs", **extra
) -> tuple[dict, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "data.csv"
    data.assign(y=0).to_csv(path, index=False)
    document = {
        "dataset_type": "text/csv",
        "label": "y",
        "predictor": {},
        "methods": {
            "shap": {"baseline": BASELINE, "agg_method": agg_method, "save_local_shap_values": False}
        },
        **extra,
    }
    output = tmp_path / "out"
    analysis = run_analysis(
        load_config(document),
        path,
        output,
        predictor=CsvFunctionModel(linear),
        options=EngineOptions(confidence=confidence),
    )
    return analysis, output


def test_two_records_give_the_interval_from_the_smaller_to_the_larger_value(tmp_path):
    # Resampling 2 records: both copies of one record with probability 1/4 each, far more than a 5 % tail, so the
    # interval of mean |φ| runs exactly from the smaller |φ| to the larger one.
    data = pd.DataFrame({"a": [1.0, 9.0], "b": [0.5, 0.5], "c": [-2.0, 4.0]})
    analysis, _ = explain(tmp_path, data, {"replicates": 1000, "seed": 3})
    entry = analysis["explanations"]["kernel_shap"]["y"]
    magnitude = np.abs(local_values(data))
    intervals = entry["global_shap_confidence_intervals"]
    assert list(intervals) == list(entry["global_shap_values"]) == ["a", "b", "c"]
    for j, feature in enumerate(["a", "b", "c"]):
        assert intervals[feature] == pytest.approx([magnitude[:, j].min(), magnitude[:, j].max()], abs=1e-9)
    # b is the same in both records: every replicate has the same global value.
    assert intervals["b"][0] == pytest.approx(intervals["b"][1], abs=1e-12)
    assert entry["confidence_interval_settings"] == {
        "level": 0.95,
        "replicates": 1000,
        "method": "percentile",
        "seed": 3,
    }


def test_the_median_of_three_records_resampled_runs_from_the_smallest_to_the_largest(tmp_path):
    # The median of 3 draws is the smallest value when 2 or 3 draws hit it: probability 7/27 ≈ 26 %.
    data = pd.DataFrame({"a": [1.0, 5.0, 9.0], "b": [0.0, 2.0, 1.0], "c": [-2.0, 4.0, 0.0]})
    analysis, _ = explain(tmp_path, data, {"replicates": 1000, "method": "bca"}, agg_method="median")
    entry = analysis["explanations"]["kernel_shap"]["y"]
    values = local_values(data)
    for j, feature in enumerate(["a", "b", "c"]):
        assert entry["global_shap_confidence_intervals"][feature] == pytest.approx(
            [values[:, j].min(), values[:, j].max()], abs=1e-9
        )
    assert entry["confidence_interval_settings"]["method"] == "percentile"  # SHAP intervals are percentile


def test_intervals_contain_the_global_value_and_depend_on_nothing_but_the_seed(tmp_path):
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40), "c": rng.normal(size=40)}).round(
        3
    )
    first, _ = explain(tmp_path / "1", data, {"replicates": 1000, "seed": 9})
    again, _ = explain(tmp_path / "2", data, {"replicates": 1000, "seed": 9})
    other, _ = explain(tmp_path / "3", data, {"replicates": 1000, "seed": 10})
    entry = first["explanations"]["kernel_shap"]["y"]
    assert entry == again["explanations"]["kernel_shap"]["y"]
    assert (
        entry["global_shap_confidence_intervals"]
        != other["explanations"]["kernel_shap"]["y"]["global_shap_confidence_intervals"]
    )
    for feature, value in entry["global_shap_values"].items():
        low, high = entry["global_shap_confidence_intervals"][feature]
        assert low < value < high


def test_without_the_option_the_shap_section_is_unchanged(tmp_path):
    data = pd.DataFrame({"a": [1.0, 9.0], "b": [0.5, 0.5], "c": [-2.0, 4.0]})
    analysis, _ = explain(tmp_path, data)
    assert set(analysis["explanations"]["kernel_shap"]["y"]) == {"global_shap_values", "expected_value"}


def test_global_shap_per_segment_is_the_aggregate_of_the_segments_records(tmp_path):
    rng = np.random.default_rng(6)
    data = pd.DataFrame(
        {
            "a": rng.integers(0, 10, 30).astype(float),
            "b": rng.normal(size=30).round(2),
            "c": rng.normal(size=30),
        }
    ).round(3)
    segment_config = [{"name_or_index": "a", "segments": [["[0, 3]"], ["(3, 6]"]], "config_name": "bands"}]
    analysis, output = explain(tmp_path, data, {"replicates": 1000}, segment_config=segment_config)
    document = json.loads((output / SEGMENTS_PATH).read_text())
    (config,) = document["segment_configs"]
    masks = {
        "[0, 3]": data["a"] <= 3,
        "(3, 6]": (data["a"] > 3) & (data["a"] <= 6),
        "__default__": data["a"] > 6,
    }
    assert [s["name"] for s in config["segments"]] == list(masks)
    values = local_values(data)
    for segment in config["segments"]:
        mask = masks[segment["name"]].to_numpy()
        entry = segment["explanations"]["kernel_shap"]["y"]
        expected = np.abs(values[mask]).mean(axis=0)
        assert list(entry["global_shap_values"].values()) == pytest.approx(expected.tolist(), abs=1e-9)
        assert entry["expected_value"] == pytest.approx(linear(np.mean(BASELINE, axis=0).tolist()), abs=1e-9)
        for feature, (low, high) in entry["global_shap_confidence_intervals"].items():
            assert low <= entry["global_shap_values"][feature] <= high
    assert "segment" not in json.dumps(analysis)  # analysis.json itself does not change


def test_a_segment_without_records_says_so(tmp_path):
    data = pd.DataFrame({"a": [1.0, 2.0, 9.0], "b": [0.0, 1.0, 2.0], "c": [1.0, 1.0, 1.0]})
    segment_config = [{"name_or_index": "a", "segments": [["[3, 5]"]]}]
    _, output = explain(tmp_path, data, segment_config=segment_config)
    (config,) = json.loads((output / SEGMENTS_PATH).read_text())["segment_configs"]
    assert config["segments"][0]["explanations"] == {"error": "no explained record belongs to this segment"}
    assert set(config["segments"][1]["explanations"]["kernel_shap"]["y"]) == {
        "global_shap_values",
        "expected_value",
    }
