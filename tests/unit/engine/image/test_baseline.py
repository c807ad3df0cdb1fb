"""The masking image: a given image resized to each input, or white noise that a seed reproduces."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from airflow_provider_clarify.engine.image.baseline import MaskingImages, white_noise
from airflow_provider_clarify.engine.image.errors import ImageExplanationError


def test_given_baseline_is_resized_to_each_input(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((10, 7, 3), 90, dtype=np.uint8)).save(path)
    masking = MaskingImages(str(path), seed=None)
    for shape in ((32, 48, 3), (5, 5, 3)):
        baseline = masking.for_image(shape, 0)
        assert baseline.shape == shape and baseline.dtype == np.uint8
        assert np.all(baseline == 90)  # a constant picture stays constant whatever the filter
    assert "grey.png" in masking.description


def test_white_noise_is_uniform_bytes_reproduced_by_seed_and_index():
    noise = white_noise((200, 300, 3), 7, 0)
    assert noise.dtype == np.uint8 and noise.shape == (200, 300, 3)
    assert np.array_equal(noise, white_noise((200, 300, 3), 7, 0))
    assert not np.array_equal(noise, white_noise((200, 300, 3), 7, 1))
    assert not np.array_equal(noise, white_noise((200, 300, 3), 8, 0))
    assert not np.array_equal(noise, white_noise((200, 300, 3), -7, 0))
    counts = np.bincount(noise.ravel(), minlength=256)
    assert counts.min() > 0  # every byte value occurs
    assert abs(noise.mean() - 127.5) < 1.0  # 180k draws: the mean of U{0..255} within a few standard errors
    masking = MaskingImages(None, seed=7)
    assert np.array_equal(masking.for_image((200, 300, 3), 0), noise)
    assert "white noise" in masking.description and "seed 7" in masking.description


def test_unreadable_baseline_is_named_before_anything_runs(tmp_path):
    path = tmp_path / "baseline.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.raises(ImageExplanationError, match=r"baseline\.png: cannot decode"):
        MaskingImages(str(path), seed=None)
    with pytest.raises(ImageExplanationError, match=r"methods\.shap\.baseline: cannot read .*missing\.png"):
        MaskingImages(str(tmp_path / "missing.png"), seed=None)
