"""Where and how run_analysis leaves its files (a new output folder is created, files get ordinary permissions), and
which module runs each kind of analysis."""

from __future__ import annotations

import json
import os
import stat
from typing import get_args

import numpy as np

from airflow_provider_clarify.config import AnalysisKind, load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "group", "value_or_threshold": ["b"]}],
    "methods": {
        "pre_training_bias": {"methods": ["CI"]},
        "report": {"name": "report", "title": "Output test"},
    },
}


def _dataset(tmp_path):
    path = tmp_path / "data.csv"
    lines = ["group,label"] + [f"{'b' if i % 4 == 0 else 'a'},{i % 2}" for i in range(80)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_report_run_creates_a_missing_output_folder(tmp_path):
    output = tmp_path / "not" / "yet" / "there"
    analysis = run_analysis(load_config(CONFIG), dataset=str(_dataset(tmp_path)), output=str(output))
    # CI = (n_a − n_d) / (n_a + n_d) with 60 rows in a and 20 in b.
    (group,) = analysis["pre_training_bias_metrics"]["facets"]["group"]
    assert group["metrics"][0]["value"] == (60 - 20) / 80
    assert {"analysis.json", "report.ipynb", "report.html", "report.pdf"} <= {
        p.name for p in output.iterdir()
    }
    mode = stat.S_IMODE((output / "analysis.json").stat().st_mode)
    assert mode == 0o666 & ~_umask(), oct(mode)


def test_failed_run_removes_the_output_folder_it_created(tmp_path):
    output = tmp_path / "fresh"
    bad = {**CONFIG, "facet": [{"name_or_index": "no_such_column", "value_or_threshold": ["b"]}]}
    try:
        run_analysis(load_config(bad), dataset=str(_dataset(tmp_path)), output=str(output))
    except AnalysisError as error:
        assert "no_such_column" in str(error)
    else:
        raise AssertionError("a facet column absent from the data must fail the run")
    assert not output.exists()


def test_an_image_config_runs_the_image_analysis(tmp_path):
    """dataset_type application/x-image goes to the image module: its section in analysis.json, its files beside."""
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    pixels = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
    Image.fromarray(pixels).save(folder / "one.png")
    config = load_config(
        {
            "dataset_type": "application/x-image",
            "methods": {
                "shap": {
                    "num_samples": 10,
                    "seed": 0,
                    "image_config": {"model_type": "IMAGE_CLASSIFICATION", "num_segments": 4},
                }
            },
            "predictor": {"label_headers": ["dark", "bright"]},
        }
    )

    def model(images: np.ndarray) -> np.ndarray:
        bright = images.reshape(len(images), -1).mean(axis=1) / 255.0
        return np.stack([1 - bright, bright], axis=1)

    output = tmp_path / "out"
    analysis = run_analysis(config, dataset=str(folder), output=str(output), predictor=model)
    section = analysis["explanations"]["computer_vision"]
    assert section["num_images"] == 1 and section["label_headers"] == ["dark", "bright"]
    assert json.loads((output / "analysis.json").read_text()) == analysis
    assert (output / "explanations_shap" / "image_explanations.jsonl").is_file()
    assert "pre_training_bias_metrics" not in analysis


def test_every_analysis_kind_has_an_entry_point():
    from airflow_provider_clarify.engine.analysis import ANALYSES

    assert set(ANALYSES) == set(get_args(AnalysisKind))


def test_a_time_series_config_runs_the_time_series_analysis(tmp_path):
    """time_series_data_config goes to the time-series module: its entry, its out.jsonl, and the report asked for."""
    from tests.unit.engine.timeseries.forecasting import Forecaster, analysis_config, nonlinear, write_dataset

    document = analysis_config()
    document["methods"]["report"] = {"name": "report"}
    dataset = write_dataset(tmp_path, "timestamp_records")
    output = tmp_path / "out"
    warnings: list[str] = []
    analysis = run_analysis(
        load_config(document),
        dataset=str(dataset),
        output=str(output),
        predictor=Forecaster(nonlinear),
        warnings=warnings,
        published_uri="s3://bucket/run",
    )
    entry = analysis["explanations"]["asymmetric_shapley_value"]
    relative = "asymmetric_shapley_value/timewise_chronological/out.jsonl"
    assert entry["explanation_results_path"] == f"s3://bucket/run/{relative}"
    assert (output / relative).is_file()
    assert sorted(p.name for p in output.glob("report.*")) == ["report.html", "report.ipynb", "report.pdf"]
    assert json.loads((output / "analysis.json").read_text()) == analysis
    assert not [warning for warning in warnings if "report" in warning]


def test_rerun_with_a_smaller_config_leaves_no_file_of_the_earlier_run(tmp_path):
    """Run 1 writes a report; run 2 (bias only) into the same folder must not leave run 1's report beside it."""
    from airflow_provider_clarify.contract import MANIFEST_FILE
    from airflow_provider_clarify.results import ClarifyResult

    output = tmp_path / "out"
    dataset = str(_dataset(tmp_path))
    run_analysis(load_config(CONFIG), dataset=dataset, output=str(output))
    assert {"report.ipynb", "report.html", "report.pdf"} <= {p.name for p in output.iterdir()}
    (output / "explanations_shap").mkdir()  # as an earlier SHAP run (without a manifest) would have left it
    (output / "explanations_shap" / "out.csv").write_text("a_label0\n0.1\n")
    (output / "notes.txt").write_text("not part of any Clarify output: left alone, never listed")

    smaller = {**CONFIG, "methods": {"pre_training_bias": {"methods": ["CI"]}}}
    run_analysis(load_config(smaller), dataset=dataset, output=str(output))
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == [
        MANIFEST_FILE,
        "analysis.json",
        "notes.txt",
    ]
    result = ClarifyResult.from_analysis(output)
    assert list(result.output_files) == ["analysis.json"]
    assert result.metric("CI") == (60 - 20) / 80
