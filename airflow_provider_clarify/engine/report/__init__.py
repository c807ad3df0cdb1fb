"""The analysis report (SPEC §11): one notebook, exported to self-contained HTML and to PDF.

``write_report`` is called by the engine when ``methods.report`` is configured.
"""

from airflow_provider_clarify.engine.report.executor import ReportError
from airflow_provider_clarify.engine.report.writer import write_report

__all__ = ["ReportError", "write_report"]
