"""SLIC superpixels: deterministic, consecutive ids numbered in raster order of first appearance."""

from __future__ import annotations

import numpy as np
from skimage import data
from skimage.segmentation import slic

from airflow_provider_clarify.engine.image.segmentation import segment_image


def test_ids_are_consecutive_in_raster_order_and_deterministic():
    image = data.astronaut()[::4, ::4]
    segments = segment_image(image, 20, 5)
    assert segments.shape == image.shape[:2] and segments.dtype == np.int32
    ids = np.unique(segments)
    assert ids.tolist() == list(range(len(ids)))
    first_seen = list(dict.fromkeys(segments.ravel().tolist()))
    assert first_seen == list(range(len(ids)))
    assert np.array_equal(segments, segment_image(image, 20, 5))


def test_same_partition_as_scikit_image_slic_with_the_reference_arguments():
    image = data.chelsea()[::3, ::3]
    ours = segment_image(image, 30, 10)
    reference = slic(image, n_segments=30, compactness=10, start_label=0, channel_axis=-1)
    # same regions, only renumbered: the pairs (ours, reference) form a bijection
    pairs = set(zip(ours.ravel().tolist(), reference.ravel().tolist(), strict=True))
    assert len(pairs) == len(np.unique(ours)) == len(np.unique(reference))


def test_more_segments_when_asked_for_more():
    image = data.coffee()[::4, ::4]
    assert segment_image(image, 50, 20).max() > segment_image(image, 5, 20).max()
