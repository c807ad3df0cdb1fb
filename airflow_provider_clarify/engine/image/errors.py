"""The image engine's job-level failure: a ``reason`` naming the file, field or model output and the fix."""

from __future__ import annotations

from ..errors import AnalysisError


class ImageExplanationError(AnalysisError, ValueError):
    """An image explanation cannot run (bad image, manifest, baseline or model output); nothing is published."""
