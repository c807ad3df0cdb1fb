"""A metric evaluated on a batch of tables: one value per table, or the reason it is undefined there.

The reference raises on the first failed check of a metric (facet d empty, no positive labels, ...) and the
managed job writes that text as the metric's ``error`` (reference §10.2). A batch cannot raise for some of its tables,
so each table carries the index of its first failed check instead; the point estimate (a batch of one) turns it
back into the same ``ValueError`` with the same text, and the bootstrap counts the undefined replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFINED = 0


@dataclass(frozen=True)
class MetricValues:
    """``values[r]`` (float64, NaN where undefined) and ``failure[r]`` (0 = defined, k = ``messages[k − 1]``)."""

    values: np.ndarray
    failure: np.ndarray
    messages: tuple[str, ...]

    @property
    def defined(self) -> np.ndarray:
        return np.asarray(self.failure == DEFINED)

    def message(self, index: int) -> str | None:
        """The error text of table ``index``, or ``None`` when the metric is defined there."""
        code = int(self.failure[index])
        return None if code == DEFINED else self.messages[code - 1]

    def single(self) -> float:
        """The value of a batch of one, raising the reference's error when it is undefined."""
        if self.values.shape != (1,):
            raise ValueError(f"single() needs a batch of one table, not {self.values.shape[0]}")
        text = self.message(0)
        if text is not None:
            raise ValueError(text)
        return float(self.values[0])

    def undefined_counts(self) -> dict[str, int]:
        """How many tables failed, by error text (texts in check order)."""
        counts = np.bincount(self.failure.astype(np.int64), minlength=len(self.messages) + 1)
        return {text: int(counts[k + 1]) for k, text in enumerate(self.messages) if counts[k + 1]}


def evaluated(values: np.ndarray, checks: Sequence[tuple[np.ndarray | bool, str]]) -> MetricValues:
    """Pair computed values with the checks the reference makes, in its order: the first failing one wins.

    ``checks`` are (failed, message) with ``failed`` a boolean per table (or one bool for the whole batch, e.g.
    "no group variable"). Values of undefined tables become NaN, whatever the formula produced for them.
    """
    values = np.asarray(values, dtype=np.float64)
    failure = np.zeros(values.shape, dtype=np.int8)
    for code, (failed, _) in enumerate(checks, start=1):
        failure = np.where((failure == DEFINED) & np.asarray(failed, dtype=bool), np.int8(code), failure)
    values = np.where(failure == DEFINED, values, np.nan)
    return MetricValues(values, failure, tuple(message for _, message in checks))
