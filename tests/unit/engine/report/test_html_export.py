"""The HTML report is one self-contained file: images inline, no scripts, the notebook's text."""

from __future__ import annotations

import json

from airflow_provider_clarify.engine.report.executor import execute_notebook
from airflow_provider_clarify.engine.report.html_export import notebook_to_html
from airflow_provider_clarify.engine.report.notebook import build_notebook
from tests.unit.engine.report import sample_analyses as samples


def test_self_contained_html(tmp_path):
    analysis = samples.bias_only()
    (tmp_path / "analysis.json").write_text(json.dumps(analysis))
    notebook = build_notebook(analysis, title="Bias <audit>")
    execute_notebook(notebook, parameters={"analysis_path": str(tmp_path / "analysis.json")})
    page = notebook_to_html(notebook)
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "<script" not in page.lower()
    assert 'src="data:image/png;base64,' in page
    assert "Bias &lt;audit&gt;" in page
