"""The engine CLI: arguments, the container layout, and the failure contract (exit 1, the reason on stderr and in <output>/failure)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from airflow_provider_clarify.engine import __main__ as cli
from tests.unit.engine.bias.reference import metric_values
from tests.unit.engine.compas_like import bias_config, write_compas


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


def test_failed_cli_run_after_a_good_one_leaves_the_folder_reading_as_failed(tmp_path: Path):
    """The earlier run's analysis.json must not sit beside the new failure file as if it were current."""
    from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError

    config, data = write_case(tmp_path)
    output = tmp_path / "out"
    arguments = ["--config", str(config), "--dataset", str(data), "--output", str(output)]
    assert cli.main(arguments) == 0
    assert ClarifyResult.from_analysis(output).metric("CI") == 0.0  # 10 rows x, 10 rows y

    document = json.loads(config.read_text())
    document["label"] = "missing"
    config.write_text(json.dumps(document))
    assert cli.main(arguments) == 1
    assert sorted(p.name for p in output.iterdir()) == ["failure"]
    with pytest.raises(ClarifyResultError, match=r"failed: ClientError: label: column 'missing'"):
        ClarifyResult.from_analysis(output)


def test_cli_summary_counts_every_warning(tmp_path: Path, caplog):
    data, _ = write_compas(tmp_path, rows=100)
    config = tmp_path / "c.json"
    document = bias_config(facet=[{"name_or_index": "race", "value_or_threshold": ["African American"]}])
    config.write_text(json.dumps(document))
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    assert cli.main(["--config", str(config), "--dataset", str(data), "--output", str(tmp_path / "o")]) == 0
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    # the facet value that matches no row (with did-you-mean), then CI and DPL failing on an empty facet d
    assert len(warnings) == 3 and warnings[0].endswith("did you mean ['African-American']?")
    assert caplog.messages[-1] == (
        f"Clarify analysis complete: 3 warning(s) (logged above); analysis.json at {tmp_path / 'o' / 'analysis.json'}"
    )
