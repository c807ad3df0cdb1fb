"""The report notebook: a standalone helper cell (with the job contract's number decoder inlined), safe titles,
and one section per analysis part."""

from __future__ import annotations

import math

from airflow_provider_clarify import contract
from airflow_provider_clarify.engine.report.notebook import build_notebook, helpers_source, markdown_text
from tests.unit.engine.report import sample_analyses as samples


def test_helper_cell_runs_without_the_package_and_decodes_like_the_contract():
    source = helpers_source()
    assert "airflow_provider_clarify" not in source
    namespace: dict = {}
    exec(compile(source, "helpers", "exec"), namespace)
    for raw in ("Infinity", "-Infinity", "+inf", None, 0.25, 3):
        assert namespace["decode_number"](raw) == contract.decode_number(raw)
    assert namespace["metric_number"]("Infinity") == math.inf
    assert namespace["metric_number"]("high") is None and namespace["metric_number"](True) is None


def test_titles_are_text_never_markup():
    assert markdown_text("<b>Q3</b> *draft*") == "&lt;b&gt;Q3&lt;/b&gt; \\*draft\\*"


def test_cells_load_analysis_json_and_cover_each_part():
    notebook = build_notebook(samples.combined(), title="Audit")
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert "\nanalysis_path = 'analysis.json'\nviolations_path = 'constraint_violations.json'\n" in code[1]
    assert code[2] == "analysis = load_analysis(analysis_path)\nviolations = load_violations(violations_path)"
    sections = {
        cell.metadata.get("clarify_section") for cell in notebook.cells if cell.cell_type == "markdown"
    }
    assert {"title", "Bias analysis", "Feature attributions (SHAP)", "Partial dependence"} <= sections
    assert notebook.metadata["title"] == "Audit"
