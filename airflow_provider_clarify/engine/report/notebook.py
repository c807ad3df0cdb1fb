"""Build the report notebook: markdown headings plus short code cells that load analysis.json and draw.

The notebook is the single description of the report. The HTML is its nbconvert export and the PDF draws the
objects its cells return, so the three renderings cannot drift apart.
"""

from __future__ import annotations

import ast
import html
import inspect
import pprint
import re
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from airflow_provider_clarify import contract
from airflow_provider_clarify.contract import ANALYSIS_FILE, CONSTRAINT_VIOLATIONS_FILE, SEGMENTS_PATH
from airflow_provider_clarify.engine.report import context, helpers, images, performance, series, verdict
from airflow_provider_clarify.engine.report.helpers import Document

PARAMETERS_TAG = "parameters"
HELPERS_TAG = "clarify-helpers"
VIOLATIONS_FILE = CONSTRAINT_VIOLATIONS_FILE

PACKAGE = "airflow_provider_clarify"
CONTRACT_MODULE = "airflow_provider_clarify.contract"
_DECODER_CONSTANTS = ("_POSITIVE_INFINITY_SPELLINGS", "_NEGATIVE_INFINITY_SPELLINGS", "_NAN_SPELLINGS")
HELPER_MODULES = (helpers, context, verdict, performance, series, images)
"""The modules whose source makes up the notebook's helper cell, in order (each imports only the ones before)."""


def helpers_source() -> str:
    """The helper modules' own source as one cell, so the notebook re-runs without this provider installed: their
    imports from the package are dropped (the cell defines everything in one namespace), and the job contract's
    number decoder is inlined (one codec, no copy to drift)."""
    return "\n\n\n".join(
        _standalone(Path(str(module.__file__)).read_text(encoding="utf-8"), first=index == 0)
        for index, module in enumerate(HELPER_MODULES)
    )


def _standalone(source: str, *, first: bool) -> str:
    """``source`` without its package imports (the contract's decoder inlined in their place) and, past the first
    module, without ``from __future__`` (allowed only at the top of a cell)."""
    lines = source.strip().splitlines()
    for node in reversed(ast.parse(source).body):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        if node.module == CONTRACT_MODULE:
            spellings = [
                f"{name} = frozenset({sorted(getattr(contract, name))!r})" for name in _DECODER_CONSTANTS
            ]
            decoder = inspect.getsource(contract.decode_number).rstrip()
            lines[start:end] = [*spellings, "", "", decoder]
        elif node.module.startswith(PACKAGE) or (node.module == "__future__" and not first):
            del lines[start:end]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """Plain text for a markdown cell: a title such as ``<b>Q3</b> *draft*`` shows literally, never as HTML."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", escaped)


def _code(source: str, *tags: str, hidden: bool = False) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if hidden:
        # JupyterLab and classic Notebook both honour one of these to collapse the long helper cell.
        cell.metadata["jupyter"] = {"source_hidden": True}
        cell.metadata["collapsed"] = True
    return cell


def _markdown(text: str, section: str | None = None) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_markdown_cell(text)
    if section:
        cell.metadata["clarify_section"] = section
    return cell


def build_notebook(
    analysis: Document,
    *,
    title: str,
    distributions: Document | None = None,
    analysis_file: str = ANALYSIS_FILE,
    segments: Document | None = None,
    report_data: Document | None = None,
    violations: Document | None = None,
) -> nbformat.NotebookNode:
    """The report notebook for ``analysis`` (unexecuted: cells have no outputs yet).

    ``segments``: the ``segments/analysis_segments.json`` document of ``segment_config``, drawn as its own section.
    ``report_data``: what the engine knows beside analysis.json (run context, performance counts, time-series
    items), embedded in the parameters cell. ``violations``: a gate's ``constraint_violations.json``; when given,
    the report has a gate-verdict section (the cells read the file beside analysis.json).
    """
    data = report_data or {}
    run = data.get("run")
    # One time for the whole report: the run context's, when the engine gave one.
    generated = (run.get("generated") if isinstance(run, dict) else None) or datetime.now(
        timezone.utc
    ).strftime("%Y-%m-%d %H:%M UTC")
    cells = [
        _markdown(
            f"# {markdown_text(title)}\n\n"
            f"Generated {generated} from `{analysis_file}` "
            f"(analysis format version {analysis.get('version', '?')}).",
            section="title",
        ),
        _code(helpers_source(), HELPERS_TAG, hidden=True),
        _code(
            "# The report's inputs. To draw it again, run every cell in the folder that holds analysis.json\n"
            "# (and, once a gate has checked the result, constraint_violations.json).\n"
            f"analysis_path = {analysis_file!r}\n"
            f"violations_path = {VIOLATIONS_FILE!r}\n"
            f"distributions = {pprint.pformat(distributions or {}, sort_dicts=False)}\n"
            f"report_data = {pprint.pformat(data, sort_dicts=False)}"
            + (f"\nsegments_path = {SEGMENTS_PATH!r}" if segments else "")
            + (f"\noutput_folder = {'.'!r}  # where the heatmaps are" if images.image_section(data) else ""),
            PARAMETERS_TAG,
        ),
        _code("analysis = load_analysis(analysis_path)\nviolations = load_violations(violations_path)"),
    ]
    sections = [
        _context_cells(data),
        _verdict_cells(violations),
        _bias_cells(analysis, distributions or {}, data),
        _performance_cells(data),
        _shap_cells(analysis),
        _pdp_cells(analysis),
        _series_cells(data),
        _image_cells(data),
        segment_cells(segments or {}),
    ]
    if not any(sections[2:]):
        cells.append(_markdown("This analysis holds no bias metrics and no explanations.", section="empty"))
    for section in sections:
        cells.extend(section)
    notebook: nbformat.NotebookNode = new_notebook(cells=cells)
    notebook.metadata["title"] = title
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def _context_cells(report_data: Document) -> list[nbformat.NotebookNode]:
    if not context.has_run_context(report_data):
        return []
    return [
        _markdown(
            "## Run context\n\nWhat was analysed, how, and by which engine.",
            section="Run context",
        ),
        _code("run_context_table(report_data)"),
    ]


def _verdict_cells(violations: Document | None) -> list[nbformat.NotebookNode]:
    if violations is None:
        return []
    return [
        _markdown(
            "## Gate verdict\n\n"
            f"What the gate that checked this result found (`{VIOLATIONS_FILE}` beside `analysis.json`).",
            section="Gate verdict",
        ),
        _code("gate_verdict_table(violations)"),
    ]


def _bias_cells(
    analysis: Document, distributions: Document, report_data: Document
) -> list[nbformat.NotebookNode]:
    stages = helpers.bias_stages(analysis)
    label_counts = distributions.get("label") or {}
    facet_counts = distributions.get("facets") or {}
    if not stages and not label_counts and not facet_counts:
        return []
    cells = [
        _markdown(
            "## Bias analysis\n\n"
            "How the label and the facets are distributed in the dataset, then each bias metric per facet group. "
            "A metric that could not be computed shows its error in place of the value.",
            section="Bias analysis",
        )
    ]
    if label_counts or facet_counts:
        cells.append(_markdown("### Data distribution"))
    if label_counts:
        cells.append(_code("label_distribution_chart(distributions, analysis)"))
    for facet in facet_counts:
        cells.append(_code(f"facet_distribution_chart(distributions, {facet!r}, analysis)"))
    if performance.has_performance(report_data) and not performance.has_predictions(report_data):
        cells.append(_markdown("### Label rates per facet group"))
        cells.append(_code("group_rates_table(report_data)"))
    for stage in stages:
        cells.append(_markdown(f"### {helpers.STAGE_TITLES[stage]}"))
        for facet in helpers.bias_facets(analysis, stage):
            cells.append(_code(f"bias_metric_table(analysis, {stage!r}, {facet!r}, violations)"))
            groups = len((analysis[stage].get("facets") or {}).get(facet) or [])
            for first in range(0, groups, helpers.GROUPS_PER_CHART):
                suffix = f", first_group={first}" if first else ""
                cells.append(
                    _code(f"bias_metric_chart(analysis, {stage!r}, {facet!r}{suffix}, violations=violations)")
                )
    return cells


def _performance_cells(report_data: Document) -> list[nbformat.NotebookNode]:
    if not performance.has_predictions(report_data):
        return []
    return [
        _markdown(
            "## Model performance\n\n"
            "The predicted labels against the labels, counted by the bias analysis: over all rows, then inside "
            "each facet group (d) and the rest (a).",
            section="Model performance",
        ),
        _code("confusion_matrix_table(report_data)"),
        _code("confusion_matrix_chart(report_data)"),
        _code("performance_table(report_data)"),
        _markdown("### Per facet group"),
        _code("group_rates_table(report_data)"),
        _code("group_rates_chart(report_data)"),
        _code("group_performance_table(report_data)"),
    ]


def _image_cells(report_data: Document) -> list[nbformat.NotebookNode]:
    section = images.image_section(report_data)
    if not section:
        return []
    cells = [
        _markdown(
            "## Computer vision\n\n"
            "Kernel SHAP over superpixels. In each heatmap the left half is the input with its superpixels, the "
            "right half the SHAP values over a grey copy: blue raises the explained score, red lowers it.",
            section="Computer vision",
        ),
        _code("image_summary_table(report_data)"),
    ]
    if section.get("shown"):
        cells.append(_code("image_grid_chart(report_data, output_folder)"))
    return cells


def _series_cells(report_data: Document) -> list[nbformat.NotebookNode]:
    items = series.series_items(report_data)
    if not report_data.get("time_series"):
        return []
    cells = [
        _markdown(
            "## Time-series explanations\n\n"
            "Asymmetric Shapley values of the forecasts: how much each time step (or each series at each time "
            f"step) moved each forecast step, for the first {len(items)} item(s), then the inputs that mattered "
            "most over all items.",
            section="Time-series explanations",
        )
    ]
    for index, item in enumerate(items):
        cells.append(_markdown(f"### Item {markdown_text(str(item.get('item_id', index)))}"))
        cells.append(_code(f"series_attribution_chart(report_data, {index})"))
        cells.append(_code(f"series_item_table(report_data, {index})"))
    cells.append(_markdown("### All items"))
    cells.append(_code("series_top_table(report_data)"))
    return cells


def _shap_cells(analysis: Document) -> list[nbformat.NotebookNode]:
    targets = helpers.shap_targets(analysis)
    if not targets:
        return []
    cells = [
        _markdown(
            "## Feature attributions (SHAP)\n\n"
            "The features (or, for text, the text units) that move the model output the most, by their global "
            "SHAP value over the explained records.",
            section="Feature attributions (SHAP)",
        )
    ]
    for target in targets:
        if helpers.has_feature_shap(analysis, target) or not helpers.has_text_shap(analysis, target):
            cells.append(_code(f"shap_chart(analysis, {target!r})"))
        if helpers.has_text_shap(analysis, target):
            cells.append(_code(f"text_shap_chart(analysis, {target!r})"))
    return cells


def _pdp_cells(analysis: Document) -> list[nbformat.NotebookNode]:
    entries = helpers.pdp_entries(analysis)
    if not entries:
        return []
    cells = [
        _markdown(
            "## Partial dependence\n\n"
            "The average model prediction as one feature varies while the others keep their observed values. "
            "Grey bars show how many records fall into each bucket: a line over a thin bar rests on little data.",
            section="Partial dependence",
        )
    ]
    for index, entry in enumerate(entries):
        if not entry.get("error"):
            name = " ".join(str(entry.get("feature_name", "")).split())
            cells.append(_code(f"pdp_chart(analysis, {index})  # {name}"))
    if any(entry.get("error") for entry in entries):
        cells.append(_code("pdp_error_table(analysis)"))
    return cells


# ------------------------------------------------------------------------------------------------------- segments
def segment_cells(segments: Document) -> list[nbformat.NotebookNode]:
    """The segments section: per segment config, a table per stage and facet, and SHAP per segment."""
    configs = helpers.segment_configs(segments)
    if not configs:
        return []
    cells = [
        _markdown(
            "## Segments\n\n"
            "Every requested metric computed on the rows of each segment of `segment_config` alone (the "
            "`__default__` segment holds the rows no listed segment covers), from "
            "`segments/analysis_segments.json`.",
            section="Segments",
        ),
        _code("segments = load_analysis(segments_path)"),
    ]
    for index, config in enumerate(configs):
        cells.append(
            _markdown(
                f"### {markdown_text(str(config.get('config_name', '')))} (column {markdown_text(str(config.get('column', '')))})"
            )
        )
        for stage in helpers.STAGE_TITLES:
            for facet in helpers.segment_facets(segments, index, stage):
                cells.append(_code(f"segment_metric_table(segments, {index}, {stage!r}, {facet!r})"))
        for target in helpers.segment_has_shap(segments, index):
            cells.append(_code(f"segment_shap_table(segments, {index}, {target!r})"))
    return cells
