"""Engine options reach the model invoker and are the CLI's defaults."""

from __future__ import annotations

from airflow_provider_clarify.engine import __main__ as cli
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.predictors import InvocationSettings


def test_invocation_settings_come_from_the_options():
    options = EngineOptions(batch_size=7, max_concurrency=2, timeout_seconds=3.5, max_retries=1)
    settings = InvocationSettings.from_options(options)
    assert (settings.batch_size, settings.max_concurrency) == (7, 2)
    assert (settings.timeout_seconds, settings.max_retries) == (3.5, 1)


def test_cli_defaults_are_the_options_defaults():
    arguments = cli._parser().parse_args(["--config", "c.json"])
    defaults = EngineOptions()
    assert (arguments.chunk_rows, arguments.batch_size, arguments.max_retries) == (
        defaults.chunk_rows,
        defaults.batch_size,
        defaults.max_retries,
    )
