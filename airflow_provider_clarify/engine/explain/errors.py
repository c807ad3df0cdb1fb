"""Explanation errors: job-level, with a ``reason`` naming the config field and the fix (reference §16)."""

from __future__ import annotations

from ..errors import AnalysisError


class ExplanationError(AnalysisError, ValueError):
    """An explanation method cannot run as configured; raised before any output file is written."""
