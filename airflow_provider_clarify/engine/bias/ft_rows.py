"""The rows of the flip test, read in two streaming passes once the facet groups are known (reference §9.2).

FT is the one metric computed from rows rather than from the contingency tables: it needs every feature of facet
a and of facet d, plus the predicted labels. Which rows are facet a only becomes known after the first pass has
profiled the facet column, so the first pass keeps nothing but the kinds of the FT columns (a text column outside
the facet makes FT an error, as in the reference). FT for a facet group then reads the rows twice:

1. facet a's rows (every FT column but the facet, float64) and their predictions go into a k-d tree — the only
   rows held in memory;
2. facet d's rows are streamed past the tree a chunk at a time and only F+ and F− are counted.

Memory is therefore 8 bytes per FT column and about 10 more per facet-a row (the tree's index and node arrays),
plus one chunk of the data; nothing grows with facet d. Predicted labels that come from the model are kept from
the first pass (one value per row), so the model is never asked twice. Without a ``source`` (tests, an
in-memory frame), the tables given to :meth:`FlipTestRows.add` are kept and read instead of the data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa

from ..data.column_kinds import arrow_kind, unify_kinds
from .counting import Encoders
from .ft import NON_NUMERIC, NeighbourIndex, flip_counts, neighbour_count
from .groups import FacetGroup
from .safe_math import divide

log = logging.getLogger("airflow_provider_clarify.engine")

NUMERIC_KINDS = ("int", "float", "bool", "null")

PROGRESS_ROWS = 8_192
"""Facet-d rows queried between two looks at the clock (a few seconds at most, even on a busy machine)."""

RowSource = Callable[[Sequence[str]], Iterable[pa.Table]]
"""Reads the dataset again: the given columns, chunk by chunk, in the same row order as the first pass."""


@dataclass
class FlipTestRows:
    """What FT needs from the first pass, and how to read its rows again.

    ``columns`` are every column but the label, predicted label, join key and excluded columns. A text column
    makes FT an error (as in the reference) unless it is the facet column of the group being tested, which FT
    drops anyway. ``stored_columns`` (the model's predicted labels) are not in the data: they are kept from the
    first pass and put back beside the rows read again.
    """

    columns: list[str]
    facet_columns: set[str]
    kinds: dict[str, str] = field(default_factory=dict)
    chunks: list[pa.Table] = field(default_factory=list)
    source: RowSource | None = None
    stored_columns: list[str] = field(default_factory=list)
    progress_interval: float = 10.0
    rows: int = 0
    role_columns: list[str] = field(default_factory=list)
    stored: dict[str, list[pa.Array]] = field(default_factory=dict)
    row_filter: Callable[[pa.Table], pa.Table] | None = None
    """Keeps a subset of every chunk's rows (a segment's view of the same rows, engine/segments.py)."""
    # --- sharded runs: a shard compares its own facet-d rows only ---
    queried: tuple[int, int] | None = None
    """Only facet-d rows at these positions of the row stream are compared (:meth:`querying`); every row still
    counts for facet a's neighbours and for n_d."""
    # --- end sharded runs ---

    @property
    def text_columns(self) -> set[str]:
        return {name for name, kind in self.kinds.items() if kind not in NUMERIC_KINDS}

    @property
    def usable(self) -> bool:
        return not (self.text_columns - self.facet_columns)

    def add(self, table: pa.Table, role_columns: list[str]) -> None:
        """Record one chunk of the first pass: the kinds of its FT columns (and, without a source, the chunk)."""
        for name in self.columns:
            self.kinds[name] = unify_kinds(self.kinds.get(name, "null"), arrow_kind(table.column(name).type))
        self.rows += table.num_rows
        self.role_columns = list(role_columns)
        for name in self.stored_columns:
            self.stored.setdefault(name, []).extend(table.column(name).chunks)
        if self.source is not None:
            return
        if not self.usable:
            self.chunks = []
            return
        self.chunks.append(table.select(list(dict.fromkeys([*self.columns, *role_columns]))))

    def tables(self) -> Iterator[pa.Table]:
        """The FT columns and role columns of every row (of the filter's rows, when one is set), chunk by chunk
        (read again, or the kept chunks); with :attr:`queried`, each row's position in the stream as
        :data:`ROW_POSITION`."""
        offset = 0
        for table in self._all_tables():
            if self.queried is not None:
                positions = pa.array(range(offset, offset + table.num_rows), pa.int64())
                table = table.append_column(ROW_POSITION, positions)
            offset += table.num_rows
            yield table if self.row_filter is None else self.row_filter(table)

    def _all_tables(self) -> Iterator[pa.Table]:
        if self.source is None:
            yield from self.chunks
            return
        stored = {name: pa.chunked_array(arrays) for name, arrays in self.stored.items()}
        wanted = [c for c in dict.fromkeys([*self.columns, *self.role_columns]) if c not in stored]
        offset = 0
        for table in self.source(wanted):
            for name, values in stored.items():
                table = table.append_column(name, values.slice(offset, table.num_rows))
            offset += table.num_rows
            yield table

    # --- sharded runs ---
    def querying(self, start: int, end: int) -> FlipTestRows:
        """The same rows, of which only the facet-d rows at positions [start, end) are compared."""
        return replace(self, queried=(start, end))

    # --- end sharded runs ---


ROW_POSITION = "__clarify_row_position__"
"""The column :meth:`FlipTestRows.tables` adds when only some rows are queried."""


@dataclass
class GroupRows:
    """One chunk's rows of one facet group: who is in facet a / d, and what the model predicted."""

    facet_a: np.ndarray
    facet_d: np.ndarray
    predicted: np.ndarray


def _group_rows(table: pa.Table, group: FacetGroup, encoders: Encoders) -> GroupRows:
    frame = table.select([group.role.column, encoders.label, encoders.predicted]).to_pandas()
    facet = frame[group.role.column]
    valid = facet.notna().to_numpy() & frame[encoders.label].notna().to_numpy()
    valid &= frame[encoders.predicted].notna().to_numpy()
    in_d = group.encoder(facet)
    assert encoders.predicted_encoder is not None
    predicted = np.asarray(encoders.predicted_encoder(frame[encoders.predicted]), dtype=bool)
    return GroupRows(~in_d & valid, in_d & valid, predicted)


def _features(table: pa.Table, columns: list[str], rows: np.ndarray) -> np.ndarray:
    """The ``rows`` of ``columns`` as a float64 matrix (booleans as 0/1, missing as NaN)."""
    selected = table.filter(pa.array(rows))
    matrix = np.empty((selected.num_rows, len(columns)), dtype=np.float64)
    for position, name in enumerate(columns):
        column = selected.column(name)
        if pa.types.is_boolean(column.type) or pa.types.is_null(column.type):
            column = column.cast(pa.float64())
        matrix[:, position] = column.to_numpy().astype(np.float64, copy=False)
    return matrix


class _Growing:
    """Facet a's rows appended chunk by chunk into one buffer sized by the first pass's row count: untouched
    pages of the buffer are never resident, and no second copy is made when the rows are complete."""

    def __init__(self, capacity: int, width: int) -> None:
        self.features = np.empty((capacity, width), dtype=np.float64)
        self.predicted = np.empty(capacity, dtype=bool)
        self.size = 0

    def add(self, features: np.ndarray, predicted: np.ndarray) -> None:
        end = self.size + len(features)
        if end > len(self.features):  # only if the data changed between passes
            self.features = np.concatenate([self.features[: self.size], features])
            self.predicted = np.concatenate([self.predicted[: self.size], predicted])
        else:
            self.features[self.size : end] = features
            self.predicted[self.size : end] = predicted
        self.size = end


def group_flip_test(group: FacetGroup, rows: FlipTestRows | None, encoders: Encoders, n_jobs: int) -> float:
    """FT of one facet group: facet d's rows against facet a's (the facet column itself left out)."""
    return flip_test_value(group_flip_counts(group, rows, encoders, n_jobs))


# --- sharded runs: the counts FT is made of add across shards (each compares its own facet-d rows) ---
@dataclass(frozen=True)
class FlipCounts:
    """F+ and F− of the facet-d rows compared, and n_d, the facet-d rows of the whole (segment of the) data."""

    flipped_to_negative: int
    flipped_to_positive: int
    facet_d: int


def flip_test_value(counts: FlipCounts) -> float:
    """FT = (F+ − F−) / n_d."""
    return divide(counts.flipped_to_negative - counts.flipped_to_positive, counts.facet_d)


# --- end sharded runs ---


def group_flip_counts(
    group: FacetGroup, rows: FlipTestRows | None, encoders: Encoders, n_jobs: int
) -> FlipCounts:
    """F+, F− and n_d of one facet group (only the queried facet-d rows compared, :meth:`FlipTestRows.querying`);
    raises the reference's errors (empty facets, text columns)."""
    if rows is None:
        raise ValueError("FT rows were not collected")
    if rows.text_columns - {group.role.column}:
        raise ValueError(NON_NUMERIC)
    columns = [name for name in rows.columns if name != group.role.column]
    what = f"Flip test for {group.role.column}={group.text}"
    index, n_d = _facet_a_index(group, rows, encoders, columns, n_jobs, what)
    flipped_to_negative = flipped_to_positive = done = 0
    started = last = time.monotonic()
    for table in rows.tables():
        members = _group_rows(table, group, encoders)
        if rows.queried is not None:  # a shard compares its own rows only
            position = table.column(ROW_POSITION).to_numpy()
            members.facet_d &= (position >= rows.queried[0]) & (position < rows.queried[1])
        features_d = _features(table, columns, members.facet_d)
        predicted_d = members.predicted[members.facet_d]
        for start in range(
            0, len(features_d), PROGRESS_ROWS
        ):  # slices: progress is logged while a chunk runs
            end = start + PROGRESS_ROWS
            negative, positive = flip_counts(
                index.counterfactual(features_d[start:end]), predicted_d[start:end]
            )
            flipped_to_negative += negative
            flipped_to_positive += positive
            done += len(predicted_d[start:end])
            now = time.monotonic()
            if now - last >= rows.progress_interval:
                last = now
                rate = done / max(now - started, 1e-9)
                log.info("%s: %d of %d facet-d rows compared (%.0f rows/s)", what, done, n_d, rate)
    elapsed = time.monotonic() - started
    log.info(
        "%s: %d facet-d rows compared in %.1f s (%.0f rows/s)", what, done, elapsed, done / max(elapsed, 1e-9)
    )
    return FlipCounts(flipped_to_negative, flipped_to_positive, n_d)


def _facet_a_index(
    group: FacetGroup, rows: FlipTestRows, encoders: Encoders, columns: list[str], n_jobs: int, what: str
) -> tuple[NeighbourIndex, int]:
    """The neighbour index over every facet-a row (all of them, also in a shard), and n_d: the facet-d rows of
    the whole dataset. Raises the reference's errors for an empty facet."""
    facet_a = _Growing(rows.rows, len(columns))
    n_d = 0
    for table in rows.tables():
        members = _group_rows(table, group, encoders)
        facet_a.add(_features(table, columns, members.facet_a), members.predicted[members.facet_a])
        n_d += int(members.facet_d.sum())
    if n_d == 0:
        raise ValueError("Facet set is empty")
    if facet_a.size == 0:
        raise ValueError("Negated Facet set is empty")
    started = time.monotonic()
    index = NeighbourIndex(
        facet_a.features[: facet_a.size],
        facet_a.predicted[: facet_a.size],
        neighbour_count(facet_a.size),
        n_jobs,
    )
    log.info(
        "%s: neighbour index over %d facet-a rows built in %.1f s",
        what,
        facet_a.size,
        time.monotonic() - started,
    )
    return index, n_d
