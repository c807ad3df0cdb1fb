"""ClarifyResult on what the local engine really writes: bias, SHAP (with local files) and PDP in one run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from airflow_provider_clarify.results import ClarifyResult


@pytest.fixture(scope="module")
def engine_output(adult_csv, tmp_path_factory):
    from sklearn.linear_model import LogisticRegression

    from airflow_provider_clarify.engine import EngineOptions, run_analysis

    frame = pd.read_csv(adult_csv, nrows=200)
    data = pd.DataFrame(
        {
            "income": (frame["income"] == ">50K").astype(int),
            "age": frame["age"],
            "edu": frame["education-num"],
            "female": (frame["sex"] == "Female").astype(int),
        }
    )
    model = LogisticRegression(max_iter=500).fit(data[["age", "edu", "female"]].to_numpy(), data["income"])
    root = tmp_path_factory.mktemp("engine")
    data.to_csv(root / "data.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "female", "value_or_threshold": [1]}],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": ["DI", "DPPL", "TE"]},
            "shap": {"num_samples": 16, "num_clusters": 2, "seed": 7, "save_local_shap_values": True},
            "pdp": {"grid_resolution": 4, "features": ["age", "edu"]},
        },
        "predictor": {
            "model_name": "in-process",
            "instance_type": "ml.m5.xlarge",
            "initial_instance_count": 1,
        },
    }
    output = root / "out"
    output.mkdir()
    analysis = run_analysis(
        config, root / "data.csv", output, predictor=model, options=EngineOptions(pdp_max_records=50)
    )
    return output, analysis


def test_engine_output_round_trips(engine_output):
    output, analysis = engine_output
    result = ClarifyResult.from_analysis(output)
    assert ClarifyResult.from_xcom(json.loads(json.dumps(result.to_xcom(), allow_nan=False))) == result
    assert set(result.output_files) >= {"analysis.json", "explanations_shap/out.csv"}
    # Values come through unchanged from the document the engine wrote.
    for target, body in analysis["explanations"]["kernel_shap"].items():
        assert result.shap[target].global_shap_values == body["global_shap_values"]
        assert result.shap[target].expected_value == body["expected_value"]
    for entry, summary in zip(analysis["explanations"]["pdp"], result.pdp, strict=True):
        assert (summary.feature_name, summary.num_values) == (
            entry["feature_name"],
            len(entry["feature_values"]),
        )
        assert (summary.value_min, summary.value_max) == (
            min(entry["feature_values"]),
            max(entry["feature_values"]),
        )
    section = analysis["post_training_bias_metrics"]["facets"]["female"][0]
    for metric in section["metrics"]:
        entry = result.metric_entry(metric["name"], facet="female", value="1")
        assert entry.error == metric.get("error")
        if isinstance(metric["value"], str):  # "Infinity" / "-Infinity"
            assert entry.value == float(metric["value"])
        else:
            assert entry.value == metric["value"]
    assert "feature_values" not in json.dumps(result.to_xcom())
