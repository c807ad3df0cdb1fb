"""The model-performance section of the report: confusion matrix, accuracy, precision, recall and friends, and
the label / predicted-label rates per facet group.

Everything here reads the counts the bias pass handed over (``report_data["performance"]``, made by the engine's
``bias/performance.py``): ratios of counts, never a look at the rows. Like
:mod:`.helpers`, this module is copied into the notebook's helper cell, so it uses the standard library,
matplotlib and the helpers only.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import FigureBase

from airflow_provider_clarify.engine.report.helpers import (
    BAR_COLOR,
    HIGHLIGHT_COLOR,
    MUTED_COLOR,
    TEXT_COLOR,
    Cell,
    Chart,
    Document,
    Table,
    _shorten,
    _style_axes,
)

Side = dict[str, int]
"""Counts of one set of rows: rows, label_positive and, with predictions, the four confusion counts."""


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, None (shown "n/a") when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def _accuracy(s: Side) -> float | None:
    return ratio(s["true_positive"] + s["true_negative"], s["rows_with_prediction"])


def _precision(s: Side) -> float | None:
    return ratio(s["true_positive"], s["true_positive"] + s["false_positive"])


def _recall(s: Side) -> float | None:
    return ratio(s["true_positive"], s["true_positive"] + s["false_negative"])


def _specificity(s: Side) -> float | None:
    return ratio(s["true_negative"], s["true_negative"] + s["false_positive"])


def _f1(s: Side) -> float | None:
    return ratio(2 * s["true_positive"], 2 * s["true_positive"] + s["false_positive"] + s["false_negative"])


def _balanced_accuracy(s: Side) -> float | None:
    recall, specificity = _recall(s), _specificity(s)
    return None if recall is None or specificity is None else (recall + specificity) / 2


def _false_positive_rate(s: Side) -> float | None:
    return ratio(s["false_positive"], s["false_positive"] + s["true_negative"])


def _false_negative_rate(s: Side) -> float | None:
    return ratio(s["false_negative"], s["false_negative"] + s["true_positive"])


def _label_rate(s: Side) -> float | None:
    return ratio(s["label_positive"], s["rows"])


def _prediction_rate(s: Side) -> float | None:
    return ratio(s["predicted_positive"], s["rows_with_prediction"])


MEASURES: list[tuple[str, str, Callable[[Side], float | None]]] = [
    ("Accuracy", "(TP + TN) / all rows", _accuracy),
    ("Balanced accuracy", "(recall + specificity) / 2", _balanced_accuracy),
    ("Precision", "TP / (TP + FP): predicted positives that are positive", _precision),
    ("Recall (true positive rate)", "TP / (TP + FN): positives predicted positive", _recall),
    ("Specificity (true negative rate)", "TN / (TN + FP): negatives predicted negative", _specificity),
    ("F1 score", "2 TP / (2 TP + FP + FN)", _f1),
    ("False positive rate", "FP / (FP + TN)", _false_positive_rate),
    ("False negative rate", "FN / (FN + TP)", _false_negative_rate),
    ("Positive labels", "label positive / rows", _label_rate),
    ("Positive predictions", "predicted positive / rows", _prediction_rate),
]
"""(name, definition, function of one side's counts) of every measure the section shows."""

GROUP_MEASURES = ("Accuracy", "Precision", "Recall (true positive rate)", "Specificity (true negative rate)")


def has_performance(report_data: Document) -> bool:
    return bool((report_data or {}).get("performance"))


def has_predictions(report_data: Document) -> bool:
    performance = (report_data or {}).get("performance") or {}
    return bool(performance.get("predictions")) and "true_positive" in (performance.get("overall") or {})


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _share_cell(part: int, whole: int) -> Cell:
    value = ratio(part, whole)
    return Cell("n/a", "missing") if value is None else Cell(f"{_percent(value)} ({part:,})", "value")


def _measure_cell(value: float | None) -> Cell:
    return Cell("n/a", "missing") if value is None else Cell(f"{value:.4f}", "value")


def _positive_text(performance: Document) -> str:
    return f"label {performance.get('label', '?')!s}, positive value(s) {performance.get('label_value_or_threshold', '?')!s}"


def confusion_matrix_table(report_data: Document) -> Table:
    """Rows by observed label, columns by predicted label: counts and their share of all rows."""
    performance = report_data["performance"]
    side = performance["overall"]
    total = side["rows_with_prediction"]

    def count(value: int) -> Cell:
        return Cell(f"{value:,} ({_percent(ratio(value, total))})", "value")

    tp, fp, fn, tn = (side[k] for k in ("true_positive", "false_positive", "false_negative", "true_negative"))
    rows = [
        [Cell("Label positive"), count(tp), count(fn), count(tp + fn)],
        [Cell("Label negative"), count(fp), count(tn), count(fp + tn)],
        [Cell("All rows"), count(tp + fp), count(fn + tn), count(total)],
    ]
    caption = (
        f"Every row with a label and a predicted label ({_positive_text(performance)}). TP = {tp:,}, "
        f"FN = {fn:,}, FP = {fp:,}, TN = {tn:,}."
    )
    return Table(
        "Confusion matrix (all rows)",
        ["", "Predicted positive", "Predicted negative", "Total"],
        rows,
        caption,
    )


def confusion_matrix_chart(report_data: Document) -> Chart:
    """The confusion matrix as a 2 × 2 grid shaded by count, each cell with its count and share."""
    side = report_data["performance"]["overall"]
    grid = [
        [side["true_positive"], side["false_negative"]],
        [side["false_positive"], side["true_negative"]],
    ]
    names = [["TP", "FN"], ["FP", "TN"]]
    total = side["rows_with_prediction"] or 1
    title = "Confusion matrix"

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        axes.imshow(grid, cmap="Blues", vmin=0, vmax=max(max(row) for row in grid) or 1)
        peak = max(max(row) for row in grid) or 1
        for r in range(2):
            for c in range(2):
                value = grid[r][c]
                axes.text(
                    c,
                    r,
                    f"{names[r][c]}\n{value:,}\n{100 * value / total:.1f} %",
                    ha="center",
                    va="center",
                    fontsize=10,
                    color="white" if value > 0.6 * peak else TEXT_COLOR,
                )
        axes.set_xticks([0, 1], ["predicted positive", "predicted negative"])
        axes.set_yticks([0, 1], ["label positive", "label negative"])
        axes.tick_params(length=0, labelsize=9, colors=TEXT_COLOR)
        for spine in axes.spines.values():
            spine.set_visible(False)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)

    return Chart(title, draw, size=(5.2, 4.0))


def performance_table(report_data: Document) -> Table:
    """Accuracy, precision, recall, specificity, F1... of the predicted labels against the labels, all rows."""
    performance = report_data["performance"]
    side = performance["overall"]
    rows = [
        [Cell(name), _measure_cell(measure(side)), Cell(definition)] for name, definition, measure in MEASURES
    ]
    caption = (
        f"From the confusion matrix of {side['rows_with_prediction']:,} rows ({_positive_text(performance)}). "
        "n/a: the denominator is zero."
    )
    return Table("Model performance (all rows)", ["Measure", "Value", "Definition"], rows, caption)


def _group_name(group: Document) -> str:
    return f"{group.get('facet', '?')} = {group.get('value_or_threshold', '?')}"


def group_rates_table(report_data: Document) -> Table:
    """Per facet group: rows, positive-label rate and (with predictions) positive-prediction rate, for facet d
    (the group) and facet a (the rest)."""
    performance = report_data["performance"]
    predictions = has_predictions(report_data)
    columns = ["Facet group (d)", "Rows in d", "Positive labels in d"]
    columns += ["Positive predictions in d"] if predictions else []
    columns += ["Rows in the rest (a)", "Positive labels in a"]
    columns += ["Positive predictions in a"] if predictions else []
    rows = []
    for group in performance.get("groups") or []:
        row = [Cell(_group_name(group))]
        for side in (group["d"], group["a"]):
            row.append(Cell(f"{side['rows']:,}", "value"))
            row.append(_share_cell(side["label_positive"], side["rows"]))
            if predictions:
                row.append(_share_cell(side["predicted_positive"], side["rows_with_prediction"]))
        rows.append(row)
    caption = (
        f"Share of rows with a positive label ({_positive_text(performance)})"
        + (" and with a positive predicted label" if predictions else "")
        + ", counts in brackets. DPL and DPPL are the differences of these rates (a minus d)."
    )
    return Table("Label and predicted-label rates per facet group", columns, rows, caption)


def group_performance_table(report_data: Document) -> Table:
    """Accuracy, precision, recall and specificity inside each facet group and inside the rest."""
    rows = []
    for group in report_data["performance"].get("groups") or []:
        row = [Cell(_group_name(group))]
        for name in GROUP_MEASURES:
            measure = next(function for label, _, function in MEASURES if label == name)
            row.append(_measure_cell(measure(group["d"])))
            row.append(_measure_cell(measure(group["a"])))
        rows.append(row)
    columns = ["Facet group (d)"]
    for name in GROUP_MEASURES:
        short = name.split(" (")[0]
        columns += [f"{short} in d", f"{short} in a"]
    caption = (
        "Each measure computed on the rows of the group (d) and on the rest (a); AD, RD, SD and friends compare "
        "the same ratios."
    )
    return Table("Model performance per facet group", columns, rows, caption)


def group_rates_chart(report_data: Document) -> Chart:
    """Positive-label (and positive-prediction) rate of every facet group beside the rest's, as bars."""
    performance = report_data["performance"]
    groups = list(performance.get("groups") or [])
    predictions = has_predictions(report_data)
    title = "Positive rates per facet group"

    def draw(figure: FigureBase) -> None:
        axes = figure.subplots()
        series = [("labels, group (d)", "d", "label_positive", "rows", BAR_COLOR)]
        series.append(("labels, rest (a)", "a", "label_positive", "rows", MUTED_COLOR))
        if predictions:
            series.append(
                ("predictions, group (d)", "d", "predicted_positive", "rows_with_prediction", HIGHLIGHT_COLOR)
            )
            series.append(
                ("predictions, rest (a)", "a", "predicted_positive", "rows_with_prediction", "#F3C7A8")
            )
        width = 0.8 / len(series)
        for s_index, (label, side, part, whole, color) in enumerate(series):
            xs = [g_index - 0.4 + width * (s_index + 0.5) for g_index in range(len(groups))]
            values = [ratio(group[side][part], group[side][whole]) or 0.0 for group in groups]
            axes.bar(xs, values, width=width * 0.92, color=color, label=label)
        axes.set_xticks(
            range(len(groups)),
            [_shorten(_group_name(g), 24) for g in groups],
            rotation=20 if len(groups) > 4 else 0,
            ha="right" if len(groups) > 4 else "center",
        )
        axes.set_ylabel("Share of rows", color=TEXT_COLOR)
        axes.set_ylim(0, 1.05)
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        _style_axes(axes, grid_axis="y")
        axes.legend(frameon=False, fontsize=8, loc="upper right", ncols=2)

    return Chart(title, draw, size=(9.0, 4.0))
