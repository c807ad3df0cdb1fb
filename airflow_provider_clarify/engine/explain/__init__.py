"""Model explanations (reference §6-§8): Kernel SHAP (tabular and text), partial dependence, their output files."""

from __future__ import annotations

from .errors import ExplanationError
from .features import ExplanationData, read_explanation_data
from .runner import run_explanations

__all__ = ["ExplanationData", "ExplanationError", "read_explanation_data", "run_explanations"]
