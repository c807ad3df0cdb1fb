"""The logger the operators' helpers write through: the task's logger, a ``logging.Logger``, anything with ``info``.

Airflow 3 gives tasks a structlog-backed logger that is not a ``logging.Logger``; helpers shared by several
operators type their ``log`` argument by what they call on it.
"""

from __future__ import annotations

from typing import Any, Protocol


class InfoLogger(Protocol):
    def info(self, msg: str, /, *args: Any) -> Any: ...  # loggers accept and return anything here
