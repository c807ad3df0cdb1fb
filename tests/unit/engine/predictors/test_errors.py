"""Model errors are job-level failures that keep their one-line reason."""

from __future__ import annotations

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.predictors.errors import (
    ModelInvocationError,
    PredictorConfigError,
    PredictorError,
)


def test_both_kinds_are_predictor_errors_with_a_reason():
    for kind in (PredictorConfigError, ModelInvocationError):
        error = kind("predictor.endpoint_name: missing")
        assert isinstance(error, PredictorError) and isinstance(error, AnalysisError)
        assert error.reason == "predictor.endpoint_name: missing"
