"""A deploy gate on a small facet whose DI point estimate is outside the band but whose confidence interval is
not: it blocks under ``ignore`` and ``conservative`` and passes under ``require`` (real Airflow, dag.test).
Segment rules go through the same run: the published segments file and the XCom result both carry them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.contract import SEGMENTS_PATH
from airflow_provider_clarify.results import ClarifyResult
from tests.integration.airflow_runs import run_dag

BAND = [0.8, 1.25]


@pytest.fixture(scope="module")
def small_facet(tmp_path_factory) -> Path:
    """Facet a: 2,000 rows, half predicted positive; facet d (sex F): 120 rows, 44 predicted positive.

    DI = (44/120) / (1000/2000) = 0.7333, below 0.8; with 120 rows its 95 % interval reaches above 0.8.
    """
    rng = np.random.default_rng(1)
    rows = [("M", 1)] * 1000 + [("M", 0)] * 1000 + [("F", 1)] * 44 + [("F", 0)] * 76
    frame = pd.DataFrame(rows, columns=["sex", "prediction"])
    frame["label"] = np.where(rng.random(len(frame)) < 0.9, frame["prediction"], 1 - frame["prediction"])
    frame["age"] = rng.integers(18, 70, len(frame))
    path = tmp_path_factory.mktemp("interval-gate") / "data.csv"
    frame.sample(frac=1.0, random_state=3).to_csv(path, index=False)
    return path


def _run(test_dags_dir, small_facet, output: Path, rules: list[dict]):
    conf = {"dataset": str(small_facet), "output": str(output), "rules": rules}
    return run_dag(test_dags_dir / "interval_gate.py", "interval_gate", conf=conf)


@pytest.mark.parametrize(
    ("significance", "gate_state", "deploy_state"),
    [
        ("ignore", "failed", "upstream_failed"),
        ("conservative", "failed", "upstream_failed"),
        ("require", "success", "success"),
    ],
)
def test_a_small_facet_blocks_on_noise_only_when_the_rule_ignores_the_interval(
    test_dags_dir, small_facet, tmp_path, significance, gate_state, deploy_state
):
    output = tmp_path / "out"
    rules = [{"metric": "DI", "facet": "sex", "band": BAND, "significance": significance}]
    outcome = _run(test_dags_dir, small_facet, output, rules)
    assert outcome.task_states() == {"bias_analysis": "success", "gate": gate_state, "deploy": deploy_state}
    result = ClarifyResult.from_xcom(outcome.xcom("bias_analysis"))
    di = result.metric_entry("DI", facet="sex", value="F")
    assert di.value == pytest.approx((44 / 120) / (1000 / 2000), abs=1e-12)
    low, high = di.confidence_interval
    assert low < di.value < 0.8 < high  # outside the band, but not by more than the noise
    assert di.confidence_level == 0.95
    violations = json.loads((output / "constraint_violations.json").read_text())["violations"]
    if gate_state == "failed":
        (violation,) = violations
        assert set(violation) == {
            "facet",
            "facet_value",
            "metric_name",
            "constraint_check_type",
            "description",
        }
        assert f"95% confidence interval [{low!r}, {high!r}]" in violation["description"]
    else:
        assert violations == []


def test_segments_are_published_carried_in_xcom_and_gated(test_dags_dir, small_facet, tmp_path):
    output = tmp_path / "out"
    rules = [{"metric": "DPPL", "band": [-1, 1], "segment": "[18, 40)", "segment_config": "ages"}]
    outcome = _run(test_dags_dir, small_facet, output, rules)
    assert outcome.task_states() == {"bias_analysis": "success", "gate": "success", "deploy": "success"}
    document = json.loads((output / SEGMENTS_PATH).read_text())
    assert [s["name"] for s in document["segment_configs"][0]["segments"]] == ["[18, 40)", "__default__"]
    result = ClarifyResult.from_xcom(outcome.xcom("bias_analysis"))
    assert f"{output}/{SEGMENTS_PATH}" in result.output_files.values()
    data = pd.read_csv(small_facet)
    young = data[(data["age"] >= 18) & (data["age"] < 40)]
    rate = young.groupby("sex")["prediction"].mean()
    assert result.segment_metric("[18, 40)", "DPPL") == pytest.approx(rate["M"] - rate["F"], abs=1e-12)
    assert outcome.xcom("gate")["counts"]["pass"] == 1
