"""The merge writes the same report as one process: the notebook and the HTML page (their random cell ids aside)
and the PDF (its creation time aside) — the report of two single runs differs in nothing else either."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_clarify.engine import EngineOptions, report_data, run_analysis
from tests.unit.engine.distributed.datasets import MODEL, config, frame, run_sharded, same_files, write


def _notebook(path: Path) -> dict:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        cell.pop("id", None)
    return notebook


def _html(path: Path) -> str:
    return re.sub(r"cell-id=[0-9a-f]+", "", path.read_text())


def _pdf(path: Path) -> bytes:
    return re.sub(rb"/CreationDate *\(D:[^)]*\)", b"", path.read_bytes())


class _FrozenClock(datetime):
    """The two runs may straddle a minute; the report shows its generation time to the minute."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(report_data, "datetime", _FrozenClock)


def test_report_of_bias_and_pdp(tmp_path, frozen_clock):
    data = frame()
    dataset = write(data, tmp_path / "data", "text/csv")
    analysis = config(
        "text/csv",
        data,
        facet=[{"name_or_index": "sex", "value_or_threshold": [1]}],
        group_variable="age_group",
        methods={
            "pre_training_bias": {"methods": ["CI", "DPL", "CDDL"]},
            "post_training_bias": {"methods": ["DPPL", "DI", "FT"]},
            "pdp": {"features": ["score"], "grid_resolution": 4},
            "report": {"name": "fairness", "title": "Sharded"},
        },
        predictor={"content_type": "text/csv", "accept_type": "text/csv"},
    )
    options = EngineOptions(chunk_rows=40)
    single = tmp_path / "single"
    run_analysis(analysis, str(dataset), single, predictor=f"{MODEL}:probability", options=options)
    merged = run_sharded(
        analysis, dataset, tmp_path / "sharded", 3, options=options, predictor=f"{MODEL}:probability"
    )
    same_files(single, merged, ["analysis.json"])
    assert _notebook(merged / "fairness.ipynb") == _notebook(single / "fairness.ipynb")
    assert _html(merged / "fairness.html") == _html(single / "fairness.html")
    assert _pdf(merged / "fairness.pdf") == _pdf(single / "fairness.pdf")
    assert "Sharded" in _html(merged / "fairness.html")
    assert "Generated 2026-01-02 03:04 UTC" in _html(merged / "fairness.html")
