"""Charts and tables of the Clarify analysis report, as rich-display objects.

This module is copied into the first code cell of ``report.ipynb`` so that the notebook re-runs in any Jupyter
with matplotlib installed, without this provider. It therefore stays self-contained: standard library and
matplotlib only, no pyplot (global figure state would leak between reports written in one worker process). Its one
import from the package, the job contract's number decoder, is replaced in the cell by that decoder's own source
(``notebook.helpers_source``).

Every public function returns an object that Jupyter knows how to show (``_repr_png_`` for charts,
``_repr_html_`` for tables); the report writer executes the same cells in-process, stores those representations
as the notebook outputs, and draws the very same objects on PDF pages.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.ticker import StrMethodFormatter

# In the notebook cell this import is replaced by the decoder's own source (see the module doc).
from airflow_provider_clarify.contract import decode_number

Document: TypeAlias = dict[str, Any]
"""A JSON object of analysis.json (the whole document or one of its sections): arbitrary JSON values inside."""

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and still readable in grey print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
BAR_COLOR = "#0072B2"
HIGHLIGHT_COLOR = "#D55E00"
MUTED_COLOR = "#B8C4CE"
TEXT_COLOR = "#24292F"
GRID_COLOR = "#E4E8EC"
ERROR_COLOR = "#B42318"
PNG_DPI = 110
MAX_BARS = 20
TOP_SHAP = 10
GROUPS_PER_CHART = 6

# Where each metric shows "no difference between the facets" (reference §9): DI is a ratio, every other one a
# difference or distance.
PARITY = {"DI": 1.0}

STAGE_TITLES = {
    "pre_training_bias_metrics": "Pre-training bias metrics",
    "post_training_bias_metrics": "Post-training bias metrics",
}


def load_analysis(path: str | Path = "analysis.json") -> Document:
    """Read analysis.json; the report only ever reads it, so a plain json.load is all that is needed."""
    with open(path, encoding="utf-8") as handle:
        document: Document = json.load(handle)
        return document


# --------------------------------------------------------------------------------------------- display objects
class Chart:
    """A figure drawn on demand, so one chart can be rendered to PNG (notebook, HTML) and onto a PDF page."""

    def __init__(
        self, title: str, draw: Callable[[FigureBase], None], size: tuple[float, float] = (9.0, 5.0)
    ) -> None:
        self.title = title
        self.size = size
        self._draw = draw

    def figure(self, target: FigureBase | None = None) -> FigureBase:
        """Draw into ``target`` (a Figure or SubFigure) or into a new Figure of the chart's own size."""
        figure = target if target is not None else Figure(figsize=self.size, layout="constrained")
        figure.set_facecolor("white")
        self._draw(figure)
        return figure

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        figure = Figure(figsize=self.size, layout="constrained")
        self.figure(figure)
        figure.savefig(buffer, format="png", dpi=PNG_DPI, facecolor="white")
        return buffer.getvalue()

    def __repr__(self) -> str:
        return f"<Chart: {self.title}>"


class Cell:
    """One table cell: ``kind`` is "text", "value", "error", "missing" or "violation" (a value outside a gate's
    band) and decides its style."""

    def __init__(self, text: str, kind: str = "text") -> None:
        self.text = text
        self.kind = kind


class Table:
    """A titled table with a caption; shown as HTML in Jupyter and drawn as text on PDF pages."""

    def __init__(self, title: str, columns: list[str], rows: list[list[Cell]], caption: str = "") -> None:
        self.title = title
        self.columns = columns
        self.rows = rows
        self.caption = caption

    def _repr_html_(self) -> str:
        numeric = [any(row[i].kind in NUMERIC_KINDS for row in self.rows) for i in range(len(self.columns))]
        head = "".join(
            f'<th class="clarify-num">{html.escape(column)}</th>'
            if numeric[i]
            else f"<th>{html.escape(column)}</th>"
            for i, column in enumerate(self.columns)
        )
        body = []
        for row in self.rows:
            cells = "".join(f'<td class="clarify-{cell.kind}">{html.escape(cell.text)}</td>' for cell in row)
            body.append(f"<tr>{cells}</tr>")
        caption = f'<p class="clarify-caption">{html.escape(self.caption)}</p>' if self.caption else ""
        return (
            f"<style>{TABLE_CSS}</style>"
            f'<div class="clarify-table-wrap"><p class="clarify-table-title">{html.escape(self.title)}</p>'
            f'<table class="clarify-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            f"{caption}</div>"
        )

    def __repr__(self) -> str:
        return f"<Table: {self.title} ({len(self.rows)} rows)>"


NUMERIC_KINDS = ("value", "violation")
"""Cell kinds that hold a number (right-aligned)."""

# Selectors carry the wrapper class so they outrank JupyterLab's right-aligned ":not(...) td" table rules.
TABLE_CSS = (
    "div.clarify-table-wrap{overflow-x:auto;margin:0.4em 0 1.2em 0;font-family:-apple-system,"
    "BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif}"
    "div.clarify-table-wrap p.clarify-table-title{font-weight:600;font-size:1.05em;margin:0 0 0.4em 0;"
    "color:#24292F}"
    "div.clarify-table-wrap table.clarify-table{border-collapse:collapse;font-size:0.92em;margin:0;"
    "table-layout:auto}"
    "div.clarify-table-wrap table.clarify-table th{background:#F3F6F9;color:#24292F;text-align:left;"
    "padding:6px 12px;border-bottom:2px solid #C9D3DD;white-space:nowrap}"
    "div.clarify-table-wrap table.clarify-table td{padding:5px 12px;border-bottom:1px solid #E4E8EC;"
    "vertical-align:top;text-align:left;color:#24292F}"
    "div.clarify-table-wrap table.clarify-table th.clarify-num{text-align:right}"
    "div.clarify-table-wrap table.clarify-table tbody tr:nth-child(even){background:#FAFBFC}"
    "div.clarify-table-wrap table.clarify-table td.clarify-value{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}"
    "div.clarify-table-wrap table.clarify-table td.clarify-error{color:#B42318;font-size:0.9em;max-width:28em}"
    "div.clarify-table-wrap table.clarify-table td.clarify-violation{text-align:right;color:#B42318;"
    "font-weight:600;background:#FDECEA;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "div.clarify-table-wrap table.clarify-table td.clarify-missing{color:#8C959F;text-align:center}"
    "div.clarify-table-wrap p.clarify-caption{color:#57606A;font-size:0.85em;margin:0.4em 0 0 0}"
)


# ------------------------------------------------------------------------------------------------ value helpers
def metric_number(value: object) -> float | None:
    """A metric value as a float: analysis.json writes ±∞ as the strings "Infinity"/"-Infinity" (reference §8.1) and
    NaN as null; read by the job contract's decoder. Anything it cannot read shows as missing."""
    try:
        return decode_number(value)
    except ValueError:
        return None


def format_number(number: float) -> str:
    """Four decimals for the usual [-1, 1] metric range; scientific notation where that would hide the value."""
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if number != 0 and (abs(number) < 1e-4 or abs(number) >= 1e5):
        return f"{number:.3e}"
    return f"{number:.4f}"


def metric_cell(metric: Document) -> Cell:
    """The table cell of one metric: its error in place of the value when the metric failed (reference §10.2)."""
    if metric.get("error"):
        return Cell(f"Error: {metric['error']}", "error")
    number = metric_number(metric.get("value"))
    if number is None:
        return Cell("n/a", "missing")
    return Cell(format_number(number) + interval_text(metric_interval(metric)), "value")


def group_label(facet: str, group: Document) -> str:
    return f"{facet} = {group.get('value_or_threshold', '?')}"


def _style_axes(axes: Axes, grid_axis: Literal["x", "y"] = "x") -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#8C959F")
    axes.tick_params(colors=TEXT_COLOR, labelsize=9)
    axes.grid(axis=grid_axis, color=GRID_COLOR, linewidth=0.8)
    axes.set_axisbelow(True)


def _shorten(text: str, limit: int = 28) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------------ distributions
def _positive_values(analysis: Document) -> set[str]:
    for stage in STAGE_TITLES:
        section = analysis.get(stage) or {}
        if "label_value_or_threshold" in section:
            text = str(section["label_value_or_threshold"])
            return {text, *(part.strip() for part in text.split(","))}
    return set()


def _count_chart(
    title: str, xlabel: str, counts: dict[str, int], highlight: set[str], legend: str | None
) -> Chart:
    items = [(str(key), int(value)) for key, value in counts.items()]
    total = sum(value for _, value in items) or 1
    shown = sorted(items, key=lambda item: -item[1])[:MAX_BARS] if len(items) > MAX_BARS else items
    hidden = len(items) - len(shown)

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        labels = [_shorten(key) for key, _ in shown]
        values = [value for _, value in shown]
        colors = [HIGHLIGHT_COLOR if key in highlight else BAR_COLOR for key, _ in shown]
        bars = axes.bar(range(len(shown)), values, color=colors, width=0.7)
        for bar, value in zip(bars, values, strict=False):
            axes.annotate(
                f"{value:,}\n{100 * value / total:.1f}%",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=TEXT_COLOR,
            )
        axes.set_xticks(
            range(len(shown)),
            labels,
            rotation=30 if len(shown) > 6 else 0,
            ha="right" if len(shown) > 6 else "center",
        )
        axes.set_ylabel("Records", color=TEXT_COLOR)
        axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        axes.set_xlabel(
            xlabel + (f"  (top {len(shown)} of {len(items)} values)" if hidden else ""), color=TEXT_COLOR
        )
        axes.set_ylim(0, max(values or [1]) * 1.22)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        _style_axes(axes, grid_axis="y")
        if legend and any(key in highlight for key, _ in shown):
            from matplotlib.patches import Patch

            axes.legend(
                handles=[
                    Patch(color=HIGHLIGHT_COLOR, label=legend),
                    Patch(color=BAR_COLOR, label="other values"),
                ],
                frameon=False,
                fontsize=8,
                loc="upper right",
            )

    return Chart(title, draw, size=(8.0, 3.8))


def label_distribution_chart(distributions: Document, analysis: Document | None = None) -> Chart:
    """Records per label value; the positive label value(s) of the bias analysis are highlighted."""
    counts = (distributions or {}).get("label") or {}
    highlight = _positive_values(analysis or {})
    label_name = ""
    for stage in STAGE_TITLES:
        label_name = ((analysis or {}).get(stage) or {}).get("label", label_name)
    title = f"Label distribution: {label_name}" if label_name else "Label distribution"
    return _count_chart(title, label_name or "Label value", counts, highlight, "positive label value")


def facet_distribution_chart(distributions: Document, facet: str, analysis: Document | None = None) -> Chart:
    """Records per value of one facet column; the sensitive group(s) analysed for bias are highlighted."""
    counts = ((distributions or {}).get("facets") or {}).get(facet) or {}
    highlight: set[str] = set()
    for stage in STAGE_TITLES:
        for group in (((analysis or {}).get(stage) or {}).get("facets") or {}).get(facet, []):
            text = str(group.get("value_or_threshold", ""))
            highlight |= {text, *(part.strip() for part in text.split(","))}
    return _count_chart(f"Facet distribution: {facet}", facet, counts, highlight, "analysed facet value")


# ------------------------------------------------------------------------------------------------- bias metrics
def bias_stages(analysis: Document) -> list[str]:
    return [stage for stage in STAGE_TITLES if isinstance(analysis.get(stage), dict)]


def bias_facets(analysis: Document, stage: str) -> list[str]:
    return list(((analysis.get(stage) or {}).get("facets") or {}).keys())


def _metric_names(groups: list[Document]) -> list[str]:
    names: list[str] = []
    for group in groups:
        for metric in group.get("metrics", []):
            if metric.get("name") not in names:
                names.append(metric.get("name"))
    return sorted(names, key=str)


def bias_metric_table(
    analysis: Document, stage: str, facet: str, violations: Document | None = None
) -> Table:
    """Metric name, description and one value column per facet group; a failed metric shows its error.

    ``violations`` (the ``constraint_violations.json`` document of a gate, when one checked this result) marks
    each value the gate found outside its band with :data:`VIOLATION_MARK`."""
    section = analysis.get(stage) or {}
    groups = (section.get("facets") or {}).get(facet, [])
    names = _metric_names(groups)
    flagged = violated_metrics(violations)
    rows = []
    for name in names:
        description = ""
        cells = []
        for group in groups:
            metric = next((m for m in group.get("metrics", []) if m.get("name") == name), None)
            if metric is None:
                cells.append(Cell("not computed", "missing"))
                continue
            description = description or str(metric.get("description", ""))
            cell = metric_cell(metric)
            if (facet, str(group.get("value_or_threshold", "")), str(name)) in flagged:
                cell = Cell(f"{cell.text} {VIOLATION_MARK}", "violation")
            cells.append(cell)
        rows.append([Cell(str(name)), Cell(description), *cells])
    columns = ["Metric", "Description", *(group_label(facet, group) for group in groups)]
    label = section.get("label", "")
    caption = (
        f"Label {label!s} with positive value(s) {section.get('label_value_or_threshold', '?')!s}. "
        "Values are facet a (the rest) compared with facet d (the group in the column header); "
        "DI is a ratio with parity at 1, every other metric has parity at 0."
    )
    if flagged:
        caption += f" {VIOLATION_MARK}: outside the band of the gate that checked this result."
    return Table(f"{STAGE_TITLES.get(stage, stage)}: facet {facet}", columns, rows, caption)


# A value the gate found outside its band (constraint_violations.json), in tables and charts.
VIOLATION_MARK = "✗ gate"


def violated_metrics(violations: Document | None) -> set[tuple[str, str, str]]:
    """(facet, facet value, metric) of every bias violation of the whole dataset in a constraint_violations.json
    document; a segment's violations (their description starts with "Segment ") and SHAP drift are left out."""
    found = set()
    for entry in (violations or {}).get("violations") or []:
        if not isinstance(entry, dict) or entry.get("facet") is None:
            continue
        if str(entry.get("description", "")).startswith("Segment "):
            continue
        found.add((str(entry["facet"]), str(entry.get("facet_value", "")), str(entry.get("metric_name", ""))))
    return found


def _metric_entries(
    names: list[str], groups: list[Document]
) -> list[tuple[int, int, float | None, str | None]]:
    """(metric index, group index, value or None, error or None) for every metric a group reports."""
    entries = []
    for m_index, name in enumerate(names):
        for g_index, group in enumerate(groups):
            metric = next((m for m in group.get("metrics", []) if m.get("name") == name), None)
            if metric is None:
                continue
            error = metric.get("error")
            entries.append((m_index, g_index, None if error else metric_number(metric.get("value")), error))
    return entries


def metric_axis_label(name: str) -> str:
    """What a metric panel's axis shows: every metric on its own scale, DI as the ratio it is."""
    if name in PARITY:
        return f"{name} (ratio; parity at {PARITY[name]:g}, bars start there)"
    return f"{name} (parity at 0)"


def panel_limits(
    values: list[float | None], intervals: list[tuple[float, float]], parity: float
) -> tuple[float, float]:
    """The x range of one metric's panel: its own finite values and interval ends, parity inside, with room for
    the value labels; a panel with nothing finite spans parity ± 1."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    finite += [end for pair in intervals for end in pair if math.isfinite(end)]
    low = min([parity, *finite])
    high = max([parity, *finite])
    span = max(high - low, abs(parity) * 0.05, 0.05)
    infinite = [v for v in values if v is not None and math.isinf(v)]
    infinite += [end for pair in intervals for end in pair if math.isinf(end)]
    if any(v < 0 for v in infinite) or low < parity:
        low -= 0.35 * span
    else:
        low -= 0.08 * span
    if any(v > 0 for v in infinite) or high > parity or not finite:
        high += 0.35 * span
    else:
        high += 0.08 * span
    return low, high


def bias_metric_chart(
    analysis: Document,
    stage: str,
    facet: str,
    first_group: int = 0,
    violations: Document | None = None,
) -> Chart:
    """One panel per metric, each on its own scale (TE's range never squeezes DPPL's): a bar per facet group
    from the metric's parity to its value, up to six groups per chart. DI stays a ratio, its bars start at 1.
    ``violations`` outlines in red the bars a gate found outside its band."""
    section = analysis.get(stage) or {}
    all_groups = (section.get("facets") or {}).get(facet, [])
    groups = all_groups[first_group : first_group + GROUPS_PER_CHART]
    names = _metric_names(groups)
    title = f"{STAGE_TITLES.get(stage, stage)}: facet {facet}"
    if len(all_groups) > GROUPS_PER_CHART:
        title += f" (groups {first_group + 1}-{first_group + len(groups)} of {len(all_groups)})"
    entries = _metric_entries(names, groups)
    intervals = entry_intervals(names, groups)  # confidence intervals, when the analysis has them
    flagged = violated_metrics(violations)
    columns = 1 if len(names) <= 4 else 2
    rows = max(math.ceil(len(names) / columns), 1)
    panel_height = 0.55 + 0.24 * max(len(groups), 1)

    def draw(figure: FigureBase) -> None:
        figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            if index >= len(names):
                axes.set_axis_off()
                continue
            name = names[index]
            parity = PARITY.get(name, 0.0)
            mine = [(g, v, e) for m, g, v, e in entries if m == index]
            pairs = [pair for (m, _), pair in intervals.items() if m == index]
            low, high = panel_limits([v for _, v, _ in mine], pairs, parity)
            for g_index, value, error in mine:
                key = (facet, str(groups[g_index].get("value_or_threshold", "")), name)
                _panel_bar(
                    axes,
                    g_index,
                    value,
                    error,
                    parity,
                    (low, high),
                    PALETTE[g_index % len(PALETTE)],
                    key in flagged,
                )
                _panel_whisker(axes, g_index, intervals.get((index, g_index)), (low, high))
            axes.axvline(parity, color="#57606A", linewidth=1.1, linestyle="--")
            axes.set_xlim(low, high)
            axes.set_ylim(len(groups) - 0.5, -0.5)
            axes.set_yticks([])
            axes.set_title(metric_axis_label(name), loc="left", fontsize=9.5, color=TEXT_COLOR)
            _style_axes(axes, grid_axis="x")
        if groups:
            _group_legend(figure, facet, groups, bool(intervals), bool(flagged), section)

    height = min(1.3 + rows * panel_height, 13.0)
    return Chart(title, draw, size=(9.0 if columns == 1 else 10.0, height))


def _panel_bar(
    axes: Axes,
    y: float,
    value: float | None,
    error: str | None,
    parity: float,
    limits: tuple[float, float],
    color: str,
    flagged: bool,
) -> None:
    """One group's bar from parity to its value (hatched to the panel's edge when infinite) with the value as
    text, or "error" / "n/a" where there is no value; a red outline when a gate flagged it."""
    low, high = limits
    span = high - low
    if value is None:
        axes.text(
            parity, y, " error" if error else " n/a", va="center", ha="left", fontsize=8,
            color=ERROR_COLOR if error else "#8C959F", style="italic",
        )  # fmt: skip
        return
    edge, width = (ERROR_COLOR, 2.0) if flagged else (None, 0.0)
    if math.isinf(value):
        end = low + 0.04 * span if value < 0 else high - 0.04 * span
        axes.barh(
            y, end - parity, left=parity, height=0.7, color=color, hatch="///",
            edgecolor=edge or "white", linewidth=width,
        )  # fmt: skip
    else:
        end = value
        axes.barh(y, value - parity, left=parity, height=0.7, color=color, edgecolor=edge, linewidth=width)
    label = format_number(value) + (f" {VIOLATION_MARK}" if flagged else "")
    right = end >= parity
    axes.text(
        end + (0.012 * span if right else -0.012 * span), y, label, va="center",
        ha="left" if right else "right", fontsize=8, color=ERROR_COLOR if flagged else TEXT_COLOR,
    )  # fmt: skip


def _panel_whisker(
    axes: Axes, y: float, interval: tuple[float, float] | None, limits: tuple[float, float]
) -> None:
    """The confidence interval across a bar, in the metric's own units; an infinite end reaches the panel's
    edge with an arrow head, so "unbounded" never reads as a finite number."""
    if interval is None:
        return
    low, high = limits
    ends = [
        (low + 0.01 * (high - low) if end < 0 else high - 0.01 * (high - low)) if math.isinf(end) else end
        for end in interval
    ]
    axes.hlines(y, ends[0], ends[1], color=INTERVAL_COLOR, linewidth=1.1, zorder=3)
    for end, original in zip(ends, interval, strict=True):
        if math.isinf(original):
            axes.plot(
                end, y, marker=">" if original > 0 else "<", color=INTERVAL_COLOR, markersize=4, zorder=3
            )
        else:
            axes.vlines(end, y - 0.22, y + 0.22, color=INTERVAL_COLOR, linewidth=1.1, zorder=3)


def _group_legend(
    figure: FigureBase,
    facet: str,
    groups: list[Document],
    with_intervals: bool,
    with_violations: bool,
    section: Document,
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [
        Patch(color=PALETTE[i % len(PALETTE)], label=_shorten(group_label(facet, g), 40))
        for i, g in enumerate(groups)
    ]
    handles.append(Line2D([], [], color="#57606A", linewidth=1.1, linestyle="--", label="parity"))
    if with_intervals:
        handles.append(
            Line2D([], [], color=INTERVAL_COLOR, linewidth=1.1,
                   label=f"{interval_level_text(section)} confidence interval")
        )  # fmt: skip
    if with_violations:
        handles.append(
            Patch(facecolor="white", edgecolor=ERROR_COLOR, linewidth=2.0, label="outside the gate's band")
        )
    handles.append(Patch(facecolor="white", edgecolor="#8C959F", hatch="///", label="infinite"))
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False, fontsize=8
    )


# ---------------------------------------------------------------------------------------------------------- SHAP
def shap_targets(analysis: Document) -> list[str]:
    return list(((analysis.get("explanations") or {}).get("kernel_shap") or {}).keys())


def _ranked_bar_chart(
    title: str, subtitle: str, values: Document, xlabel: str, kind: str, intervals: Document | None = None
) -> Chart:
    items = [(str(k), float(v)) for k, v in values.items() if metric_number(v) is not None]
    items.sort(key=lambda item: (-abs(item[1]), item[0]))
    top = items[:TOP_SHAP]
    full_title = f"{title} (top {len(top)} of {len(items)} {kind})" if len(items) > len(top) else title

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        labels = [_shorten(name, 36) for name, _ in top]
        numbers = [value for _, value in top]
        colors = [BAR_COLOR if value >= 0 else HIGHLIGHT_COLOR for value in numbers]
        bars = axes.barh(range(len(top)), numbers, color=colors, height=0.65)
        whiskers = [metric_interval({"confidence_interval": (intervals or {}).get(name)}) for name, _ in top]
        span = max(
            [abs(v) for v in numbers]
            + [abs(e) for w in whiskers if w for e in w if math.isfinite(e)]
            + [1e-12]
        )
        for position, whisker in enumerate(whiskers):
            if whisker is not None:
                draw_interval(axes, position, whisker, 0.0, 0.65, span * 1.2)
        for bar, value in zip(bars, numbers, strict=False):
            axes.text(
                value + (0.01 * span if value >= 0 else -0.01 * span),
                bar.get_y() + bar.get_height() / 2,
                f"{value:.4g}",
                va="center",
                ha="left" if value >= 0 else "right",
                fontsize=8,
                color=TEXT_COLOR,
            )
        axes.set_yticks(range(len(top)), labels)
        axes.set_ylim(len(top) - 0.5, -0.5)
        low = min([0.0, *numbers])
        high = max([0.0, *numbers])
        axes.set_xlim(low - 0.3 * span if low < 0 else 0, high + 0.2 * span if high > 0 else 0.2 * span)
        if low < 0:
            axes.axvline(0, color="#57606A", linewidth=1)
        axes.set_xlabel(xlabel, color=TEXT_COLOR)
        axes.set_title(full_title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        if subtitle:
            axes.text(
                0.98,
                0.04,
                subtitle,
                transform=axes.transAxes,
                fontsize=9,
                color="#57606A",
                ha="right",
                va="bottom",
                bbox={"facecolor": "white", "edgecolor": GRID_COLOR, "pad": 4},
            )
        _style_axes(axes, grid_axis="x")
        if not top:
            axes.text(0.5, 0.5, "no values", transform=axes.transAxes, ha="center", color="#8C959F")

    return Chart(full_title, draw, size=(9.0, 1.6 + 0.42 * max(len(top), 2)))


def shap_chart(analysis: Document, target: str) -> Chart:
    """Horizontal bars of the ten largest global SHAP values of one target (reference §11)."""
    entry = ((analysis.get("explanations") or {}).get("kernel_shap") or {}).get(target) or {}
    expected = metric_number(entry.get("expected_value"))
    subtitle = f"Expected model output (baseline): {expected:.4g}" if expected is not None else ""
    return _ranked_bar_chart(
        f"Global SHAP values: {target}",
        subtitle,
        entry.get("global_shap_values") or {},
        "Global SHAP value (average contribution to the model output)",
        "features",
        entry.get("global_shap_confidence_intervals"),
    )


def has_text_shap(analysis: Document, target: str) -> bool:
    entry = ((analysis.get("explanations") or {}).get("kernel_shap") or {}).get(target) or {}
    return bool(entry.get("global_top_shap_text"))


def has_feature_shap(analysis: Document, target: str) -> bool:
    entry = ((analysis.get("explanations") or {}).get("kernel_shap") or {}).get(target) or {}
    return bool(entry.get("global_shap_values"))


def text_shap_chart(analysis: Document, target: str) -> Chart:
    """The text units (tokens, sentences, paragraphs) with the largest global SHAP values (reference §6.6)."""
    entry = ((analysis.get("explanations") or {}).get("kernel_shap") or {}).get(target) or {}
    return _ranked_bar_chart(
        f"Top text units by global SHAP value: {target}",
        "",
        entry.get("global_top_shap_text") or {},
        "Global SHAP value of the text unit",
        "text units",
    )


# ----------------------------------------------------------------------------------------------------------- PDP
def pdp_entries(analysis: Document) -> list[Document]:
    return list((analysis.get("explanations") or {}).get("pdp") or [])


def pdp_chart(analysis: Document, index: int) -> Chart:
    """Model output against one feature's values, one line per target, bucket shares as bars behind it."""
    entry = pdp_entries(analysis)[index]
    feature = str(entry.get("feature_name", f"feature {index}"))
    values = list(entry.get("feature_values") or [])
    predictions = entry.get("model_predictions") or []
    if predictions and not isinstance(predictions[0], (list, tuple)):
        predictions = [predictions]
    headers = list(entry.get("label_headers") or [])
    headers += [f"target {i + 1}" for i in range(len(headers), len(predictions))]
    distribution = list(entry.get("data_distribution") or [])
    categorical = entry.get("data_type") == "categorical" or not all(
        metric_number(v) is not None for v in values
    )
    title = f"Partial dependence: {feature}"

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        xs = list(range(len(values))) if categorical else [float(v) for v in values]
        if distribution and len(distribution) == len(values):
            _share_bars(axes, xs, distribution, categorical)
        for t_index, series in enumerate(predictions):
            axes.plot(
                xs[: len(series)],
                [float(v) for v in series][: len(xs)],
                marker="o",
                markersize=4,
                linewidth=2,
                color=PALETTE[t_index % len(PALETTE)],
                label=str(headers[t_index]),
            )
        if categorical:
            axes.set_xticks(
                xs,
                [_shorten(v, 18) for v in values],
                rotation=30 if len(xs) > 5 else 0,
                ha="right" if len(xs) > 5 else "center",
            )
        axes.set_xlabel(feature + (" (category)" if categorical else ""), color=TEXT_COLOR)
        axes.set_ylabel("Model prediction", color=TEXT_COLOR)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        _style_axes(axes, grid_axis="y")
        if predictions:
            _target_legend(axes, with_shares=bool(distribution) and len(distribution) == len(values))

    return Chart(title, draw, size=(9.0, 4.6))


def _share_bars(axes: Axes, xs: Sequence[float], distribution: list[Any], categorical: bool) -> None:
    """The share of records per grid value, as muted bars behind the lines (bottom third, no axis)."""
    share_axes = axes.twinx()
    if categorical:
        width = 0.6
    else:
        gaps = [b - a for a, b in itertools.pairwise(xs) if b > a]
        width = 0.8 * min(gaps) if gaps else 1.0
    shares = [float(d) for d in distribution]
    bars = share_axes.bar(
        xs, shares, width=width, color=MUTED_COLOR, alpha=0.55, zorder=0, label="share of records"
    )
    for bar, share in zip(bars, shares, strict=False):
        share_axes.annotate(
            f"{100 * share:.0f}%",
            (bar.get_x() + bar.get_width() / 2, share),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#57606A",
        )
    # The bars only give a sense of where the data is: they use the bottom third, without an axis.
    share_axes.set_ylim(0, max([*shares, 1e-09]) * 3.0)
    share_axes.set_yticks([])
    for side in ("top", "left", "right"):
        share_axes.spines[side].set_visible(False)
    axes.set_zorder(share_axes.get_zorder() + 1)
    axes.patch.set_visible(False)


def _target_legend(axes: Axes, *, with_shares: bool) -> None:
    handles, labels = axes.get_legend_handles_labels()
    if with_shares:
        from matplotlib.patches import Patch

        handles.append(Patch(color=MUTED_COLOR, alpha=0.55))
        labels.append("share of records (bars)")
    axes.legend(handles, labels, frameon=False, fontsize=8, loc="best", title="target", title_fontsize=8)


def pdp_error_table(analysis: Document) -> Table:
    """Features whose partial dependence could not be computed, with the reason (reference §10.3)."""
    rows = [
        [
            Cell(str(e.get("feature_name", ""))),
            Cell(str(e.get("data_type", ""))),
            Cell(str(e["error"]), "error"),
        ]
        for e in pdp_entries(analysis)
        if e.get("error")
    ]
    return Table("Partial dependence not computed", ["Feature", "Data type", "Error"], rows)


# ---------------------------------------------------------------------------- confidence intervals and segments
# Drawn only when analysis.json holds intervals ("confidence_interval" on a metric, written when the engine ran
# with the confidence option) and when segments/analysis_segments.json exists (segment_config).
INTERVAL_COLOR = "#24292F"


def metric_interval(metric: Document) -> tuple[float, float] | None:
    """A metric's ``confidence_interval`` as two floats (±∞ allowed), or None when it has none."""
    pair = metric.get("confidence_interval")
    if not isinstance(pair, list) or len(pair) != 2:
        return None
    low, high = metric_number(pair[0]), metric_number(pair[1])
    return None if low is None or high is None else (low, high)


def interval_text(interval: tuple[float, float] | None) -> str:
    """`` [low, high]`` after a value in a table cell; empty without an interval."""
    if interval is None:
        return ""
    return f" [{format_number(interval[0])}, {format_number(interval[1])}]"


def interval_level_text(section: Document) -> str:
    """ "95 %" from a section's ``confidence_interval_settings`` ("the" when it names no level)."""
    level = (section.get("confidence_interval_settings") or {}).get("level")
    return f"{float(level) * 100:g} %" if isinstance(level, (int, float)) else "the"


def entry_intervals(names: list[str], groups: list[Document]) -> dict[tuple[int, int], tuple[float, float]]:
    """(metric index, group index) → interval, for the metrics of a chart that have one."""
    found = {}
    for m_index, name in enumerate(names):
        for g_index, group in enumerate(groups):
            metric = next((m for m in group.get("metrics", []) if m.get("name") == name), None)
            interval = metric_interval(metric) if metric is not None and not metric.get("error") else None
            if interval is not None:
                found[(m_index, g_index)] = interval
    return found


def interval_shifts(
    intervals: dict[tuple[int, int], tuple[float, float]], names: list[str], parity: dict[str, float]
) -> list[float]:
    """The finite interval ends as distances from parity (so the chart's axis makes room for the whiskers)."""
    return [
        end - parity.get(names[m_index], 0.0)
        for (m_index, _), pair in intervals.items()
        for end in pair
        if math.isfinite(end)
    ]


def draw_interval(
    axes: Axes, y: float, interval: tuple[float, float] | None, parity: float, band: float, limit: float
) -> None:
    """A whisker from low to high (as distances from parity) across a bar; an infinite end is drawn to the edge
    of the axis with an arrow head, so "unbounded" never reads as a finite number."""
    if interval is None:
        return
    ends = []
    for end in interval:
        shown = end - parity
        ends.append(math.copysign(limit * 0.98, shown) if math.isinf(shown) else shown)
    low, high = ends
    axes.hlines(y, low, high, color=INTERVAL_COLOR, linewidth=1.1, zorder=3)
    cap = band * 0.3
    for end, original in zip((low, high), interval, strict=True):
        if math.isinf(original):
            axes.plot(end, y, marker=">" if end > 0 else "<", color=INTERVAL_COLOR, markersize=4, zorder=3)
        else:
            axes.vlines(end, y - cap, y + cap, color=INTERVAL_COLOR, linewidth=1.1, zorder=3)


def segment_configs(segments: Document) -> list[Document]:
    """The entries of segments/analysis_segments.json (one per ``segment_config`` entry)."""
    return list((segments or {}).get("segment_configs") or [])


def segment_facets(segments: Document, config_index: int, stage: str) -> list[str]:
    """Facet columns of a stage, over every segment of one config, in first-seen order."""
    facets: dict[str, None] = {}
    for segment in segment_configs(segments)[config_index].get("segments") or []:
        facets.update(dict.fromkeys(((segment.get(stage) or {}).get("facets") or {}).keys()))
    return list(facets)


def segment_metric_table(segments: Document, config_index: int, stage: str, facet: str) -> Table:
    """One column per segment (and facet group): each metric of one facet, computed on that segment's rows."""
    config = segment_configs(segments)[config_index]
    columns: list[tuple[str, Document]] = []
    for segment in config.get("segments") or []:
        groups = (((segment.get(stage) or {}).get("facets") or {}).get(facet)) or []
        for group in groups:
            header = str(segment.get("name", "?"))
            if len(groups) > 1:
                header += f" / {group_label(facet, group)}"
            columns.append((header, group))
    names = _metric_names([group for _, group in columns])
    rows = []
    for name in names:
        cells = [Cell(str(name))]
        for _, group in columns:
            metric = next((m for m in group.get("metrics", []) if m.get("name") == name), None)
            cells.append(metric_cell(metric) if metric is not None else Cell("not computed", "missing"))
        rows.append(cells)
    title = f"{STAGE_TITLES.get(stage, stage)} by segment of {config.get('config_name', '?')}: facet {facet}"
    caption = (
        f"Each column holds the metrics of the rows in one segment of column {config.get('column', '?')!s}; "
        "__default__ is every row no listed segment covers. Brackets: confidence interval, when computed."
    )
    return Table(title, ["Metric", *(header for header, _ in columns)], rows, caption)


def segment_shap_table(segments: Document, config_index: int, target: str) -> Table:
    """Global SHAP values per segment, the features ordered by their largest value over the segments."""
    config = segment_configs(segments)[config_index]
    columns = []
    for segment in config.get("segments") or []:
        entry = ((segment.get("explanations") or {}).get("kernel_shap") or {}).get(target) or {}
        columns.append((str(segment.get("name", "?")), entry))
    features: dict[str, float] = {}
    for _, entry in columns:
        for feature, value in (entry.get("global_shap_values") or {}).items():
            number = metric_number(value)
            if number is not None:
                features[feature] = max(features.get(feature, -math.inf), abs(number))
    ranked = sorted(features, key=lambda name: (-features[name], name))
    rows = []
    for feature in ranked:
        cells = [Cell(feature)]
        for _, entry in columns:
            number = metric_number((entry.get("global_shap_values") or {}).get(feature))
            pair = (entry.get("global_shap_confidence_intervals") or {}).get(feature)
            interval = metric_interval({"confidence_interval": pair})
            cells.append(
                Cell(format_number(number) + interval_text(interval), "value")
                if number is not None
                else Cell("n/a", "missing")
            )
        rows.append(cells)
    title = f"Global SHAP values by segment of {config.get('config_name', '?')}: {target}"
    return Table(title, ["Feature", *(name for name, _ in columns)], rows)


def segment_has_shap(segments: Document, config_index: int) -> list[str]:
    """The SHAP targets any segment of one config has."""
    targets: dict[str, None] = {}
    for segment in segment_configs(segments)[config_index].get("segments") or []:
        targets.update(dict.fromkeys(((segment.get("explanations") or {}).get("kernel_shap") or {}).keys()))
    return list(targets)
