"""Seeded prediction tables n[r, g, d, y, ŷ] that visit every branch of the metric formulas.

Random counts of several magnitudes plus structured edge cases: an empty facet, no (predicted) positives or
negatives, FP = 0 in one or both facets (±∞ and the both-∞ rule), all false negatives, empty groups, an empty
table. Label tables are the same rows summed over ŷ.
"""

from __future__ import annotations

import numpy as np

EDGE_CASES = (
    "facet d empty",
    "facet a empty",
    "no positive labels",
    "no negative labels",
    "no predicted positives",
    "no predicted negatives",
    "no false positives",
    "no false positives in facet d",
    "only false negatives",
    "one row",
    "empty table",
    "empty groups",
)


def _edge_case(kind: str, groups: int, rng: np.random.Generator) -> np.ndarray:
    n = rng.integers(0, 30, (groups, 2, 2, 2))
    if kind == "facet d empty":
        n[:, 1] = 0
    elif kind == "facet a empty":
        n[:, 0] = 0
    elif kind == "no positive labels":
        n[:, :, 1] = 0
    elif kind == "no negative labels":
        n[:, :, 0] = 0
    elif kind == "no predicted positives":
        n[..., 1] = 0
    elif kind == "no predicted negatives":
        n[..., 0] = 0
    elif kind == "no false positives":
        n[:, :, 0, 1] = 0
    elif kind == "no false positives in facet d":
        n[:, 1, 0, 1] = 0
    elif kind == "only false negatives":
        n[:] = 0
        n[:, :, 1, 0] = rng.integers(0, 5, (groups, 2))
        n[0, 0, 1, 0] += 1
    elif kind == "one row":
        n[:] = 0
        n.reshape(-1)[rng.integers(0, n.size)] = 1
    elif kind == "empty table":
        n[:] = 0
    elif kind == "empty groups":
        n[rng.random(groups) < 0.5] = 0
    return n


def prediction_tables(groups: int, count: int, seed: int) -> np.ndarray:
    """``count`` random tables plus three of every edge case, shape (R, groups, 2, 2, 2), int64."""
    rng = np.random.default_rng(seed)
    tables = []
    for index in range(count):
        kind = index % 4
        shape = (groups, 2, 2, 2)
        if kind == 0:  # small counts, many zeros
            table = rng.integers(0, 4, shape) * (rng.random(shape) < 0.6)
        elif kind == 1:  # large counts (sums stay far below 2**53)
            table = rng.integers(0, 10**9, shape)
        elif kind == 2:  # moderate counts
            table = rng.integers(0, 500, shape)
        else:  # a few occupied cells
            table = np.zeros(shape, dtype=np.int64)
            table.reshape(-1)[rng.integers(0, table.size, 3)] = rng.integers(1, 4, 3)
        tables.append(table)
    for kind in EDGE_CASES:
        tables.extend(_edge_case(kind, groups, rng) for _ in range(3))
    return np.stack(tables).astype(np.int64)
