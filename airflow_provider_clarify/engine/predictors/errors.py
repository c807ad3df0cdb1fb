"""Errors raised while talking to a model.

Both carry ``reason``: a one-line message naming the config field and what would fix it, so the engine's
``AnalysisError`` (and the container-style failure file) can pass it on unchanged.
"""

from __future__ import annotations

from ..errors import AnalysisError


class PredictorError(AnalysisError):
    """Base class: anything that stops the engine from getting model outputs (a job-level failure)."""


class PredictorConfigError(PredictorError, ValueError):
    """The ``predictor`` section (or the ``--predictor`` override) cannot work; found before any request."""


class ModelInvocationError(PredictorError, RuntimeError):
    """The model failed to answer, after retries, or answered something that cannot be read."""
