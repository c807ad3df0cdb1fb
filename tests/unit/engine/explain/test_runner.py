"""run_explanations writes its files only once everything succeeded, and warns before a very large run."""

from __future__ import annotations

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.explain import ExplanationData, ExplanationError, runner
from airflow_provider_clarify.engine.explain.plan import plan_explanations
from airflow_provider_clarify.engine.predictors import build_model
from tests.unit.engine.explain.runs import explain
from tests.unit.engine.model_fixtures import CsvFunctionModel

DATA = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 0.0]})


def config(shap: dict, pdp: dict | None = None) -> dict:
    methods = {"shap": shap, **({"pdp": pdp} if pdp else {})}
    return {"dataset_type": "text/csv", "label": "y", "methods": methods, "predictor": {}}


def test_linear_model_values_files_and_pdp_from_the_shap_ranking(tmp_path):
    document = config(
        {"baseline": [[0.0, 0.0]], "save_local_shap_values": True},
        {"grid_resolution": 2, "top_k_features": 1},
    )
    model = build_model(load_config(document), predictor=CsvFunctionModel(lambda v: 2 * v[0] + v[1]))
    result = explain(document, DATA, model, tmp_path)
    # Linear model against a single zero baseline: φ = coefficient × value; mean |φ|: a = 4, b = 1/3.
    assert result["kernel_shap"]["y"]["global_shap_values"] == pytest.approx({"a": 4.0, "b": 1 / 3})
    assert [entry["feature_name"] for entry in result["pdp"]] == ["a"]
    assert (tmp_path / "explanations_shap" / "out.csv").exists()
    assert not (tmp_path / "explanations_shap" / "baseline.csv").exists()


def test_a_failure_leaves_no_file(tmp_path):
    document = config({"baseline": [[0.0]], "save_local_shap_values": True})
    with pytest.raises(ExplanationError, match="baseline row 0 has 1 values"):
        explain(document, DATA, build_model(load_config(document), predictor=CsvFunctionModel(sum)), tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_large_run_is_announced():
    warnings: list[str] = []
    frame = pd.concat([DATA] * 2000, ignore_index=True)
    plan = plan_explanations(load_config(config({"num_samples": 3000})), ExplanationData(frame))
    baseline = pd.DataFrame([[0.0, 0.0]] * 2000, columns=["a", "b"])
    # 6000 records × 2000 baseline rows × 2 samples (2 players cap the samples at 2² − 2), above 10^7.
    runner._warn_if_large(warnings.append, plan, frame, baseline, {}, 3000)
    assert len(warnings) == 1 and "Kernel SHAP will score about 24,000,000 synthetic records" in warnings[0]
