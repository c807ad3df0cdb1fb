"""The contingency tables of every facet group, from the first pass's tuple counts or a second pass.

Tuple counts are all the metrics need, so the tables are normally filled without touching the data again; only a
facet column whose distinct (facet, label, prediction, group) tuples outgrew the bound is counted row by row in a
second streaming pass (continuous labels or facets with many distinct values).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from .counting import Encoders, TableBuilder, TupleCounter, feed_rows
from .groups import FacetGroup

log = logging.getLogger("airflow_provider_clarify.engine")


def count_tables(
    groups: list[FacetGroup],
    encoders: Encoders,
    counters: dict[str, TupleCounter],
    second_pass: Callable[[], Iterable[pd.DataFrame]],
    extra_builders: Mapping[str, Sequence[TableBuilder]] | None = None,
) -> None:
    """Give every group its table builder, filled from its facet column's tuple counts or by ``second_pass``.

    ``extra_builders`` (by facet column) are filled from the same counts or pass: the per-segment tables of
    ``segment_config`` (:mod:`.segment_tables`).
    """
    for group in groups:
        group.builder = TableBuilder(group.role.column, group.encoder, encoders)
    by_column: dict[str, list[TableBuilder]] = {}
    for group in groups:
        assert group.builder is not None
        by_column.setdefault(group.role.column, []).append(group.builder)
    for column, builders in (extra_builders or {}).items():
        by_column.setdefault(column, []).extend(builders)
    recount: list[TableBuilder] = []
    for column, builders in by_column.items():
        counter = counters[column]
        if counter.counts is None:
            recount.extend(builders)
            continue
        frame, weights = counter.frame()
        for builder in builders:
            builder.add(frame, weights)
    if recount:
        log.info("Role columns have many distinct values: counting in a second pass over the data")
        feed_rows(recount, second_pass())
