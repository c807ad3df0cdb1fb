"""The contingency tables every count-based metric is computed from.

``n[g, d, y]`` (pre-training) and ``n[g, d, y, ŷ]`` (post-training) count rows by group-variable code ``g``
(a single code when no group variable is configured), facet membership ``d`` (0 = facet a, 1 = the sensitive
facet d), observed positive ``y`` and predicted positive ``ŷ``. They are tiny, mergeable by addition, and hold
everything CI…TE, CDDL/CDDPL and GE need, so memory does not grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelTable:
    """Pre-training counts ``n[g, d, y]`` (int64, shape (G, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    def by_facet_label(self) -> np.ndarray:
        """``n[d, y]`` summed over group-variable codes."""
        return self.n.sum(axis=0)


@dataclass(frozen=True)
class PredictionTable:
    """Post-training counts ``n[g, d, y, ŷ]`` (int64, shape (G, 2, 2, 2))."""

    n: np.ndarray
    has_group_variable: bool

    def by_facet(self) -> np.ndarray:
        """``n[d, y, ŷ]`` summed over group-variable codes."""
        return self.n.sum(axis=0)

    def predicted_label_table(self) -> LabelTable:
        """Counts of (d, ŷ) per group, shaped like a label table: CDDPL is CDDL with ŷ in place of y."""
        return LabelTable(self.n.sum(axis=2), self.has_group_variable)
