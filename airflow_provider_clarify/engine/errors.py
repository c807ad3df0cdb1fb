"""The engine's job-level failure.

A Clarify processing job that cannot produce a result fails with one reason string (``ClientError: <message>``
in the managed container). The local engine mirrors that: every data or config problem that stops the whole
analysis becomes an :class:`AnalysisError` whose ``reason`` names the field or column and says how to fix it,
so the Airflow layer can surface it verbatim as the task's failure reason.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """The analysis cannot run; ``reason`` is a one-line message naming the field/column and the fix."""

    def __init__(self, reason: str) -> None:
        self.reason = str(reason)
        super().__init__(self.reason)
