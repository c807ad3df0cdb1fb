"""``refresh_report``: render an analysis output's report again, with the gate's verdict once a gate has run.

Why a second rendering: the report is written by the analysis, and a gate (``ClarifyGateOperator``) checks the
result afterwards, writing ``constraint_violations.json`` beside ``analysis.json``. Re-rendering from the folder
(analysis.json, the report notebook's own inputs, the segments file, the violations) adds the gate-verdict
section and marks the values outside the gate's bands, in the HTML and PDF as in the notebook. Nothing else
changes: analysis.json is only read.

The notebook is the record of the report's inputs: its parameters cell holds the distributions and the report
data the engine handed over, as Python literals, and they are read back with ``ast.literal_eval`` (no code runs).
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import nbformat

from airflow_provider_clarify.config.model import DEFAULT_REPORT_TITLE
from airflow_provider_clarify.contract import (
    ANALYSIS_FILE,
    CONSTRAINT_VIOLATIONS_FILE,
    DEFAULT_REPORT_NAME,
    REPORT_EXTENSIONS,
    SEGMENTS_PATH,
    is_s3_uri,
    join_uri,
    split_s3_uri,
)
from airflow_provider_clarify.engine.report.executor import ReportError
from airflow_provider_clarify.engine.report.helpers import Document
from airflow_provider_clarify.engine.report.notebook import PARAMETERS_TAG
from airflow_provider_clarify.engine.report.writer import write_report


class ReportStore(Protocol):
    """The part of a boto3 S3 client a refresh of an ``s3://`` output uses."""

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None: ...

    def upload_file(self, Filename: str, Bucket: str, Key: str) -> None: ...


def notebook_inputs(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """The literal assignments of the notebook's parameters cell (``distributions``, ``report_data``...)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.metadata.get("tags", []):
            inputs = {}
            for node in ast.parse(cell.source).body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    inputs[node.targets[0].id] = ast.literal_eval(node.value)
            return inputs
    raise ReportError(
        "the report notebook has no cell tagged 'parameters': it was not written by this provider"
    )


def _read_json(path: Path, what: str) -> Document | None:
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReportError(f"{path}: {what} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ReportError(f"{path}: {what} must hold a JSON object")
    return document


def refresh_local_report(folder: str | os.PathLike[str], *, name: str = DEFAULT_REPORT_NAME) -> list[Path]:
    """Render ``<name>.ipynb/.html/.pdf`` in ``folder`` again from the files there; return their paths.

    Reads ``analysis.json`` and ``<name>.ipynb`` (both required), ``segments/analysis_segments.json`` and
    ``constraint_violations.json`` (when present). Raises :class:`ReportError` naming a missing or unreadable file.
    """
    root = Path(folder)
    analysis = _read_json(root / ANALYSIS_FILE, "analysis.json")
    if analysis is None:
        raise ReportError(f"{root}: no {ANALYSIS_FILE} there; refresh_report needs an analysis output folder")
    notebook_path = root / f"{name}.ipynb"
    if not notebook_path.is_file():
        found = sorted(p.stem for p in root.glob("*.ipynb"))
        raise ReportError(
            f"{notebook_path}: no report notebook there; give the report's name (methods.report.name)"
            + (f", one of {found}" if found else "; the analysis wrote no report")
        )
    try:
        notebook = nbformat.read(notebook_path, as_version=4)
        inputs = notebook_inputs(notebook)
    except (ValueError, SyntaxError, nbformat.ValidationError) as error:
        raise ReportError(f"{notebook_path}: cannot read the report's inputs: {error}") from None
    return write_report(
        root,
        analysis,
        name=name,
        title=str(notebook.metadata.get("title") or DEFAULT_REPORT_TITLE),
        distributions=inputs.get("distributions") or None,
        segments=_read_json(root / SEGMENTS_PATH, SEGMENTS_PATH),
        report_data=inputs.get("report_data") or None,
        violations=_read_json(root / CONSTRAINT_VIOLATIONS_FILE, CONSTRAINT_VIOLATIONS_FILE),
    )


def _download(
    s3_client: ReportStore,
    bucket: str,
    prefix: str,
    relative: str,
    folder: Path,
    *,
    required: bool,
    where: str,
) -> None:
    """``relative`` under the ``s3://`` output into ``folder``; a missing optional file is left out."""
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        s3_client.download_file(bucket, join_uri(prefix, relative).lstrip("/"), str(target))
    except Exception as error:  # botocore's ClientError (404) and friends; boto3 is not imported here
        target.unlink(missing_ok=True)
        if required:
            raise ReportError(f"{join_uri(where, relative)}: could not download it: {error}") from error


def refresh_report(
    output: str | os.PathLike[str], *, name: str = DEFAULT_REPORT_NAME, s3_client: ReportStore | None = None
) -> list[str]:
    """Render the report of an analysis output again (a local folder or an ``s3://`` prefix); return the report
    files' locations. Call it after a gate wrote ``constraint_violations.json`` there, to put the verdict into
    the HTML and PDF. An ``s3://`` output needs ``s3_client`` (a boto3 S3 client): the inputs are downloaded,
    the report rendered in a temporary folder and its three files uploaded over the old ones."""
    text = str(output)
    if not is_s3_uri(text):
        return [str(path) for path in refresh_local_report(text, name=name)]
    if s3_client is None:
        raise ReportError(
            f"{text}: an s3:// output needs s3_client (a boto3 S3 client) to refresh its report"
        )
    bucket, prefix = split_s3_uri(text, what="output")
    with tempfile.TemporaryDirectory(prefix="clarify-refresh-") as scratch:
        folder = Path(scratch)
        wanted = [(ANALYSIS_FILE, True), (f"{name}.ipynb", True), (SEGMENTS_PATH, False)]
        wanted.append((CONSTRAINT_VIOLATIONS_FILE, False))
        for relative, required in wanted:
            _download(s3_client, bucket, prefix, relative, folder, required=required, where=text)
        # an image analysis's report shows its first heatmaps: they are read from the report's folder
        inputs = notebook_inputs(nbformat.read(folder / f"{name}.ipynb", as_version=4))
        for shown in ((inputs.get("report_data") or {}).get("images") or {}).get("shown") or []:
            _download(s3_client, bucket, prefix, str(shown["heatmap"]), folder, required=False, where=text)
        refreshed = refresh_local_report(folder, name=name)
        locations = []
        for path in refreshed:
            key = join_uri(prefix, path.name).lstrip("/")
            s3_client.upload_file(str(path), bucket, key)
            locations.append(f"s3://{bucket}/{key}")
    assert len(locations) == len(REPORT_EXTENSIONS)
    return locations
