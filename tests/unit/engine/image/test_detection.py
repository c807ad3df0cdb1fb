"""Object-detection outputs: the built-in format, selection of objects, IoU matching, malformed outputs."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.engine.image.detection import (
    Detection,
    DetectionReader,
    iou,
    match_score,
    select_objects,
)
from airflow_provider_clarify.engine.image.errors import ImageExplanationError
from airflow_provider_clarify.engine.predictors.errors import PredictorConfigError


def test_iou_by_hand():
    assert iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)  # overlap 1, union 4 + 4 - 1
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0  # touching edges do not overlap
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_selection_threshold_order_and_cap():
    found = [
        Detection(0, 0.4, (0, 0, 1, 1)),
        Detection(1, 0.9, (0, 0, 1, 1)),
        Detection(2, 0.5, (0, 0, 1, 1)),
    ]
    found.append(Detection(0, 0.7, (0, 0, 0.5, 0.5)))
    assert [d.score for d in select_objects(found, 0.45, 3)] == [0.9, 0.7, 0.5]
    assert [d.score for d in select_objects(found, 0.45, 2)] == [0.9, 0.7]
    assert select_objects(found, 0.5, 3)[-1].score == 0.7  # strictly above the threshold


def test_matching_needs_same_class_and_enough_overlap_and_takes_the_best():
    target = Detection(1, 0.8, (0.0, 0.0, 0.4, 0.4))
    candidates = [
        Detection(1, 0.3, (0.0, 0.0, 0.4, 0.4)),
        Detection(1, 0.6, (0.0, 0.0, 0.4, 0.3)),  # IoU 0.75
        Detection(2, 0.99, (0.0, 0.0, 0.4, 0.4)),  # other class
        Detection(1, 0.95, (0.2, 0.2, 0.6, 0.6)),  # IoU 1/7
    ]
    assert match_score(target, candidates, 0.5) == 0.6
    assert match_score(target, candidates, 0.8) == 0.3
    assert match_score(target, [], 0.5) == 0.0


def test_reader_accepts_the_builtin_format_bare_rows_and_batches():
    reader = DetectionReader(class_count=3)
    rows = [[2.0, 0.9, 0.1, 0.2, 0.5, 0.6], [-1.0, -1.0, -1, -1, -1, -1]]
    (one,) = reader.from_body(json.dumps({"prediction": rows}).encode(), 1, "application/json", "m")
    assert one == [Detection(2, 0.9, (0.1, 0.2, 0.5, 0.6))]  # the -1 padding row is skipped
    assert reader.from_document(rows, 1, "m") == [one]
    batch = [rows, {"prediction": []}, []]
    assert reader.from_document(batch, 3, "m") == [one, [], []]
    lines = "\n".join(json.dumps({"prediction": r}) for r in ([rows[0]], [])).encode()
    assert reader.from_body(lines, 2, "application/jsonlines", "m") == [one, []]


def test_reader_follows_the_jmespath_selector():
    reader = DetectionReader(class_count=3, selector="output.boxes")
    body = json.dumps({"output": {"boxes": [[[1, 0.5, 0, 0, 1, 1]], []]}}).encode()
    assert reader.from_body(body, 2, "application/json", "m") == [[Detection(1, 0.5, (0, 0, 1, 1))], []]
    with pytest.raises(PredictorConfigError, match="not a valid JMESPath"):
        DetectionReader(3, selector="output[")


@pytest.mark.parametrize(
    ("document", "count", "message"),
    [
        ({"prediction": [[1, 0.5, 0, 0, 1]]}, 1, "is not \\[class, score"),
        ({"prediction": [[1, 0.5, 10, 20, 300, 400]]}, 1, "outside 0..1.*not pixels"),
        (
            {"prediction": [[3, 0.5, 0, 0, 1, 1]]},
            1,
            "class 3, which is no index into predictor.label_headers",
        ),
        ({"prediction": [[1.5, 0.5, 0, 0, 1, 1]]}, 1, "no index into predictor.label_headers"),
        ({"prediction": [[1, 0.5, 0.6, 0, 0.5, 1]]}, 1, "x1 < x0"),
        ([[[1, 0.5, 0, 0, 1, 1]]], 2, "1 entries where 2 image"),
        ({"prediction": "none"}, 1, "str where 1 image"),
    ],
)
def test_malformed_outputs_are_clear_errors(document, count, message):
    with pytest.raises(ImageExplanationError, match=message) as caught:
        DetectionReader(class_count=3).from_document(document, count, "HTTP model http://m")
    assert "HTTP model http://m: the object-detection output is malformed" in str(caught.value)


def test_not_json_is_malformed():
    with pytest.raises(ImageExplanationError, match="not JSON"):
        DetectionReader(3).from_body(b"<html>", 1, "application/json", "m")
