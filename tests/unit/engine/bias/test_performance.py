"""The report's performance counts come from the bias tables and equal counts made here with pandas, row by row:
whole dataset (rows with a missing facet included), and facet d / facet a of every group, in one pass or two."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import EngineOptions
from airflow_provider_clarify.engine.bias.analyze import compute_bias_sections
from airflow_provider_clarify.engine.data.opening import open_dataset
from airflow_provider_clarify.engine.roles import resolve_roles
from airflow_provider_clarify.engine.run import AnalysisRun


def frame(rows: int = 500, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "age": rng.integers(18, 80, size=rows),
            "sex": rng.choice(["f", "m"], size=rows, p=[0.45, 0.55]).astype(object),
            "label": rng.integers(0, 2, size=rows),
        }
    )
    data["prediction"] = np.where(rng.random(rows) < 0.75, data["label"], 1 - data["label"])
    data.loc[rng.choice(rows, 20, replace=False), "sex"] = None  # missing facet: out of that facet's tables
    return data


def counts_by_hand(rows: pd.DataFrame, with_predictions: bool) -> dict[str, int]:
    side = {"rows": len(rows), "label_positive": int((rows["label"] == 1).sum())}
    if with_predictions:
        y, p = rows["label"] == 1, rows["prediction"] == 1
        side.update(
            {
                "rows_with_prediction": len(rows),
                "predicted_positive": int(p.sum()),
                "true_positive": int((y & p).sum()),
                "false_positive": int((~y & p).sum()),
                "false_negative": int((y & ~p).sum()),
                "true_negative": int((~y & ~p).sum()),
            }
        )
    return side


def performance(tmp_path: Path, data: pd.DataFrame, methods: dict, options: EngineOptions) -> dict:
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    config = load_config(
        {
            "dataset_type": "text/csv",
            "label": "label",
            "predicted_label": "prediction",
            "label_values_or_threshold": [1],
            # age first: the whole-dataset table is fed from the first facet's counts (or its second pass)
            "facet": [
                {"name_or_index": "age", "value_or_threshold": [40]},
                {"name_or_index": "sex", "value_or_threshold": ["f"]},
            ],
            "methods": methods,
        }
    )
    dataset = open_dataset(config, path, scratch=tmp_path)
    run = AnalysisRun(config, resolve_roles(config, dataset), options)
    _, distributions = compute_bias_sections(run, dataset)
    assert distributions["rows"] == len(data)
    return distributions["performance"]


# 100: age's 62 values are profiled, its (age, label, prediction) tuples are not: a second pass counts them
@pytest.mark.parametrize("max_distinct", [1_000_000, 100], ids=["tuple-counts", "second-pass"])
def test_counts_equal_counts_made_from_the_rows(tmp_path, max_distinct, caplog):
    caplog.set_level("INFO", logger="airflow_provider_clarify.engine")
    data = frame()
    methods = {"pre_training_bias": {"methods": ["CI"]}, "post_training_bias": {"methods": ["DPPL"]}}
    found = performance(tmp_path, data, methods, EngineOptions(max_distinct_values=max_distinct))
    assert ("second pass" in caplog.text) == (max_distinct == 100)
    assert found["label"] == "label" and found["label_value_or_threshold"] == "1" and found["predictions"]
    assert found["overall"] == counts_by_hand(data, True)  # rows with a missing facet count here
    age, sex = found["groups"]
    assert (sex["facet"], sex["value_or_threshold"]) == ("sex", "f")
    known = data[data["sex"].notna()]
    assert sex["d"] == counts_by_hand(known[known["sex"] == "f"], True)
    assert sex["a"] == counts_by_hand(known[known["sex"] == "m"], True)
    assert (age["facet"], age["value_or_threshold"]) == ("age", f"(40, {data['age'].max()}]")
    assert age["d"] == counts_by_hand(data[data["age"] > 40], True)
    assert age["a"] == counts_by_hand(data[data["age"] <= 40], True)


def test_pre_training_only_has_label_counts(tmp_path):
    data = frame(seed=5)
    found = performance(tmp_path, data, {"pre_training_bias": {"methods": ["CI"]}}, EngineOptions())
    assert not found["predictions"]
    assert found["overall"] == counts_by_hand(data, False)
    known = data[data["sex"].notna()]
    assert found["groups"][1]["d"] == counts_by_hand(known[known["sex"] == "f"], False)
