"""The run state: one warnings sink with one signature, logged and collected."""

from __future__ import annotations

import logging

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.roles import ColumnRoles
from airflow_provider_clarify.engine.run import AnalysisRun, RunContext, WarningSink

CONFIG = {"dataset_type": "text/csv", "methods": {"shap": {}}, "predictor": {"endpoint_name": "e"}}


def test_warnings_are_logged_and_collected(caplog):
    caplog.set_level(logging.WARNING, logger="airflow_provider_clarify.engine")
    collected: list[str] = []
    sink = WarningSink(collected)
    sink.warn("first")
    WarningSink().warn("only logged")
    assert collected == ["first"]
    assert [record.getMessage() for record in caplog.records] == ["first", "only logged"]


def test_warn_once_says_a_warning_the_run_does_not_hold_yet(caplog):
    caplog.set_level(logging.WARNING, logger="airflow_provider_clarify.engine")
    collected: list[str] = []
    sink = WarningSink(collected)
    sink.warn_once("dropped 3 rows")
    sink.warn_once("dropped 3 rows")
    sink.warn_once("dropped 4 rows")  # another finding is another warning
    assert collected == ["dropped 3 rows", "dropped 4 rows"]
    # An abandoned attempt's warnings are removed (with_stable_column_types): the next attempt says it again.
    del collected[:]
    sink.warn_once("dropped 3 rows")
    assert collected == ["dropped 3 rows"]
    assert [r.getMessage() for r in caplog.records] == ["dropped 3 rows", "dropped 4 rows", "dropped 3 rows"]


def test_warn_once_without_a_list_logs_once(caplog):
    caplog.set_level(logging.WARNING, logger="airflow_provider_clarify.engine")
    sink = WarningSink()
    sink.warn_once("model http://user:pw-123456@host/x answered")
    sink.warn_once("model http://user:pw-123456@host/x answered")
    assert [r.getMessage() for r in caplog.records] == ["model http://***@host/x answered"]


def test_run_defaults():
    run = AnalysisRun(load_config(CONFIG), ColumnRoles.of_features(["a"]))
    assert run.options == EngineOptions() and run.s3_client is None and run.output_dir is None
    run.warn("goes to the log")  # the default sink accepts a message like any other


def test_run_context_defaults(tmp_path):
    """What every analysis kind receives: the config and dataset as given, nothing written, no model override."""
    config = load_config(CONFIG)
    context = RunContext(config, "data.csv", tmp_path)
    assert (context.config, context.dataset_uri, context.scratch) == (config, "data.csv", tmp_path)
    assert context.output_dir is None and context.options == EngineOptions()
    assert (
        context.predictor is None and context.sagemaker_runtime_client is None and context.s3_client is None
    )
    assert context.published_uri is None
    context.warn("goes to the log")
