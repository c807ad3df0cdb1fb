"""Explanation errors are job-level failures (AnalysisError) and bad values (ValueError) at once."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.explain.errors import ExplanationError


def test_caught_as_either_kind_with_its_reason():
    with pytest.raises(AnalysisError) as caught:
        raise ExplanationError("methods.shap.num_clusters must be at least 1")
    assert isinstance(caught.value, ValueError) and caught.value.reason.startswith(
        "methods.shap.num_clusters"
    )
