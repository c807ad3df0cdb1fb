"""write_report: the one entry point that turns an analysis.json document into .ipynb, .html and .pdf."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import uuid
from pathlib import Path

import nbformat

from airflow_provider_clarify.config.model import DEFAULT_REPORT_TITLE
from airflow_provider_clarify.contract import (
    ANALYSIS_FILE,
    DEFAULT_REPORT_NAME,
    REPORT_EXTENSIONS,
    SEGMENTS_FILE,
)
from airflow_provider_clarify.engine.report.executor import ExecutionResult, ReportError, execute_notebook
from airflow_provider_clarify.engine.report.helpers import Document
from airflow_provider_clarify.engine.report.html_export import notebook_to_html
from airflow_provider_clarify.engine.report.notebook import VIOLATIONS_FILE, build_notebook
from airflow_provider_clarify.engine.report.pdf_export import write_pdf

# A file stem: anything but path separators, control characters and a leading dot (hidden or relative names).
_NAME_PATTERN = re.compile(r"^[^./\\\x00-\x1f][^/\\\x00-\x1f]*$")


def _check_inputs(
    output_dir: Path,
    analysis: Document,
    name: str,
    distributions: Document | None,
    report_data: Document | None,
    violations: Document | None,
) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name) or name in (".", ".."):
        raise ReportError(
            f"methods.report.name {name!r} is not a usable file name: give a plain file stem without '/', '\\', "
            "control characters or a leading '.'; the report files are <name>.ipynb, <name>.html and <name>.pdf"
        )
    if not isinstance(analysis, dict):
        raise TypeError(f"analysis must be the parsed analysis.json dict, got {type(analysis).__name__}")
    if distributions is not None and not isinstance(distributions, dict):
        raise TypeError(
            'distributions must be {"label": {value: count}, "facets": {column: {value: count}}} or None, '
            f"got {type(distributions).__name__}"
        )
    if not output_dir.is_dir():
        raise ReportError(f"report output directory {str(output_dir)!r} does not exist; create it first")
    for argument, value in (("report_data", report_data), ("violations", violations)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{argument} must be a JSON object (dict) or None, got {type(value).__name__}")


def _write_temporary(
    notebook: nbformat.NotebookNode, result: ExecutionResult, temporary: list[Path], title: str
) -> None:
    """The notebook, its HTML and the PDF under their temporary names (renamed by the caller once all three
    exist)."""
    nbformat.validate(notebook)
    with open(temporary[0], "w", encoding="utf-8") as handle:
        nbformat.write(notebook, handle)
    temporary[1].write_text(notebook_to_html(notebook), encoding="utf-8")
    write_pdf(result, temporary[2], title=title)


def write_report(
    output_dir: str | os.PathLike[str],
    analysis: Document,
    *,
    name: str = DEFAULT_REPORT_NAME,
    title: str = DEFAULT_REPORT_TITLE,
    distributions: Document | None = None,
    segments: Document | None = None,
    report_data: Document | None = None,
    violations: Document | None = None,
) -> list[Path]:
    """Write ``<name>.ipynb``, ``<name>.html`` and ``<name>.pdf`` into ``output_dir`` and return their paths.

    ``segments`` (the ``segments/analysis_segments.json`` document, when ``segment_config`` was set) adds a
    segments section that reads that file. ``report_data`` is what the engine knows beside analysis.json (run
    context, model-performance counts, time-series items; docs/results.md), embedded in the notebook.
    ``violations`` (a gate's ``constraint_violations.json``) adds the gate-verdict section and marks the values
    outside the gate's bands; the cells read that file beside analysis.json. The notebook's cells load
    ``analysis.json`` from their own folder, so it re-runs next to the job output. All
    three files are rendered under temporary names first and renamed only once every one of them succeeded: a
    failure raises :class:`ReportError` (TypeError for arguments of the wrong type) and leaves no report file.
    """
    output = Path(output_dir)
    _check_inputs(output, analysis, name, distributions, report_data, violations)
    title = str(title or DEFAULT_REPORT_TITLE)
    final = [output / f"{name}.{suffix}" for suffix in REPORT_EXTENSIONS]
    token = uuid.uuid4().hex[:8]
    temporary = [path.with_name(f".{path.name}.{token}.tmp") for path in final]
    renamed: list[Path] = []
    try:
        notebook = build_notebook(
            analysis,
            title=title,
            distributions=distributions,
            segments=segments,
            report_data=report_data,
            violations=violations,
        )
        result = _execute(notebook, analysis, output, segments=segments, violations=violations)
        _write_temporary(notebook, result, temporary, title)
        for source, target in zip(temporary, final, strict=False):
            os.replace(source, target)
            renamed.append(target)
    except ReportError:
        _discard(temporary + renamed)
        raise
    except ValueError as error:
        _discard(temporary + renamed)
        if "JSON compliant" in str(error):
            raise ReportError(
                'analysis holds NaN or a bare infinity; analysis.json writes null / "Infinity" instead'
            ) from error
        raise ReportError(f"could not write report {name!r}: {error}") from error
    except Exception as error:
        _discard(temporary + renamed)
        raise ReportError(f"could not write report {name!r}: {type(error).__name__}: {error}") from error
    return final


def _execute(
    notebook: nbformat.NotebookNode,
    analysis: Document,
    output: Path,
    *,
    segments: Document | None,
    violations: Document | None,
) -> ExecutionResult:
    """Run the notebook's cells on copies of the documents in a scratch folder.

    The cells read analysis.json; this run reads an exact copy of the dict we were given, so the report never
    depends on whether (or when) the caller wrote analysis.json itself. The gate's verdict is likewise only the
    document given here, never a file in the worker's current folder.
    """
    with tempfile.TemporaryDirectory(prefix="clarify-report-") as scratch:
        analysis_copy = Path(scratch) / ANALYSIS_FILE
        analysis_copy.write_text(json.dumps(analysis, allow_nan=False), encoding="utf-8")
        violations_copy = Path(scratch) / VIOLATIONS_FILE
        if violations is not None:
            violations_copy.write_text(json.dumps(violations, allow_nan=False), encoding="utf-8")
        parameters = {
            "analysis_path": str(analysis_copy),
            "violations_path": str(violations_copy),
            "output_folder": str(output),  # heatmaps of an image analysis, beside the report
        }
        if segments:  # segment_config: its own file, read by the notebook's segments section
            segments_copy = Path(scratch) / SEGMENTS_FILE
            segments_copy.write_text(json.dumps(segments, allow_nan=False), encoding="utf-8")
            parameters["segments_path"] = str(segments_copy)
        return execute_notebook(notebook, parameters=parameters)


def _discard(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
