"""Heatmap pictures: blue where a segment raised the score, red where it lowered it, boxes drawn."""

from __future__ import annotations

import numpy as np

from airflow_provider_clarify.engine.image.detection import Detection
from airflow_provider_clarify.engine.image.heatmap import (
    BAR_HEIGHT,
    TEXT_HEIGHT,
    heatmap_picture,
    objects_picture,
)

IMAGE = np.full((40, 60, 3), 128, dtype=np.uint8)
SEGMENTS = np.zeros((40, 60), dtype=np.int32)
SEGMENTS[:, 20:40] = 1
SEGMENTS[:, 40:] = 2


def test_layout_and_colours():
    picture = heatmap_picture(IMAGE, SEGMENTS, [2.0, -2.0, 0.0], caption="cat")
    assert picture.shape == (40 + BAR_HEIGHT + TEXT_HEIGHT, 120, 3) and picture.dtype == np.uint8
    right = picture[:40, 60:].astype(int)
    positive, negative, zero = right[20, 10], right[20, 30], right[20, 50]
    assert positive[2] > positive[0] + 30  # blue
    assert negative[0] > negative[2] + 30  # red
    assert abs(int(zero[0]) - int(zero[2])) < 20 and zero.min() > 150  # near white/grey
    assert np.array_equal(picture[5, 5], IMAGE[5, 5])  # left panel: the input (away from boundaries)


def test_all_zero_values_do_not_divide_by_zero():
    picture = heatmap_picture(IMAGE, SEGMENTS, [0.0, 0.0, 0.0])
    assert np.isfinite(picture.astype(float)).all()


def test_boxes_are_drawn():
    box = Detection(0, 0.9, (0.25, 0.25, 0.75, 0.75))
    picture = heatmap_picture(IMAGE, SEGMENTS, [1.0, 0.0, -1.0], box=box)
    assert picture[10, 15].tolist() == [255, 215, 0]  # the box's top-left corner, left panel
    objects = objects_picture(IMAGE, [box, Detection(1, 0.5, (0.0, 0.0, 0.1, 0.1))], ["cat", "dog"])
    assert objects.shape == IMAGE.shape
    assert objects[10, 15].tolist() == [255, 215, 0] and objects[0, 0].tolist() == [0, 200, 255]
