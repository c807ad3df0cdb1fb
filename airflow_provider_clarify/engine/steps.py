"""Which configured methods of a run completed, for the one log line a failed run owes its user.

A run fails as a whole, as the managed job does: no ``analysis.json`` is written and what was computed is discarded
(reference §10.1). The failure reason names the problem, but not which method hit it nor what had already been
computed; after an hour of bias counting, "SHAP failed, bias had completed" tells the user what to fix and what a
re-run will repeat. :class:`MethodSteps` keeps that record and logs it at ERROR when a step fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .data.column_kinds import ColumnTypesChanged
from .errors import AnalysisError

log = logging.getLogger("airflow_provider_clarify.engine")


class MethodSteps:
    """The methods a run was asked for (``planned``, in run order) and those that completed."""

    def __init__(self, planned: Sequence[str]) -> None:
        self.planned = list(planned)
        self.completed: list[str] = []

    @contextmanager
    def step(self, methods: Sequence[str]) -> Iterator[None]:
        """Run the step computing ``methods``; when it raises, log what failed and what had completed."""
        try:
            yield
        except (KeyboardInterrupt, SystemExit, ColumnTypesChanged):  # a restart of the run is not a failure
            raise
        except BaseException as error:
            log.error(self.failure(methods, error))
            raise
        self.completed.extend(methods)

    def failure(self, methods: Sequence[str], error: BaseException) -> str:
        """The log line of a failed step: which method(s), why, what completed before, what never ran."""
        reason = error.reason if isinstance(error, AnalysisError) else f"{type(error).__name__}: {error}"
        not_run = [name for name in self.planned if name not in self.completed and name not in methods]
        return (
            f"{' and '.join(methods)} failed: {reason}. Completed before the failure: "
            f"{', '.join(self.completed) or 'nothing'}; not run: {', '.join(not_run) or 'nothing'}. The run fails "
            "as a whole, as the managed Clarify job does: no analysis.json is written and the completed results "
            "are discarded"
        )
