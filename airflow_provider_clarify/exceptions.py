"""Airflow-layer exceptions of the Clarify provider.

Why several classes: Airflow decides about retries from the exception type. A failed analysis may be transient
(an endpoint that timed out), so :class:`ClarifyAnalysisError` is a plain ``AirflowException`` and retries apply.
A bad config, a bad gate rule, an input that is not a Clarify result or a gate that found violations will fail the
same way on every try, so those derive from ``AirflowFailException`` (no retries).

The Airflow-free layers raise their own ``ValueError`` subclasses (``ClarifyConfigError`` in ``config``,
``ClarifyResultError`` and ``GateRuleError`` in ``results``); operators translate them into these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.compat import AirflowException, AirflowFailException

if TYPE_CHECKING:
    from airflow_provider_clarify.config import ConfigProblem


class ClarifyAnalysisError(AirflowException):
    """A Clarify analysis (managed job or in-worker engine) failed at job level.

    ``reason`` is the one-line failure reason, like the managed container's ``FailureReason``
    (``ClientError: <message>``); ``job_name`` names the processing job when there is one.
    """

    def __init__(self, reason: str, *, job_name: str | None = None) -> None:
        self.reason = reason
        self.job_name = job_name
        prefix = f"Clarify job {job_name} failed: " if job_name else "Clarify analysis failed: "
        super().__init__(prefix + reason)


class ClarifyInvalidConfigError(AirflowFailException):
    """The analysis config given to an operator is not valid; retrying cannot help.

    ``problems`` carries the config layer's problem list (each with ``.path`` and ``.message``) when the config
    layer found them, else it is empty and the message says what was wrong with the argument itself.
    """

    def __init__(self, message: str, *, problems: Sequence[ConfigProblem] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


class ClarifyResultInputError(AirflowFailException):
    """The value handed to a gate (or any consumer) is missing or is not a Clarify result."""


class ClarifyGateRuleError(AirflowFailException):
    """A gate rule cannot be checked against this result: unknown metric, facet or facet value."""


class ClarifyGateViolationError(AirflowFailException):
    """The gate found violations in ``fail`` mode. ``violations`` holds the reference §12 violation entries."""

    def __init__(self, message: str, *, violations: Sequence[dict[str, Any]] = ()) -> None:
        self.violations = list(violations)
        super().__init__(message)
