"""Cells run in order like Jupyter runs them; a failing cell is a ReportError naming it."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from airflow_provider_clarify.engine.report import ReportError
from airflow_provider_clarify.engine.report.executor import execute_notebook


def test_cells_share_a_namespace_and_parameters_follow_the_tagged_cell():
    parameters = new_code_cell("value = 1")
    parameters.metadata["tags"] = ["parameters"]
    notebook = new_notebook(
        cells=[new_markdown_cell("# Title"), parameters, new_code_cell("value * 10"), new_code_cell("x = 2")]
    )
    result = execute_notebook(notebook, parameters={"value": 4})
    assert [cell.value for cell in result.cells] == [None, None, 40, None]
    assert notebook.cells[2].outputs[0]["data"]["text/plain"] == "40"
    assert [cell.get("execution_count") for cell in notebook.cells[1:]] == [1, 2, 3]
    nbformat.validate(notebook)


def test_rich_objects_are_stored_with_their_representations():
    define = new_code_cell("class Shown:\n    def _repr_html_(self):\n        return '<p>shown</p>'")
    notebook = new_notebook(cells=[define, new_code_cell("Shown()")])
    execute_notebook(notebook)
    data = notebook.cells[1].outputs[0]["data"]
    assert data["text/html"] == "<p>shown</p>" and "Shown object" in data["text/plain"]


def test_a_failing_cell_is_named():
    notebook = new_notebook(cells=[new_code_cell("ok = 1"), new_code_cell("1 / 0  # divide")])
    with pytest.raises(
        ReportError, match=r"report notebook cell 1 \('1 / 0  # divide'\) failed: ZeroDivisionError"
    ):
        execute_notebook(notebook)
