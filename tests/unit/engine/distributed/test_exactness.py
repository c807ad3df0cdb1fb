"""A sharded run writes what one ``run_analysis`` over the whole dataset writes, byte for byte: every bias metric
(pre- and post-training, FT, CDDL/CDDPL with a group variable), confidence intervals, segments and PDP, for CSV,
JSON Lines and Parquet inputs spread over three files, in 1, 3 and 8 shards (8 > files: shards begin and end
inside files and inside chunks)."""

from __future__ import annotations

import json
from pathlib import Path

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

SEGMENTS = [{"name_or_index": "priors", "segments": [[0, 1, 2, 3], [7, 8, 9]], "config_name": "priors"}]
BIAS = {
    "facet": [
        {"name_or_index": "sex", "value_or_threshold": [1]},
        {"name_or_index": "race_code"},  # one-vs-rest: one facet group per value
    ],
    "group_variable": "age_group",
    "segment_config": SEGMENTS,
    "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
}
OPTIONS = EngineOptions(chunk_rows=23, confidence={"replicates": 1000, "seed": 5})


def _single(analysis, dataset: Path, output: Path, **kwargs) -> Path:
    run_analysis(analysis, str(dataset), output, **kwargs)
    return output


@pytest.mark.parametrize("dataset_type", FORMATS)
@pytest.mark.parametrize("shards", [1, 3, 8])
def test_bias_with_ft_segments_and_intervals(tmp_path, dataset_type, shards):
    data = frame()
    dataset = write(data, tmp_path / "data", dataset_type)
    analysis = config(dataset_type, data, **BIAS)
    single = _single(analysis, dataset, tmp_path / "single", options=OPTIONS)
    merged = run_sharded(analysis, dataset, tmp_path / "sharded", shards, options=OPTIONS)
    same_files(single, merged, ["analysis.json", "segments/analysis_segments.json"])
    document = json.loads((merged / "analysis.json").read_text())
    post = {m["name"]: m for m in document["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]}
    assert post["FT"]["value"] is not None and post["CDDPL"]["value"] is not None  # computed, not errors
    # A count-based value by hand, from the frame: CI of sex = 1 against sex = 0.
    n_d, n_a = int((data["sex"] == 1).sum()), int((data["sex"] == 0).sum())
    pre = {m["name"]: m for m in document["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]}
    assert pre["CI"]["value"] == pytest.approx((n_a - n_d) / (n_a + n_d), abs=1e-15)


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_predicted_labels_from_the_model(tmp_path, shards):
    """No predicted-label column: the model labels each shard's rows (without FT), or the plan's pass (with FT)."""
    data = frame().drop(columns=["predicted"])
    dataset = write(data, tmp_path / "data", "text/csv")
    for metrics in (["DPPL", "DI", "CDDPL", "AD"], ["FT", "DPPL"]):
        analysis = config(
            "text/csv",
            data,
            facet=[{"name_or_index": "race_code", "value_or_threshold": [1]}],
            group_variable="age_group",
            methods={"post_training_bias": {"methods": metrics}},
            predictor={"content_type": "text/csv", "accept_type": "text/csv"},
        )
        root = tmp_path / "-".join(metrics)
        single = _single(analysis, dataset, root / "single", predictor=f"{MODEL}:labels", options=OPTIONS)
        merged = run_sharded(
            analysis, dataset, root / "sharded", shards, options=OPTIONS, predictor=f"{MODEL}:labels"
        )
        same_files(single, merged, ["analysis.json"])


@pytest.mark.parametrize("dataset_type", FORMATS)
@pytest.mark.parametrize("shards", [1, 3, 8])
def test_pdp_with_a_sample(tmp_path, dataset_type, shards):
    """PDP over a seeded sample of 40 of the 300 records: the shards score their sampled records, the merge
    averages the scores in record order."""
    data = frame()
    dataset = write(data, tmp_path / "data", dataset_type)
    analysis = config(
        dataset_type,
        data,
        methods={"pdp": {"features": ["age", "score", "race_code"], "grid_resolution": 6}},
        predictor={"content_type": "text/csv", "accept_type": "text/csv"},
    )
    options = EngineOptions(chunk_rows=23, pdp_max_records=40)
    single = _single(
        analysis, dataset, tmp_path / "single", predictor=f"{MODEL}:probability", options=options
    )
    merged = run_sharded(
        analysis, dataset, tmp_path / "sharded", shards, options=options, predictor=f"{MODEL}:probability"
    )
    same_files(single, merged, ["analysis.json"])
    entries = json.loads((merged / "analysis.json").read_text())["explanations"]["pdp"]
    assert [entry["feature_name"] for entry in entries] == ["age", "score", "race_code"]
    assert all(len(entry["model_predictions"][0]) == len(entry["feature_values"]) for entry in entries)
