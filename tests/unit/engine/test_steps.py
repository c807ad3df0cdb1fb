"""A failed method fails the run as a whole, and the log says which method failed and what had completed."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.steps import MethodSteps
from tests.unit.engine.compas_like import bias_config, write_compas


def test_the_failure_line_names_the_method_what_completed_and_what_never_ran(caplog):
    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    steps = MethodSteps(["pre_training_bias", "post_training_bias", "shap", "pdp", "report"])
    with steps.step(["pre_training_bias", "post_training_bias"]):
        pass
    with pytest.raises(AnalysisError), steps.step(["shap", "pdp"]):
        raise AnalysisError("predictor: the model returned 0 outputs for 200 records")
    assert steps.completed == ["pre_training_bias", "post_training_bias"]
    assert caplog.messages == [
        "shap and pdp failed: predictor: the model returned 0 outputs for 200 records. Completed before the "
        "failure: pre_training_bias, post_training_bias; not run: report. The run fails as a whole, as the "
        "managed Clarify job does: no analysis.json is written and the completed results are discarded"
    ]


def test_an_unexpected_exception_is_named_by_its_type(caplog):
    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    steps = MethodSteps(["report"])
    with pytest.raises(OSError), steps.step(["report"]):
        raise OSError("disk full")
    assert caplog.messages[0].startswith(
        "report failed: OSError: disk full. Completed before the failure: nothing;"
    )


def test_an_interrupt_is_not_reported_as_a_method_failure(caplog):
    steps = MethodSteps(["shap"])
    with pytest.raises(KeyboardInterrupt), steps.step(["shap"]):
        raise KeyboardInterrupt
    assert caplog.messages == []


def test_shap_failing_after_bias_fails_the_run_and_logs_what_completed(tmp_path, caplog):
    data, _ = write_compas(tmp_path, rows=100)
    document = bias_config(
        predicted_label="predicted",
        excluded_columns=["sex", "race"],
        methods={
            "pre_training_bias": {"methods": ["CI"]},
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": {"baseline": [[0, 30, 0, 5]]},
        },
    )
    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    with pytest.raises(AnalysisError) as caught:
        run_analysis(load_config(document), data, tmp_path / "out", predictor=lambda body: b"")
    (line,) = caplog.messages
    assert line.startswith("shap failed: ")
    assert caught.value.reason in line
    assert "Completed before the failure: pre_training_bias, post_training_bias; not run: nothing." in line
    assert not (tmp_path / "out").exists()  # the whole run failed: nothing is published
