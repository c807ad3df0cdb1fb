"""run_analysis writes a report for time-series explanations when methods.report is set: attributions over time
of the first items, read back from out.jsonl; analysis.json stays exactly the entry the managed job writes."""

from __future__ import annotations

import json

import nbformat

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.contract import MANIFEST_FILE
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.report.refresh import notebook_inputs
from airflow_provider_clarify.engine.timeseries import explanation_lines
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    analysis_config,
    nonlinear,
    write_dataset,
)


def test_time_series_report_draws_the_first_items_from_out_jsonl(tmp_path):
    baseline = {"static_covariates": {"store-1": [0], "store-2": [1], "42": [2]}}
    config = analysis_config(granularity="fine_grained", num_samples=4, baseline=baseline)
    config["methods"]["report"] = {"name": "report", "title": "Forecast explanations"}
    dataset = write_dataset(tmp_path, "timestamp_records")
    warnings: list[str] = []
    analysis = run_analysis(
        load_config(config), dataset, tmp_path / "out", predictor=Forecaster(nonlinear), warnings=warnings
    )
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST_FILE) == [
        "analysis.json", "asymmetric_shapley_value", "report.html", "report.ipynb", "report.pdf",
    ]  # fmt: skip
    assert json.loads((out / "analysis.json").read_text()) == analysis
    assert list(analysis["explanations"]) == ["asymmetric_shapley_value"]  # nothing of the report inside
    assert not [w for w in warnings if "report" in w]
    lines = list(explanation_lines(out / "asymmetric_shapley_value/fine_grained_chronological/out.jsonl"))
    data = notebook_inputs(nbformat.read(out / "report.ipynb", as_version=4))["report_data"]
    series = data["time_series"]
    assert series["items"] == lines[: min(3, len(lines))]
    assert series["summary"]["items"] == len(ITEMS) == data["run"]["items"]
    page = (out / "report.html").read_text()
    for item in series["items"]:
        assert f"Attributions over time: item {item['item_id']}" in page
    assert "Inputs that mattered most, over all items" in page and "Run context" in page
