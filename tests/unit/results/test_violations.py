"""The gate report: the table of every check for the task log."""

from __future__ import annotations

from airflow_provider_clarify.results import (
    ClarifyResult,
    evaluate,
)
from tests.unit.results import analysis_samples as samples


def test_table_lists_every_check():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    table = evaluate(result, {"DI": [0.8, 1.25], "CI": [-0.5, 0.5]}).table()
    lines = table.splitlines()
    assert lines[0].split(" | ")[0].strip() == "check"
    assert len(lines) == 2 + 3 + 1  # header, rule, three checks, totals
    assert "DI" in lines[2] and "[0.8, 1.25]" in lines[2] and lines[2].rstrip().endswith("violation")
    assert lines[-1] == "3 checks: 2 pass, 1 violation(s), 0 skipped, 0 not compared"
