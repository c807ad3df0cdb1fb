"""Combining the main dataset with a facet or predicted-label dataset: by position or by a join column (reference §3.3).

Rows of separate files are aligned by position only when each side is one stream of the same length; with a join
column they are inner-joined on it, the key compared as text so an integer key in one file matches the same digits
in another.

Rows without a match are dropped (reference §3.3) from every read of the data, whichever columns the read asks for: a
read that only needs the main file's columns (the model features for SHAP) still joins on the key, so every metric
and every explanation covers the same rows. How many rows a read dropped is counted (:class:`JoinCounts`) and
said as a warning of the run (:mod:`.dataset`), since a join that silently drops most rows changes every number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from ..errors import AnalysisError
from .file_source import AuxiliarySource

log = logging.getLogger("airflow_provider_clarify.engine")

JOIN_KEY_COLUMN = "__join_key__"


def key_text(series: pd.Series) -> pd.Series:
    """Join keys compared as text so an integer key in one file matches the same digits in another."""
    return series.map(
        lambda v: None if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    )


def load_for_join(
    auxiliary: AuxiliarySource, key: str, chunk_rows: int, columns: list[str] | None = None
) -> pd.DataFrame:
    """The auxiliary dataset's ``columns`` (default: every column it contributes) and its key as text.

    ``columns=[]`` gives the keys alone: what a read that needs none of its columns joins on, to drop the same rows.
    """
    wanted = list(auxiliary.contributed if columns is None else columns)
    frames = [t.to_pandas() for t in auxiliary.source.iter_tables([key, *wanted], chunk_rows)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[key, *wanted])
    frame[JOIN_KEY_COLUMN] = key_text(frame[key])
    lookup: pd.DataFrame = frame.drop(columns=[key])
    return lookup


def _concat(parts: list[pa.Table]) -> pa.Table:
    try:
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.concat_tables(
            [t.cast(pa.schema([(n, pa.string()) for n in t.column_names])) for t in parts]
        )


class RowTaker:
    """Takes the next n rows from a stream of tables, across chunk boundaries."""

    def __init__(self, stream: Iterator[pa.Table]) -> None:
        self.stream = stream
        self.buffer: pa.Table | None = None
        self.offset = 0
        self.taken = 0

    def take(self, count: int) -> pa.Table | None:
        parts: list[pa.Table] = []
        while count > 0:
            if self.buffer is None or self.offset >= self.buffer.num_rows:
                self.buffer = next(self.stream, None)
                self.offset = 0
                if self.buffer is None:
                    return None
                continue
            size = min(count, self.buffer.num_rows - self.offset)
            parts.append(self.buffer.slice(self.offset, size))
            self.offset += size
            count -= size
            self.taken += size
        return _concat(parts) if len(parts) > 1 else parts[0]

    def remaining(self) -> int:
        rest: int = (self.buffer.num_rows - self.offset) if self.buffer is not None else 0
        return rest + sum(int(t.num_rows) for t in self.stream)


def align_by_position(
    main_stream: Iterator[pa.Table], auxiliaries: list[AuxiliarySource], wanted: list[str], chunk_rows: int
) -> Iterator[pa.Table]:
    takers = [(a, RowTaker(a.source.iter_tables(a.contributed, chunk_rows))) for a in auxiliaries]
    main_rows = 0
    for table in main_stream:
        main_rows += table.num_rows
        columns = {name: table.column(name) for name in table.column_names}
        for auxiliary, taker in takers:
            part = taker.take(table.num_rows)
            if part is None:
                raise mismatch(auxiliary, taker.taken, main_rows)
            columns.update({name: part.column(name) for name in part.column_names})
        yield pa.table({name: columns[name] for name in wanted if name in columns})
    for auxiliary, taker in takers:
        extra = taker.remaining()
        if extra:
            raise mismatch(auxiliary, taker.taken + extra, main_rows)


def mismatch(auxiliary: AuxiliarySource, aux_rows: int, main_rows: int) -> AnalysisError:
    return AnalysisError(
        f"{auxiliary.field}: the {auxiliary.field.replace('_uri', '').replace('_', ' ')} has "
        f"{'at least ' if aux_rows < main_rows else ''}{aux_rows} row(s) but the dataset has "
        f"{'more than ' if aux_rows < main_rows else ''}{main_rows}; rows are aligned by position only when the counts "
        "match: fix the files or set joinsource_name_or_index to a column present in both"
    )


@dataclass
class JoinCounts:
    """One complete read through the inner join: dataset rows read, rows the join yielded, and per auxiliary
    dataset (its config field) the dataset rows whose key it does not hold."""

    read: int = 0
    kept: int = 0
    dropped: int = 0
    unmatched: dict[str, int] = field(default_factory=dict)

    def warning(self, key: str) -> str | None:
        """The run's warning about the dropped rows (None when the join dropped none)."""
        if not self.dropped:
            return None
        where = "; ".join(
            f"{count} without a match in {name}" for name, count in self.unmatched.items() if count
        )
        return (
            f"Inner join on {key!r} (joinsource_name_or_index) dropped {self.dropped} of {self.read} dataset "
            f"row(s) ({where}); every metric and explanation uses the {self.kept} joined row(s). If no row should "
            f"be dropped, make column {key!r} hold the same values in the dataset and in each joined file"
        )


def join_on_key(
    main_stream: Iterator[pa.Table],
    lookups: Mapping[str, pd.DataFrame],
    key: str,
    wanted: list[str],
    on_complete: Callable[[JoinCounts], None] | None = None,
) -> Iterator[pa.Table]:
    """Each main chunk inner-joined with every auxiliary lookup (field → frame from :func:`load_for_join`) on
    ``key``; ``on_complete`` gets the counts once the whole stream was read (not for a read stopped early)."""
    counts = JoinCounts(unmatched={name: 0 for name in lookups})
    for table in main_stream:
        frame = table.to_pandas()
        frame[JOIN_KEY_COLUMN] = key_text(frame[key])
        matched_everywhere = pd.Series(True, index=frame.index)
        for name, lookup in lookups.items():
            matched = frame[JOIN_KEY_COLUMN].isin(lookup[JOIN_KEY_COLUMN])
            counts.unmatched[name] += int((~matched).sum())
            matched_everywhere &= matched
        counts.read += len(frame)
        counts.dropped += int((~matched_everywhere).sum())
        for lookup in lookups.values():
            frame = frame.merge(lookup, on=JOIN_KEY_COLUMN, how="inner", sort=False)
        counts.kept += len(frame)
        frame = frame[[c for c in wanted if c in frame.columns]]
        yield pa.Table.from_pandas(frame, preserve_index=False)
    if on_complete is not None:
        on_complete(counts)
