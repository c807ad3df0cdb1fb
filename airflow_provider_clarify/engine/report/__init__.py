"""The analysis report (reference §11): one notebook, exported to self-contained HTML and to PDF.

``write_report`` is called by the engine when ``methods.report`` is configured; ``refresh_report`` renders an
output's report again once a gate has written ``constraint_violations.json`` beside it.
"""

from airflow_provider_clarify.engine.report.executor import ReportError
from airflow_provider_clarify.engine.report.refresh import refresh_report
from airflow_provider_clarify.engine.report.writer import write_report

__all__ = ["ReportError", "refresh_report", "write_report"]
