"""Heatmap pictures of superpixel SHAP values (JPEG), as the managed job writes them.

Each heatmap shows the segmented input on the left and the SHAP values on the right as a diverging colour map
over a grey copy of the input: blue for segments that raise the explained score, red for those that lower it,
white near zero (the Clarify image-classification example reads "shades of blue: positive Shapley values",
"shades of red: negative"). The scale is symmetric around zero, set by the largest absolute value, and a colour
bar under the panels states it. Object-detection heatmaps also draw the explained box; a separate picture draws
every explained box with its label and score. Drawing uses Pillow and matplotlib's colour map (no figures), so a
heatmap costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .detection import Detection

COLOUR_MAP = "RdBu"
BAR_HEIGHT = 14
TEXT_HEIGHT = 12
OVERLAY_WEIGHT = 0.65
BOX_COLOURS = ((255, 215, 0), (0, 200, 255), (255, 80, 200), (120, 255, 80), (255, 140, 0))


def _colours(values: np.ndarray, scale: float) -> np.ndarray:
    from matplotlib import colormaps

    normalised = 0.5 + 0.5 * np.clip(values / scale, -1.0, 1.0)
    return np.asarray(colormaps[COLOUR_MAP](normalised)[..., :3] * 255.0, dtype=np.float32)


def heatmap_picture(
    image: np.ndarray,
    segments: np.ndarray,
    shap_values: Sequence[float] | np.ndarray,
    *,
    box: Detection | None = None,
    caption: str = "",
) -> np.ndarray:
    """The heatmap as an RGB ``uint8`` array: [segmented input | values over grey input] above a colour bar."""
    from PIL import Image, ImageDraw
    from skimage.segmentation import mark_boundaries

    values = np.asarray(shap_values, dtype=float)
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    scale = scale if scale > 0 else 1.0
    height, width = image.shape[:2]
    segmented = np.asarray(mark_boundaries(image, segments, color=(1, 1, 0)) * 255.0, dtype=np.uint8)
    grey = image.astype(np.float32).mean(axis=2, keepdims=True)
    overlay = OVERLAY_WEIGHT * _colours(values[segments], scale) + (1 - OVERLAY_WEIGHT) * grey
    panels = np.concatenate([segmented, np.clip(overlay, 0, 255).astype(np.uint8)], axis=1)
    bar = np.repeat(_colours(np.linspace(-scale, scale, 2 * width), scale)[None, :, :], BAR_HEIGHT, axis=0)
    canvas = Image.new("RGB", (2 * width, height + BAR_HEIGHT + TEXT_HEIGHT), (255, 255, 255))
    canvas.paste(Image.fromarray(panels), (0, 0))
    canvas.paste(Image.fromarray(bar.astype(np.uint8)), (0, height))
    draw = ImageDraw.Draw(canvas)
    draw.text((2, height + BAR_HEIGHT), f"{-scale:.3g}", fill=(178, 24, 43))
    right = f"+{scale:.3g}"
    draw.text((2 * width - 6 * len(right) - 2, height + BAR_HEIGHT), right, fill=(33, 102, 172))
    if caption:
        draw.text((width - 3 * len(caption), height + BAR_HEIGHT), caption, fill=(0, 0, 0))
    if box is not None:
        x0, y0, x1, y1 = box.pixel_box(height, width)
        for offset in (0, width):
            draw.rectangle((x0 + offset, y0, x1 + offset, y1), outline=BOX_COLOURS[0], width=2)
    return np.asarray(canvas)


def objects_picture(
    image: np.ndarray, detections: Sequence[Detection], label_headers: Sequence[str]
) -> np.ndarray:
    """The input with every explained box drawn and captioned ``<k>: <label> <score>`` (k counts from 1)."""
    from PIL import Image, ImageDraw

    height, width = image.shape[:2]
    canvas = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    for number, detection in enumerate(detections, start=1):
        colour = BOX_COLOURS[(number - 1) % len(BOX_COLOURS)]
        x0, y0, x1, y1 = detection.pixel_box(height, width)
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=2)
        label = label_headers[detection.class_index]
        draw.text((x0 + 3, y0 + 2), f"{number}: {label} {detection.score:.2f}", fill=colour)
    return np.asarray(canvas)


def save_jpeg(picture: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture).save(path, format="JPEG", quality=90)


def contact_sheet(
    output_dir: Path, section: Mapping[str, Any], limit: int = 6, width: int = 448
) -> np.ndarray | None:
    """The first ``limit`` heatmaps of an ``explanations.computer_vision`` section stacked into one picture, each
    scaled to ``width`` pixels (every heatmap already pairs the input with its values): what a report shows for
    an image analysis. ``None`` when there is no heatmap to show."""
    from PIL import Image

    names = [name for entry in section.get("images", []) for name in entry.get("heatmaps", [])][:limit]
    rows = []
    for name in names:
        with Image.open(Path(output_dir) / name) as heatmap:
            scaled = heatmap.convert("RGB").resize(
                (width, max(1, round(heatmap.height * width / heatmap.width))), Image.Resampling.BILINEAR
            )
        rows.append(np.asarray(scaled))
    return np.concatenate(rows, axis=0) if rows else None
