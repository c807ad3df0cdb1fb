"""Explanation errors: job-level, with a ``reason`` naming the config field and the fix (SPEC §16)."""

from __future__ import annotations


class ExplanationError(ValueError):
    """An explanation method cannot run as configured; raised before any output file is written."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
