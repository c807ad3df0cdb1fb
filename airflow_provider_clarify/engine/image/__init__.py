"""Computer-vision explanations (dataset_type application/x-image): superpixel Kernel SHAP and heatmaps.

One entry point, :func:`explain_images`; the modules each do one job: ``sources`` (listing and decoding images),
``segmentation`` (SLIC superpixels), ``baseline`` (the masking image), ``game`` (coalitions → pictures → values),
``detection`` (object-detection outputs and matching), ``model`` (in-process, HTTP and endpoint image models),
``heatmap`` (pictures) and ``outputs`` (file names, JSON Lines, all-or-nothing publishing).
"""

from __future__ import annotations

from .errors import ImageExplanationError
from .run import explain_images

__all__ = ["ImageExplanationError", "explain_images"]
