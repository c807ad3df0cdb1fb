"""The contingency tables every count-based metric is computed from.

``n[g, d, y]`` (pre-training) and ``n[g, d, y, ŷ]`` (post-training) count rows by group-variable code ``g``
(a single code when no group variable is configured), facet membership ``d`` (0 = facet a, 1 = the sensitive
facet d), observed positive ``y`` and predicted positive ``ŷ``. They are tiny, mergeable by addition, and hold
everything CI…TE, CDDL/CDDPL and GE need, so memory does not grow with the number of rows.

The metric formulas take *batches* of tables (``LabelTables`` / ``PredictionTables``, a leading replicate axis
``r``): the observed table is a batch of one, the bootstrap replicates a batch of R, and one vectorised formula
serves both, so an interval can never be computed from a formula that differs from the reported value's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelTables:
    """R pre-training tables ``n[r, g, d, y]`` (int64, shape (R, G, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    @property
    def size(self) -> int:
        return int(self.n.shape[0])

    def by_facet_label(self) -> np.ndarray:
        """``n[r, d, y]`` summed over group-variable codes."""
        return np.asarray(self.n.sum(axis=1))


@dataclass(frozen=True)
class PredictionTables:
    """R post-training tables ``n[r, g, d, y, ŷ]`` (int64, shape (R, G, 2, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    @property
    def size(self) -> int:
        return int(self.n.shape[0])

    def by_facet(self) -> np.ndarray:
        """``n[r, d, y, ŷ]`` summed over group-variable codes."""
        return np.asarray(self.n.sum(axis=1))

    def predicted_label_tables(self) -> LabelTables:
        """Counts of (d, ŷ) per group, shaped like label tables: CDDPL is CDDL with ŷ in place of y."""
        return LabelTables(self.n.sum(axis=3), self.has_group_variable)


@dataclass(frozen=True)
class LabelTable:
    """Pre-training counts ``n[g, d, y]`` (int64, shape (G, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    def by_facet_label(self) -> np.ndarray:
        """``n[d, y]`` summed over group-variable codes."""
        return np.asarray(self.n.sum(axis=0))

    def as_batch(self) -> LabelTables:
        """This table as a batch of one (what the metric formulas take)."""
        return LabelTables(self.n[np.newaxis], self.has_group_variable)


@dataclass(frozen=True)
class PredictionTable:
    """Post-training counts ``n[g, d, y, ŷ]`` (int64, shape (G, 2, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    def by_facet(self) -> np.ndarray:
        """``n[d, y, ŷ]`` summed over group-variable codes."""
        return np.asarray(self.n.sum(axis=0))

    def predicted_label_table(self) -> LabelTable:
        """Counts of (d, ŷ) per group, shaped like a label table: CDDPL is CDDL with ŷ in place of y."""
        return LabelTable(self.n.sum(axis=2), self.has_group_variable)

    def as_batch(self) -> PredictionTables:
        """This table as a batch of one (what the metric formulas take)."""
        return PredictionTables(self.n[np.newaxis], self.has_group_variable)
