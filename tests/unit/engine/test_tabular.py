"""analyze_tables: the tabular kind's sections from a run context, with counts worked out by hand."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.run import RunContext
from airflow_provider_clarify.engine.tabular import analyze_tables

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "group", "value_or_threshold": ["b"]}],
    "methods": {"pre_training_bias": {"methods": ["CI"]}},
}


def _dataset(tmp_path):
    path = tmp_path / "data.csv"
    lines = ["group,label"] + [f"{'b' if i % 4 == 0 else 'a'},{i % 2}" for i in range(80)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_bias_section_of_a_csv_without_the_version(tmp_path):
    context = RunContext(load_config(CONFIG), _dataset(tmp_path), tmp_path)
    sections = analyze_tables(context)
    assert list(sections) == ["pre_training_bias_metrics"]  # run_analysis adds "version" and writes the file
    (group,) = sections["pre_training_bias_metrics"]["facets"]["group"]
    (metric,) = group["metrics"]
    # CI = (n_a − n_d) / (n_a + n_d) with 60 rows in a and 20 in b.
    assert metric["name"] == "CI" and metric["value"] == pytest.approx((60 - 20) / 80)
    assert not any(tmp_path.glob("report.*"))  # no output folder: nothing is written


def test_a_failed_step_logs_what_had_completed(tmp_path, caplog):
    config = load_config(
        {
            **CONFIG,
            "headers": ["group", "label"],
            "methods": {
                "pre_training_bias": {"methods": ["CI"]},
                "pdp": {"features": ["group"], "grid_resolution": 5},
            },
            "predictor": {"endpoint_name": "e"},
        }
    )

    def broken(body: bytes) -> str:
        raise RuntimeError("the model is down")

    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    with pytest.raises(
        RuntimeError, match="the model is down"
    ):  # run_analysis turns it into an AnalysisError
        analyze_tables(RunContext(config, _dataset(tmp_path), tmp_path, predictor=broken))
    (line,) = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert line.startswith("pdp failed:") and "Completed before the failure: pre_training_bias" in line
