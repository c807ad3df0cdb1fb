"""Time-series explanations of forecasting models: asymmetric Shapley values (reference §13a, docs/time-series.md).

``explain_time_series`` is the one entry point an analysis run calls; ``summarize_explanations`` turns the
written results into the compact summary a ``ClarifyResult`` carries.
"""

from __future__ import annotations

from .explain import RunStatistics, explain_time_series, explanation_lines
from .model import TimeSeriesModel, build_time_series_model
from .output import results_relative_path
from .summary import summarize_explanations, summarize_explanations_file

__all__ = [
    "RunStatistics",
    "TimeSeriesModel",
    "build_time_series_model",
    "explain_time_series",
    "explanation_lines",
    "results_relative_path",
    "summarize_explanations",
    "summarize_explanations_file",
]
