"""Superpixels: the players of an image game (scikit-image SLIC, as the reference names it).

``num_segments`` is SLIC's ``n_segments`` and ``segment_compactness`` its ``compactness`` (reference, seed 001 and
the SDK's ImageConfig); every other SLIC argument keeps scikit-image's default. SLIC is deterministic for a given
image and settings, so segment ids are reproducible. Ids are renumbered 0..S-1 in raster order of first
appearance, which makes ``shap_values[i]`` the value of segment ``i`` in every output.
"""

from __future__ import annotations

import numpy as np


def segment_image(image: np.ndarray, num_segments: int, compactness: float) -> np.ndarray:
    """An ``int32`` array of ``image``'s height and width holding each pixel's segment id (0..S-1)."""
    from skimage.segmentation import slic

    labels = slic(
        image,
        n_segments=int(num_segments),
        compactness=float(compactness),
        start_label=0,
        channel_axis=-1,
    )
    _, first, inverse = np.unique(labels.ravel(), return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))  # each label's rank by the position of its first pixel
    return rank[inverse].reshape(labels.shape).astype(np.int32)
