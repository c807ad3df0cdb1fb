"""Kernel SHAP sharded: every record's values come from its own random stream, named by its position in the
whole dataset, so shards explaining disjoint records write what one process writes — analysis.json (global
values, intervals), explanations_shap/out.csv or out.jsonl, baseline.csv, the segments file — for tabular data in
three formats and for text, in 1, 3 and 8 shards."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.engine import EngineOptions, run_analysis
from tests.unit.engine.distributed.datasets import (
    FORMATS,
    MODEL,
    config,
    frame,
    run_sharded,
    same_files,
    write,
)

SIZES = (40, 50, 30)
PREDICTOR = {"content_type": "text/csv", "accept_type": "text/csv"}


@pytest.mark.parametrize("dataset_type", FORMATS)
@pytest.mark.parametrize("shards", [1, 3, 8])
def test_tabular_kernel_shap(tmp_path, dataset_type, shards):
    data = frame(rows=sum(SIZES))
    dataset = write(data, tmp_path / "data", dataset_type, sizes=SIZES)
    analysis = config(
        dataset_type,
        data,
        segment_config=[{"name_or_index": "sex", "segments": [[0], [1]]}],
        methods={
            "shap": {"num_samples": 40, "seed": 7, "num_clusters": 3, "save_local_shap_values": True},
            "pdp": {"top_k_features": 2, "grid_resolution": 4},
        },
        predictor=PREDICTOR,
    )
    options = EngineOptions(chunk_rows=9, confidence={"replicates": 1000, "seed": 2})
    single = tmp_path / "single"
    run_analysis(analysis, str(dataset), single, predictor=f"{MODEL}:probability", options=options)
    merged = run_sharded(
        analysis, dataset, tmp_path / "sharded", shards, options=options, predictor=f"{MODEL}:probability"
    )
    files = ["analysis.json", "explanations_shap/out.csv", "explanations_shap/baseline.csv"]
    same_files(single, merged, [*files, "segments/analysis_segments.json"])
    local = pd.read_csv(merged / "explanations_shap/out.csv")
    assert len(local) == len(data)
    document = json.loads((merged / "analysis.json").read_text())["explanations"]
    assert len(document["pdp"]) == 2  # the top SHAP features, ranked by the merged global values


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_features_to_explain_and_a_given_baseline(tmp_path, shards):
    data = frame(rows=sum(SIZES))
    dataset = write(data, tmp_path / "data", "text/csv", sizes=SIZES)
    analysis = config(
        "text/csv",
        data,
        methods={
            "shap": {
                "features_to_explain": ["score", "age"],
                "baseline": [[0, 1, 40, 3, 0.5, 1]],
                "num_samples": 2,
                "seed": 3,
                "agg_method": "median",
                "save_local_shap_values": True,
            }
        },
        predictor=PREDICTOR,
    )
    single = tmp_path / "single"
    run_analysis(analysis, str(dataset), single, predictor=f"{MODEL}:probability")
    merged = run_sharded(analysis, dataset, tmp_path / "sharded", shards, predictor=f"{MODEL}:probability")
    same_files(single, merged, ["analysis.json", "explanations_shap/out.csv"])
    assert not (merged / "explanations_shap/baseline.csv").exists()


def _reviews(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    words = np.array(["good", "bad", "food", "service", "slow", "nice", "the", "was"])
    reviews = [" ".join(rng.choice(words, size=rng.integers(2, 7))) + "." for _ in range(rows)]
    return pd.DataFrame(
        {"rating": rng.integers(1, 6, rows), "review": reviews, "label": rng.integers(0, 2, rows)}
    )


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_text_kernel_shap(tmp_path, shards):
    data = _reviews(30)
    (tmp_path / "data").mkdir()
    for number, part in enumerate(np.array_split(np.arange(30), 3)):
        data.iloc[part].to_csv(tmp_path / f"data/part-{number}.csv", index=False)
    analysis = config(
        "text/csv",
        data,
        methods={
            "shap": {
                "text_config": {"granularity": "token", "language": "english"},
                "num_samples": 24,
                "seed": 11,
                "save_local_shap_values": True,
            }
        },
        predictor=PREDICTOR,
    )
    options = EngineOptions(chunk_rows=4)
    single = tmp_path / "single"
    run_analysis(analysis, str(tmp_path / "data"), single, predictor=f"{MODEL}:text_score", options=options)
    merged = run_sharded(
        analysis,
        tmp_path / "data",
        tmp_path / "sharded",
        shards,
        options=options,
        predictor=f"{MODEL}:text_score",
    )
    same_files(
        single, merged, ["analysis.json", "explanations_shap/out.jsonl", "explanations_shap/baseline.csv"]
    )
    top = json.loads((merged / "analysis.json").read_text())["explanations"]["kernel_shap"]
    assert "global_top_shap_text" in next(iter(top.values()))
