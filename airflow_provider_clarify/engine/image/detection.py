"""Object-detection outputs: reading them, choosing the objects to explain, matching them in masked images.

Format (SageMaker built-in object detection, "Object Detection Request and Response Formats"): one JSON document
per image, ``{"prediction": [[class, score, x0, y0, x1, y1], ...]}``, the class an index into
``predictor.label_headers``, the corners fractions of the image width and height. The Clarify object-detection
example serves a batch of images and answers with one such list per image. When ``predictor.probability`` (or
``predictor.label``) is a JMESPath expression it selects the detection list(s) from the response, applied to the
whole response like every other Clarify JSON selector (so for a batch it must yield one list per image). Rows with a
negative class index are padding (MXNet detectors fill with -1) and are skipped.

Matching (reference, ``iou_threshold``): a detection of a masked image counts for an original detection when it
has the same class and its box overlaps the original with IoU >= ``iou_threshold``; the value of the masked image
is the highest such score, 0 when there is none.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions
import numpy as np

from ..predictors.responses import check_selector
from .errors import ImageExplanationError

ROW_FORMAT = "[class, score, x0, y0, x1, y1] with coordinates as fractions of the image width and height"
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Detection:
    """One detected object: class index, confidence score and box corners as fractions (x0, y0, x1, y1)."""

    class_index: int
    score: float
    box: tuple[float, float, float, float]

    def pixel_box(self, height: int, width: int) -> tuple[float, float, float, float]:
        """The box in pixel coordinates of an image of ``height`` × ``width``."""
        x0, y0, x1, y1 = self.box
        return (x0 * width, y0 * height, x1 * width, y1 * height)


def iou(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes (0 when they do not overlap or are empty)."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    intersection = width * height
    union = (
        (first[2] - first[0]) * (first[3] - first[1])
        + (second[2] - second[0]) * (second[3] - second[1])
        - intersection
    )
    return intersection / union if union > 0 else 0.0


def select_objects(detections: Sequence[Detection], threshold: float, max_objects: int) -> list[Detection]:
    """The objects to explain: score above ``probability_threshold``, highest scores first, at most
    ``max_objects`` (ties keep the model's order)."""
    kept = [detection for detection in detections if detection.score > threshold]
    return sorted(kept, key=lambda detection: -detection.score)[:max_objects]


def match_score(target: Detection, candidates: Sequence[Detection], iou_threshold: float) -> float:
    """The best score among ``candidates`` of ``target``'s class whose box has IoU >= ``iou_threshold`` with it."""
    best = 0.0
    for candidate in candidates:
        if candidate.class_index == target.class_index and iou(candidate.box, target.box) >= iou_threshold:
            best = max(best, candidate.score)
    return best


class DetectionReader:
    """Turns model responses (bytes or in-process Python objects) into one detection list per image."""

    def __init__(self, class_count: int, selector: str | int | None = None) -> None:
        self.class_count = class_count
        self.selector = selector
        if isinstance(selector, str):
            check_selector(selector, "probability")

    def from_body(self, body: bytes, count: int, accept_type: str, where: str) -> list[list[Detection]]:
        """``count`` detection lists from a response body (application/json or application/jsonlines)."""
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else str(body)
        try:
            if accept_type == "application/jsonlines":
                documents = [json.loads(line) for line in text.splitlines() if line.strip()]
                if len(documents) != count:
                    raise self._error(where, f"{len(documents)} lines for {count} images", text)
                return [self.from_document(self._select(doc), 1, where)[0] for doc in documents]
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise self._error(where, f"not JSON ({error.msg})", text) from error
        return self.from_document(self._select(document), count, where)

    def from_document(self, document: Any, count: int, where: str) -> list[list[Detection]]:
        """``count`` detection lists from a decoded response (or what an in-process model returned)."""
        document = _plain(document)
        if isinstance(document, dict) and "prediction" in document:
            document = document["prediction"]
        if count == 1 and _looks_like_rows(document):
            return [self._rows(document, where)]
        if isinstance(document, list) and len(document) == count:
            return [self._rows(_unwrap(entry), where) for entry in document]
        size = f"{len(document)} entries" if isinstance(document, list) else type(document).__name__
        raise self._error(where, f"{size} where {count} image(s) were sent", json.dumps(document)[:200])

    def _select(self, document: Any) -> Any:
        if self.selector is None:
            return document
        if isinstance(self.selector, int):
            return document[self.selector] if isinstance(document, list) else None
        return jmespath.search(self.selector, document)

    def _rows(self, rows: Any, where: str) -> list[Detection]:
        if not isinstance(rows, list):
            raise self._error(where, f"a {type(rows).__name__} instead of a list of detections", repr(rows))
        detections = []
        for row in rows:
            detection = self._row(row, where)
            if detection is not None:
                detections.append(detection)
        return detections

    def _row(self, row: Any, where: str) -> Detection | None:
        if not (isinstance(row, list) and len(row) == 6 and all(_is_number(value) for value in row)):
            raise self._error(where, f"the detection {row!r} is not {ROW_FORMAT}", repr(row))
        class_value, score, x0, y0, x1, y1 = (float(value) for value in row)
        if class_value < 0:
            return None  # padding rows of fixed-size detector outputs
        if class_value != int(class_value) or int(class_value) >= self.class_count:
            raise self._error(
                where,
                f"the detection {row!r} has class {row[0]!r}, which is no index into predictor.label_headers "
                f"(0..{self.class_count - 1})",
                repr(row),
            )
        corners = (x0, y0, x1, y1)
        if any(value < -_TOLERANCE or value > 1 + _TOLERANCE for value in corners):
            raise self._error(
                where,
                f"the detection {row!r} has a corner outside 0..1; boxes must be fractions of the image width "
                "and height, not pixels",
                repr(row),
            )
        if x1 < x0 or y1 < y0:
            raise self._error(where, f"the detection {row!r} has x1 < x0 or y1 < y0", repr(row))
        clipped = tuple(min(max(value, 0.0), 1.0) for value in corners)
        return Detection(int(class_value), score, clipped)  # type: ignore[arg-type]

    @staticmethod
    def _error(where: str, problem: str, shown: str) -> ImageExplanationError:
        return ImageExplanationError(
            f"{where}: the object-detection output is malformed: {problem}; expected per image "
            f'{{"prediction": [[class, score, x0, y0, x1, y1], ...]}} ({ROW_FORMAT}); got {shown[:200]}'
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def _looks_like_rows(value: Any) -> bool:
    """A single image's detections: a list whose items are lists of numbers (an empty list counts)."""
    return isinstance(value, list) and all(
        isinstance(row, list) and all(_is_number(item) for item in row) for row in value
    )


def _unwrap(entry: Any) -> Any:
    return entry["prediction"] if isinstance(entry, dict) and "prediction" in entry else entry


def _plain(value: Any) -> Any:
    """numpy arrays and scalars (from in-process models) as plain lists and floats."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value
