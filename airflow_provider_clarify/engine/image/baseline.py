"""The masking image: what a removed superpixel is replaced with.

Reference (analysis-config page, ``methods.shap.baseline``): for computer vision the baseline may be the S3 URI of
an image; the job loads it and resizes it to each input's resolution. Without one, the job generates a mask image
of white noise at the input's resolution. The generated image here is exactly: every pixel and channel an
independent uniform integer in 0..255 (``uint8``), drawn from numpy's PCG64 generator seeded with
``(|seed|, seed < 0, image index, 0x1A6E)`` when ``methods.shap.seed`` is set, so a rerun reproduces it and
each image gets its own noise; without a seed the noise is fresh each run. The resize of a given baseline image
uses Pillow's bilinear filter (no source names the filter).
"""

from __future__ import annotations

import numpy as np

from ..data.sources import S3Client
from .errors import ImageExplanationError
from .sources import decode_image, read_bytes

BASELINE_FIELD = "methods.shap.baseline"
_NOISE_STREAM = 0x1A6E  # separates the noise stream from the coalition-sampling stream of the same seed


class MaskingImages:
    """Baseline images per input: a given image resized to each resolution, or generated white noise."""

    def __init__(self, location: str | None, *, seed: int | None, s3_client: S3Client | None = None) -> None:
        self.location = location
        self.seed = seed
        self._image: np.ndarray | None = None
        self._resized: dict[tuple[int, int], np.ndarray] = {}
        if location is not None:
            # Read now: a baseline that cannot be read fails the run before any model call.
            self._image = decode_image(read_bytes(location, s3_client, BASELINE_FIELD), location)

    @property
    def description(self) -> str:
        """How removed segments are filled, for analysis.json and the report."""
        if self.location is not None:
            return f"image {self.location} resized to each input"
        seeded = f"seed {self.seed}" if self.seed is not None else "unseeded"
        return f"uniform white noise 0..255 per pixel and channel ({seeded})"

    def for_image(self, shape: tuple[int, ...], index: int) -> np.ndarray:
        """The ``uint8`` masking image for input number ``index`` of ``shape`` (height, width, 3)."""
        height, width = int(shape[0]), int(shape[1])
        if self._image is not None:
            key = (height, width)
            if key not in self._resized:
                self._resized[key] = _resize(self._image, height, width)
            return self._resized[key]
        return white_noise((height, width, 3), self.seed, index)


def white_noise(shape: tuple[int, int, int], seed: int | None, index: int) -> np.ndarray:
    """Uniform ``uint8`` noise; with a ``seed`` the same (seed, index) always gives the same image."""
    if seed is None:
        generator = np.random.default_rng()
    else:
        generator = np.random.default_rng([abs(int(seed)), int(seed < 0), int(index), _NOISE_STREAM])
    return generator.integers(0, 256, size=shape, dtype=np.uint8)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    if image.shape[:2] == (height, width):
        return image
    from PIL import Image

    try:
        resized = Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR)
    except (
        ValueError,
        OSError,
    ) as error:  # pragma: no cover - decode_image already produced a valid RGB array
        raise ImageExplanationError(f"{BASELINE_FIELD}: cannot resize the baseline image: {error}") from error
    return np.asarray(resized, dtype=np.uint8)
