"""Coalitions → pictures → values, checked pixel by pixel on tiny images."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.engine.explain.errors import ExplanationError
from airflow_provider_clarify.engine.image.detection import Detection, DetectionReader
from airflow_provider_clarify.engine.image.game import (
    ClassificationGame,
    DetectionGame,
    compose,
    context_region,
    players_in,
    transform,
)
from airflow_provider_clarify.engine.image.model import InProcessImageModel
from tests.unit.engine.image.models import LinearClassifier, LinearDetector

SEGMENTS = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 1], [2, 2, 2, 1]], dtype=np.int32)
IMAGE = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) + 100
BASELINE = np.zeros((4, 4, 3), dtype=np.uint8)


def test_compose_keeps_present_segments_and_masks_the_rest():
    masks = np.array([[True, False, False], [False, True, True], [True, True, True], [False, False, False]])
    pictures = compose(IMAGE, BASELINE, SEGMENTS, np.array([0, 1, 2]), masks)
    assert pictures.shape == (4, 4, 4, 3)
    for picture, present in zip(pictures, masks, strict=True):
        for row in range(4):
            for column in range(4):
                expected = IMAGE[row, column] if present[SEGMENTS[row, column]] else BASELINE[row, column]
                assert picture[row, column].tolist() == expected.tolist()


def test_compose_with_a_subset_of_players_and_a_region():
    region = np.zeros((4, 4), dtype=bool)
    region[:2, :] = True
    pictures = compose(IMAGE, BASELINE, SEGMENTS, np.array([0, 1]), np.array([[True, True]]), region)
    assert np.array_equal(pictures[0][:2], IMAGE[:2])
    assert np.all(pictures[0][2:] == 0)  # outside the region, and segment 2 is no player: always masked


def test_context_region_by_hand():
    box = Detection(0, 0.9, (0.25, 0.5, 0.5, 1.0))  # pixels x 2..3 of 8, y 4..7 of 8
    inside = context_region(box, 8, 8, 0.0)
    expected = np.zeros((8, 8), dtype=bool)
    expected[4:8, 2:4] = True
    assert np.array_equal(inside, expected)
    assert context_region(box, 8, 8, 1.0).all()
    half = context_region(box, 8, 8, 0.5)  # left 2 → 1, top 4 → 2, right 4 → 6, bottom stays 8
    expected = np.zeros((8, 8), dtype=bool)
    expected[2:8, 1:6] = True
    assert np.array_equal(half, expected)


def test_players_in_region():
    region = np.zeros((4, 4), dtype=bool)
    region[0, 0] = region[3, 3] = True
    assert players_in(SEGMENTS, region).tolist() == [0, 1]
    assert players_in(SEGMENTS, None).tolist() == [0, 1, 2]


def test_logit_transform_and_its_domain():
    assert transform(np.array([[0.5, 0.75]]), True) == pytest.approx(np.array([[0.0, np.log(3)]]))
    assert transform(np.array([[0.0]]), True)[0, 0] == pytest.approx(np.log(1e-7 / (1 - 1e-7)))
    assert np.array_equal(transform(np.array([[3.0]]), False), np.array([[3.0]]))
    with pytest.raises(ExplanationError, match=r"use_logit.*outside"):
        transform(np.array([[1.5]]), True)


def test_classification_values_are_the_linear_scores_of_the_masked_pictures():
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(2, 4, 4, 3))
    model = LinearClassifier(weights, np.array([0.5, -1.0]))
    wrapped = InProcessImageModel(model, batch_size=2, class_count=2, description="linear")
    game = ClassificationGame(wrapped, IMAGE, BASELINE, SEGMENTS, np.array([0, 1, 2]), [1], use_logit=False)
    masks = np.array([[True, False, True], [False, False, False], [True, True, True]])
    values = game.values(masks)
    for row, present in enumerate(masks):
        keep = present[SEGMENTS][..., None]
        picture = np.where(keep, IMAGE, BASELINE).astype(float)
        assert values[row, 0] == pytest.approx(float(np.sum(picture * weights[1]) - 1.0))
    assert model.calls == 2  # three pictures, two per call


def test_detection_values_score_the_matching_box_and_zero_otherwise():
    weights = np.full((4, 4, 3), 0.01)
    detector = LinearDetector(weights, 0.0, (0.0, 0.0, 0.5, 0.5), class_index=1)
    wrapped = InProcessImageModel(detector, batch_size=8, class_count=2, description="detector")
    same = Detection(1, 0.9, (0.0, 0.0, 0.5, 0.5))
    other_class = Detection(0, 0.9, (0.0, 0.0, 0.5, 0.5))
    far = Detection(1, 0.9, (0.5, 0.5, 1.0, 1.0))
    game = DetectionGame(
        wrapped, IMAGE, BASELINE, SEGMENTS, np.array([0, 1, 2]), None, [same, other_class, far], 0.5, False
    )
    values = game.values(np.array([[True, True, True], [False, False, False]]))
    assert values[0].tolist() == pytest.approx([detector.score(IMAGE), 0.0, 0.0])
    assert values[1].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert DetectionReader(2).from_document(detector(IMAGE[None]), 1, "d")[0][0].class_index == 1
