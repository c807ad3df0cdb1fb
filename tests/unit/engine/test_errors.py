"""Every job-level failure is an AnalysisError with a one-line reason (the container's failure reason)."""

from __future__ import annotations

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.explain.errors import ExplanationError
from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError, PredictorConfigError
from airflow_provider_clarify.engine.report import ReportError


def test_reason_and_hierarchy():
    error = AnalysisError("label: column 'y' is not in the dataset")
    assert error.reason == str(error) == "label: column 'y' is not in the dataset"
    for kind in (ExplanationError, PredictorConfigError, ModelInvocationError, ReportError):
        assert issubclass(kind, AnalysisError)
    assert issubclass(ExplanationError, ValueError) and issubclass(ModelInvocationError, RuntimeError)
