"""The first streaming pass: progress logs while reading and the small-dataset warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis


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
