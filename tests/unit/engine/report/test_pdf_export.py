"""The PDF report: a title page with contents, then one page per chart or table part."""

from __future__ import annotations

import json

from pypdf import PdfReader

from airflow_provider_clarify.engine.report.executor import execute_notebook
from airflow_provider_clarify.engine.report.notebook import build_notebook
from airflow_provider_clarify.engine.report.pdf_export import write_pdf
from tests.unit.engine.report import sample_analyses as samples


def test_pages_and_title(tmp_path):
    analysis = samples.bias_only()
    (tmp_path / "analysis.json").write_text(json.dumps(analysis))
    notebook = build_notebook(analysis, title="Credit audit")
    result = execute_notebook(notebook, parameters={"analysis_path": str(tmp_path / "analysis.json")})
    pages = write_pdf(result, tmp_path / "r.pdf", title="Credit audit")
    reader = PdfReader(tmp_path / "r.pdf")
    assert len(reader.pages) == pages > 1
    first = reader.pages[0].extract_text()
    assert "Credit audit" in first and "page 2" in first  # the contents point at the pages that follow
