"""Which provider errors Airflow retries: a failed analysis may be transient; bad input never is."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.compat import AirflowException, AirflowFailException
from airflow_provider_clarify.config import ConfigProblem
from airflow_provider_clarify.exceptions import (
    ClarifyAnalysisError,
    ClarifyGateRuleError,
    ClarifyGateViolationError,
    ClarifyInvalidConfigError,
    ClarifyResultInputError,
)


def test_a_failed_analysis_is_retried_and_names_its_job():
    error = ClarifyAnalysisError("ClientError: no column 'salary'", job_name="Clarify-Bias-1")
    assert isinstance(error, AirflowException) and not isinstance(error, AirflowFailException)
    assert str(error) == "Clarify job Clarify-Bias-1 failed: ClientError: no column 'salary'"
    assert (error.reason, error.job_name) == ("ClientError: no column 'salary'", "Clarify-Bias-1")
    assert str(ClarifyAnalysisError("timed out")) == "Clarify analysis failed: timed out"


@pytest.mark.parametrize(
    "error_class",
    [ClarifyInvalidConfigError, ClarifyResultInputError, ClarifyGateRuleError, ClarifyGateViolationError],
)
def test_bad_input_and_violations_are_never_retried(error_class):
    assert issubclass(error_class, AirflowFailException)


def test_config_problems_and_violations_travel_with_the_error():
    problems = [ConfigProblem("methods.shap.num_samples", "must be at least 1")]
    assert ClarifyInvalidConfigError("bad", problems=problems).problems == problems
    assert ClarifyInvalidConfigError("bad").problems == []
    entry = {"facet": "sex", "metric_name": "DI", "constraint_check_type": "bias_drift_check"}
    assert ClarifyGateViolationError("failed", violations=[entry]).violations == [entry]
