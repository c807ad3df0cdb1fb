"""Execute the report notebook in-process and store the cell outputs the way Jupyter would.

Why not a Jupyter kernel: the report is written inside an Airflow worker or the processing container, where a
kernel means ipykernel, IPython, ZeroMQ sockets and a kernelspec lookup, a second Python process per report, and
several seconds of start-up on a busy machine, all to draw a handful of matplotlib charts. The cells only build
objects that follow Jupyter's rich-display protocol (``_repr_png_``, ``_repr_html_``), so running them with
``exec`` and recording ``execute_result`` outputs yields the same notebook a kernel would, and the notebook stays
re-runnable in Jupyter unchanged.
"""

from __future__ import annotations

import ast
import base64
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat.v4 import new_output

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.report.notebook import PARAMETERS_TAG


class ReportError(AnalysisError):
    """The report could not be written. An :class:`AnalysisError`, so the engine, its CLI and the operators
    report it like any other job-level failure (``reason`` names the field or the notebook cell)."""


@dataclass
class ExecutedCell:
    """A notebook cell with the object its last expression returned (None for markdown or statements)."""

    cell: Any
    value: Any = None


@dataclass
class ExecutionResult:
    cells: list[ExecutedCell] = field(default_factory=list)


def _mime_bundle(value: Any) -> dict[str, str]:
    bundle: dict[str, Any] = {"text/plain": repr(value)}
    png = getattr(value, "_repr_png_", None)
    if callable(png):
        bundle["image/png"] = base64.b64encode(png()).decode("ascii")
    rich_html = getattr(value, "_repr_html_", None)
    if callable(rich_html):
        bundle["text/html"] = rich_html()
    return bundle


def _run_cell(source: str, namespace: dict[str, Any], label: str) -> Any:
    """Run a cell like IPython: every statement, then the value of a trailing expression."""
    tree = ast.parse(source, filename=label)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    exec(compile(ast.Module(body=body, type_ignores=[]), label, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(body=last.value), label, "eval"), namespace)


def execute_notebook(
    notebook: nbformat.NotebookNode, parameters: dict[str, Any] | None = None
) -> ExecutionResult:
    """Execute every code cell in order, filling ``outputs`` and ``execution_count`` in place.

    ``parameters`` are assigned right after the cell tagged ``parameters`` ran (papermill's convention), so the
    stored notebook keeps its portable defaults (``analysis_path = "analysis.json"``) while this run reads the
    analysis from wherever the writer put it.
    """
    namespace: dict[str, Any] = {"__name__": "__clarify_report__"}
    result = ExecutionResult()
    count = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            result.cells.append(ExecutedCell(cell))
            continue
        count += 1
        label = f"<report cell {index}>"
        try:
            value = _run_cell(cell.source, namespace, label)
            outputs = []
            if value is not None:
                data = _mime_bundle(value)
                metadata = (
                    {"image/png": {"alt": str(value.title)}}
                    if "image/png" in data and hasattr(value, "title")
                    else {}
                )
                outputs.append(
                    new_output("execute_result", data=data, metadata=metadata, execution_count=count)
                )
        except Exception as error:
            first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            raise ReportError(
                f"report notebook cell {index} ({first_line[:80]!r}) failed: {type(error).__name__}: {error}"
            ) from error
        if PARAMETERS_TAG in cell.metadata.get("tags", []):
            namespace.update(parameters or {})
        cell.execution_count = count
        cell.outputs = outputs
        result.cells.append(ExecutedCell(cell, value))
    return result
