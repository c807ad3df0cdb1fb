"""Progress of long explanations: records done, rate and ETA, logged at most every interval and at the end."""

from __future__ import annotations

import logging

from airflow_provider_clarify.engine.explain.progress import Progress


def test_logs_at_the_end_and_not_in_between(caplog):
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine.explain")
    progress = Progress("Kernel SHAP", total=3, interval_seconds=3600)
    progress.advance(1)
    progress.advance(2)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and messages[0].startswith("Kernel SHAP: 3/3 records explained (")
