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
