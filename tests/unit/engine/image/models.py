"""Models built in the tests whose Shapley values are known by construction.

A score that is linear in the pixels, ``f(x) = Σ_p W_p·x_p + b``, makes every coalition game additive: the value of
segment s is exactly ``Σ_{p∈s} W_p·(x_p − baseline_p)`` and the expected value is ``f(baseline)``.
"""

from __future__ import annotations

import numpy as np


class LinearClassifier:
    """Class t scores ``Σ weights[t]·x + bias[t]`` (weights shaped classes × H × W × 3); called with N × H × W × 3."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = weights
        self.bias = bias
        self.calls = 0
        self.images = 0

    def __call__(self, images: np.ndarray) -> np.ndarray:
        self.calls += 1
        self.images += len(images)
        return np.einsum("nhwc,thwc->nt", images.astype(float), self.weights) + self.bias

    def score(self, image: np.ndarray) -> np.ndarray:
        return self(image[None])[0]


class LinearDetector:
    """Always reports one box of ``class_index`` at ``box`` (fractions), scored ``Σ weights·x + bias``."""

    def __init__(
        self, weights: np.ndarray, bias: float, box: tuple[float, ...], class_index: int = 1
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.box = list(box)
        self.class_index = class_index

    def score(self, image: np.ndarray) -> float:
        return float(np.sum(image.astype(float) * self.weights) + self.bias)

    def __call__(self, images: np.ndarray) -> list[dict[str, list[list[float]]]]:
        return [{"prediction": [[self.class_index, self.score(image), *self.box]]} for image in images]


def expected_segment_values(
    weights: np.ndarray,
    image: np.ndarray,
    baseline: np.ndarray,
    segments: np.ndarray,
    region: np.ndarray | None = None,
) -> np.ndarray:
    """``Σ_{p∈s∩region} W_p·(x_p − b_p)`` for every segment s, computed directly from the pixels."""
    contribution = (weights * (image.astype(float) - baseline.astype(float))).sum(axis=2)
    if region is not None:
        contribution = np.where(region, contribution, 0.0)
    return np.bincount(segments.ravel(), weights=contribution.ravel(), minlength=int(segments.max()) + 1)
