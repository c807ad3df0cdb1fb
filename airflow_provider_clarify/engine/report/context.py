"""The run-context block of the report: which data, how many rows, where the predictions came from, which value
is the positive outcome, which engine and version wrote it.

It reads ``report_data["run"]`` (made by the engine's ``report_data.run_context``). Copied into the notebook's
helper cell like :mod:`.helpers`.
"""

from __future__ import annotations

from airflow_provider_clarify.engine.report.helpers import Cell, Document, Table

RUN_FIELDS = (
    ("dataset", "Dataset"),
    ("dataset_type", "Dataset type"),
    ("rows", "Rows read"),
    ("items", "Items explained"),
    ("label", "Label column"),
    ("positive_outcome", "Positive outcome (label value or threshold)"),
    ("predictions", "Predicted labels from"),
    ("model", "Model explained"),
    ("group_variable", "Group variable (CDDL, CDDPL)"),
    ("series", "Explanations read from"),
    ("images", "Images explained"),
    ("methods", "Analyses"),
    ("engine", "Engine"),
    ("engine_version", "Engine version"),
    ("generated", "Report generated"),
)
"""(key of ``report_data["run"]``, what the row is called), in display order."""


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def has_run_context(report_data: Document) -> bool:
    return bool((report_data or {}).get("run"))


def run_context_table(report_data: Document) -> Table:
    """One row per fact of the run that the report data holds, in :data:`RUN_FIELDS` order."""
    run = (report_data or {}).get("run") or {}
    rows = [[Cell(name), Cell(_text(run[key]))] for key, name in RUN_FIELDS if run.get(key) not in (None, "")]
    return Table("Run context", ["", "Value"], rows)
