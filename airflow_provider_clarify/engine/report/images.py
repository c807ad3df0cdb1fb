"""The computer-vision section of the report: what was explained, and a grid of the first heatmaps.

Each heatmap JPEG the image engine writes already pairs the input (segmented) with its SHAP values over a grey
copy, above a colour bar, so a grid of heatmaps is a grid of input/heatmap pairs. The section reads
``report_data["images"]``: the summary of ``explanations.computer_vision`` and the names of the first heatmaps
(never pixels); the pictures are read from the report's own folder when the cells run, like analysis.json.
Copied into the notebook's helper cell like :mod:`.helpers`.
"""

from __future__ import annotations

import math
import os

from matplotlib.figure import FigureBase

from airflow_provider_clarify.engine.report.helpers import (
    TEXT_COLOR,
    Cell,
    Chart,
    Document,
    Table,
    _shorten,
)

IMAGES_PER_ROW = 2

IMAGE_FIELDS = (
    ("model_type", "Model type"),
    ("num_images", "Images explained"),
    ("num_explanations", "Explanations (images, or boxes for detection)"),
    ("explanations_per_label", "Explanations per label"),
    ("num_segments", "Superpixels per image (SLIC, as configured)"),
    ("segment_compactness", "Segment compactness"),
    ("num_samples", "Coalitions sampled per explanation"),
    ("baseline", "Baseline (masking image)"),
    ("local_explanations", "Per-image results"),
)


def image_section(report_data: Document) -> Document:
    return ((report_data or {}).get("images") or {}) if isinstance(report_data, dict) else {}


def image_summary_table(report_data: Document) -> Table:
    """One row per fact of the computer-vision analysis (counts, labels, settings, files)."""
    summary = image_section(report_data).get("summary") or {}
    rows = []
    for key, name in IMAGE_FIELDS:
        value = summary.get(key)
        if value in (None, "", {}):
            continue
        if isinstance(value, dict):
            text = ", ".join(f"{label}: {count:,}" for label, count in value.items())
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = str(value)
        rows.append([Cell(name), Cell(text)])
    return Table("Computer-vision explanations", ["", "Value"], rows)


def image_grid_chart(report_data: Document, folder: str = ".") -> Chart:
    """The first heatmaps in a grid, each titled with its image and label; a missing file is named in its place.

    ``folder`` is where the heatmaps are (the output folder, where the report is)."""
    from matplotlib.image import imread

    shown = list(image_section(report_data).get("shown") or [])
    rows = max(math.ceil(len(shown) / IMAGES_PER_ROW), 1)
    title = f"Inputs and their SHAP heatmaps: the first {len(shown)} explanation(s)"

    def draw(figure: FigureBase) -> None:
        figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=TEXT_COLOR)
        grid = figure.subplots(rows, IMAGES_PER_ROW, squeeze=False)
        for index, axes in enumerate(grid.flat):
            axes.set_axis_off()
            if index >= len(shown):
                continue
            entry = shown[index]
            path = os.path.join(folder, str(entry.get("heatmap", "")))
            label = (
                f"{_shorten(str(entry.get('image', '')), 40)}: {_shorten(str(entry.get('label', '')), 24)}"
            )
            if os.path.isfile(path):
                axes.imshow(imread(path))
            else:
                axes.text(0.5, 0.5, f"{entry.get('heatmap')} not found", ha="center", color="#8C959F",
                          transform=axes.transAxes)  # fmt: skip
            axes.set_title(label, fontsize=9, color=TEXT_COLOR)

    return Chart(title, draw, size=(10.0, 0.8 + 2.6 * rows))
