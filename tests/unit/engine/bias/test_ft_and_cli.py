"""Flip test on hand-worked neighbourhoods, and the CLI (arguments, container layout, failure contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import __main__ as cli
from airflow_provider_clarify.engine import run_analysis

from .reference import metric_values


def ft_config(**extra) -> dict:
    document = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": ["yes"],
        "facet": [{"name_or_index": "facet", "value_or_threshold": ["d"]}],
        "methods": {"post_training_bias": {"methods": ["FT"]}},
    }
    document.update(extra)
    return document


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Labels as words: a 0/1 label on a handful of rows would be read as continuous (SPEC §3.5)."""
    names = {1: "yes", 0: "no"}
    return frame.assign(label=frame["label"].map(names), prediction=frame["prediction"].map(names))


def test_flip_test_one_neighbour_when_facet_a_is_small(tmp_path: Path):
    # facet a (3 rows ≤ 9 → k = 1): x=0 → ŷ 0, x=10 → 1, x=20 → 1.
    # facet d: x=1 ŷ1 (neighbour 0 → flips to 0: F+), x=2 ŷ1 (F+), x=11 ŷ0 (neighbour 1: F−), x=19 ŷ1 (no flip).
    frame = pd.DataFrame(
        {
            "x": [0, 10, 20, 1, 2, 11, 19],
            "facet": ["a", "a", "a", "d", "d", "d", "d"],
            "label": [0, 1, 1, 1, 0, 0, 1],
            "prediction": [0, 1, 1, 1, 1, 0, 1],
        }
    )
    as_text(frame).to_csv(tmp_path / "d.csv", index=False)
    result = run_analysis(load_config(ft_config()), tmp_path / "d.csv", tmp_path / "o")
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx((2 - 1) / 4)


def test_flip_test_five_neighbours_and_excluded_columns(tmp_path: Path):
    # facet a has 10 rows (> 9 → k = 5): x 0..4 predicted 0, x 100..104 predicted 1.
    # d: x=2 ŷ1 → neighbours all 0 (F+); x=102 ŷ0 → all 1 (F−); x=101 ŷ0 → F−.  FT = (1 − 2) / 3.
    xs_a = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]
    frame = pd.DataFrame(
        {
            "x": [*xs_a, 2, 102, 101],
            "noise": [(i * 7919) % 1000 for i in range(13)],  # excluded: would change neighbours if used
            "facet": ["a"] * 10 + ["d"] * 3,
            "label": [0] * 5 + [1] * 5 + [1, 0, 0],
            "prediction": [0] * 5 + [1] * 5 + [1, 0, 0],
        }
    )
    as_text(frame).to_csv(tmp_path / "d.csv", index=False)
    result = run_analysis(
        load_config(ft_config(excluded_columns=["noise"])), tmp_path / "d.csv", tmp_path / "o"
    )
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx(-1 / 3)


def write_case(tmp_path: Path) -> tuple[Path, Path]:
    frame = pd.DataFrame({"g": ["x", "y"] * 10, "label": [1, 0, 0, 1, 1] * 4})
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    config = tmp_path / "analysis_config.json"
    config.write_text(
        json.dumps(
            {
                "dataset_type": "text/csv",
                "label": "label",
                "label_values_or_threshold": [1, 0],
                "facet": [{"name_or_index": "g", "value_or_threshold": ["y"]}],
                "methods": {"pre_training_bias": {"methods": ["CI"]}},
            }
        )
    )
    return config, data


def test_cli_with_arguments(tmp_path: Path):
    config, data = write_case(tmp_path)
    output = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_provider_clarify.engine",
            "--config",
            str(config),
            "--dataset",
            str(data),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    analysis = json.loads((output / "analysis.json").read_text())
    assert metric_values(analysis["pre_training_bias_metrics"], "g")["CI"] == 0.0
    assert not (output / "failure").exists()


def test_cli_failure_contract(tmp_path: Path):
    config, data = write_case(tmp_path)
    document = json.loads(config.read_text())
    document["label"] = "missing"
    config.write_text(json.dumps(document))
    output = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_provider_clarify.engine",
            "--config",
            str(config),
            "--dataset",
            str(data),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ClientError: label: column 'missing' is not in the dataset")
    assert (output / "failure").read_text().strip() == last_line
    assert sorted(p.name for p in output.iterdir()) == ["failure"]


def test_cli_container_layout_without_arguments(tmp_path: Path, monkeypatch):
    config, data = write_case(tmp_path)
    root = tmp_path / "opt"
    (root / "config").mkdir(parents=True)
    (root / "data").mkdir()
    config.rename(root / "config" / "analysis_config.json")
    data.rename(root / "data" / "part-0.csv")
    monkeypatch.setattr(cli, "CONTAINER_CONFIG", root / "config" / "analysis_config.json")
    monkeypatch.setattr(cli, "CONTAINER_DATA", root / "data")
    monkeypatch.setattr(cli, "CONTAINER_OUTPUT", root / "output")
    assert cli.main([]) == 0
    assert "pre_training_bias_metrics" in json.loads((root / "output" / "analysis.json").read_text())


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_neighbour_search_equals_the_reference_estimator_even_with_ties(seed):
    """Integer features make many equidistant neighbours; the result must still be scikit-learn's exactly."""
    from sklearn.neighbors import KNeighborsClassifier

    from airflow_provider_clarify.engine.bias.ft import counterfactual_labels

    rng = np.random.default_rng(seed)
    features_a = rng.integers(0, 4, size=(3000, 3)).astype(float)
    features_d = rng.integers(0, 4, size=(1000, 3)).astype(float)
    yhat_a = rng.random(3000) < 0.4
    oracle = KNeighborsClassifier(n_neighbors=5, weights="uniform", algorithm="auto", leaf_size=30, p=2)
    expected = oracle.fit(features_a, yhat_a).predict(features_d)
    assert (counterfactual_labels(features_a, yhat_a, features_d, 5, 2) == expected).all()
    continuous_a, continuous_d = rng.normal(size=(3000, 4)), rng.normal(size=(1000, 4))
    expected = oracle.fit(continuous_a, yhat_a).predict(continuous_d)
    assert (counterfactual_labels(continuous_a, yhat_a, continuous_d, 5, 2) == expected).all()


def test_progress_is_logged_and_small_datasets_warn(tmp_path: Path, caplog):
    from airflow_provider_clarify.engine import EngineOptions

    pd.DataFrame({"g": ["x", "y", "x"], "label": ["a", "b", "a"]}).to_csv(tmp_path / "d.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": ["a"],
        "facet": [{"name_or_index": "g", "value_or_threshold": ["y"]}],
        "methods": {"pre_training_bias": {"methods": ["CI"]}},
    }
    warnings: list[str] = []
    with caplog.at_level("INFO", logger="airflow_provider_clarify.engine"):
        run_analysis(
            load_config(config),
            tmp_path / "d.csv",
            tmp_path / "o",
            warnings=warnings,
            options=EngineOptions(chunk_rows=1, progress_interval_seconds=0.0),
        )
    assert any(
        r.getMessage().startswith("Read 3 rows (") and "rows/s" in r.getMessage() for r in caplog.records
    )
    assert any("Read 3 rows in" in r.getMessage() for r in caplog.records)
    assert any("only 3 row(s)" in w for w in warnings)
    assert any("only 3 row(s)" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
