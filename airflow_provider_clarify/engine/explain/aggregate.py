"""Global SHAP values from local ones (reference §6.5)."""

from __future__ import annotations

import numpy as np

from .errors import ExplanationError

AGG_METHODS = ("mean_abs", "mean_sq", "median")


def aggregate(values: np.ndarray, method: str | None) -> np.ndarray:
    """Aggregate over axis 0 (records): mean |φ|, mean φ², or the signed median."""
    method = (method or "mean_abs").lower()
    if method not in AGG_METHODS:
        raise ExplanationError(f"methods.shap.agg_method {method!r} is not one of {', '.join(AGG_METHODS)}")
    values = np.asarray(values, dtype=float)
    if values.shape[0] == 0:
        return np.zeros(values.shape[1:])
    aggregated: np.ndarray
    if method == "mean_abs":
        aggregated = np.mean(np.abs(values), axis=0)
    elif method == "mean_sq":
        aggregated = np.mean(values**2, axis=0)
    else:
        aggregated = np.median(values, axis=0)
    return aggregated
