"""The time-series section of the report: attributions over time for the first items, and the inputs that
mattered most over all items.

It reads ``report_data["time_series"]``: the first lines of ``out.jsonl`` (as the results page shows them) and the
summary of every line (items, horizon, top time steps or features). Copied into the notebook's helper cell like
:mod:`.helpers`.
"""

from __future__ import annotations

import math

from matplotlib.figure import FigureBase

from airflow_provider_clarify.engine.report.helpers import (
    TEXT_COLOR,
    Cell,
    Chart,
    Document,
    Table,
    _shorten,
    format_number,
)

MAX_TICKS = 14


def series_items(report_data: Document) -> list[Document]:
    """The explained items the report draws (the first lines of out.jsonl)."""
    return list(((report_data or {}).get("time_series") or {}).get("items") or [])


def _grid(item: Document) -> tuple[list[str], list[str], list[list[float]]]:
    """(row names, column timestamps, values): timewise rows are horizon steps over time steps; fine-grained rows
    are the series (target, related), each cell the horizon-mean score at that time step."""
    explanations = [e for e in item.get("explanations") or [] if "timestamp" in e]
    timestamps: list[str] = []
    for entry in explanations:
        if str(entry["timestamp"]) not in timestamps:
            timestamps.append(str(entry["timestamp"]))
    if not any("feature_name" in entry for entry in explanations):
        horizon = max((len(entry.get("scores") or []) for entry in explanations), default=0)
        values = [[math.nan] * len(timestamps) for _ in range(horizon)]
        for entry in explanations:
            column = timestamps.index(str(entry["timestamp"]))
            for step, score in enumerate(entry.get("scores") or []):
                values[step][column] = float(score)
        return [f"forecast step {step + 1}" for step in range(horizon)], timestamps, values
    names: list[str] = []
    for entry in explanations:
        if str(entry["feature_name"]) not in names:
            names.append(str(entry["feature_name"]))
    values = [[math.nan] * len(timestamps) for _ in names]
    for entry in explanations:
        scores = [float(s) for s in entry.get("scores") or []]
        mean = sum(scores) / len(scores) if scores else math.nan
        values[names.index(str(entry["feature_name"]))][timestamps.index(str(entry["timestamp"]))] = mean
    return names, timestamps, values


def series_attribution_chart(report_data: Document, index: int) -> Chart:
    """One item's attributions over time as a heat map: red pushes the forecast up, blue down, white nothing."""
    item = series_items(report_data)[index]
    rows, timestamps, values = _grid(item)
    fine = any("feature_name" in e for e in item.get("explanations") or [])
    title = f"Attributions over time: item {_shorten(str(item.get('item_id', index)), 40)}"

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        finite = [abs(v) for row in values for v in row if not math.isnan(v)]
        peak = max(finite, default=0.0) or 1.0
        image = axes.imshow(
            values, aspect="auto", cmap="RdBu_r", vmin=-peak, vmax=peak, interpolation="nearest"
        )
        step = max(1, math.ceil(len(timestamps) / MAX_TICKS))
        ticks = list(range(0, len(timestamps), step))
        axes.set_xticks(ticks, [_shorten(timestamps[t], 16) for t in ticks], rotation=30, ha="right")
        axes.set_yticks(range(len(rows)), [_shorten(r, 24) for r in rows])
        axes.tick_params(labelsize=8, colors=TEXT_COLOR)
        axes.set_xlabel("time step of the input series", color=TEXT_COLOR)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        bar = figure.colorbar(image, ax=axes, shrink=0.9)
        bar.set_label(
            "score, mean over the forecast horizon" if fine else "score (contribution to that forecast step)",
            fontsize=8,
        )
        bar.ax.tick_params(labelsize=8)

    return Chart(title, draw, size=(9.5, 1.9 + 0.32 * max(len(rows), 3)))


def series_item_table(report_data: Document, index: int) -> Table:
    """One item's forecast at the baseline (offset) per horizon step and, for fine-grained explanations, its
    static covariates' scores."""
    item = series_items(report_data)[index]
    offset = [float(v) for v in item.get("offset") or []]
    rows = [[Cell("offset (forecast at the baseline)"), *(Cell(format_number(v), "value") for v in offset)]]
    for entry in item.get("explanations") or []:
        if "timestamp" not in entry and "feature_name" in entry:
            rows.append(
                [
                    Cell(f"static covariate {entry['feature_name']}"),
                    *(Cell(format_number(float(v)), "value") for v in entry.get("scores") or []),
                ]
            )
    columns = ["", *(f"step {step + 1}" for step in range(len(offset)))]
    caption = "offset + the sum of every score = the model's forecast, per horizon step."
    return Table(f"Item {item.get('item_id', index)}: offset per forecast step", columns, rows, caption)


def series_top_table(report_data: Document) -> Table:
    """The time steps (timewise) or features (fine-grained) with the largest mean |score| over every item."""
    series = (report_data or {}).get("time_series") or {}
    summary = series.get("summary") or {}
    if "top_features" in summary:
        rows = [
            [
                Cell(str(e.get("feature_name"))),
                Cell(format_number(float(e.get("mean_abs_score", 0))), "value"),
            ]
            for e in summary["top_features"]
        ]
        columns = ["Feature", "Mean total |score| per item"]
    else:
        rows = [
            [Cell(str(e.get("timestamp"))), Cell(format_number(float(e.get("mean_abs_score", 0))), "value")]
            for e in summary.get("top_time_steps") or []
        ]
        columns = ["Time step", "Mean |score|"]
    caption = (
        f"{summary.get('items', '?')} item(s), forecast horizon {summary.get('horizon', '?')}, "
        f"{summary.get('granularity', '?')} {summary.get('direction', '?')} explanations; the full results are in "
        f"{series.get('results_path', 'out.jsonl')}."
    )
    return Table("Inputs that mattered most, over all items", columns, rows, caption)
