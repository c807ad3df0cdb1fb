"""Combining the main dataset with a facet or predicted-label dataset: by position or by a join column (SPEC §3.3).

Rows of separate files are aligned by position only when each side is one stream of the same length; with a join
column they are inner-joined on it, the key compared as text so an integer key in one file matches the same digits
in another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

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


def load_for_join(auxiliary: AuxiliarySource, key: str, chunk_rows: int) -> pd.DataFrame:
    frames = [t.to_pandas() for t in auxiliary.source.iter_tables([key, *auxiliary.contributed], chunk_rows)]
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[key, *auxiliary.contributed])
    )
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


def join_on_key(
    main_stream: Iterator[pa.Table], lookups: list[pd.DataFrame], key: str, wanted: list[str]
) -> Iterator[pa.Table]:
    """Each main chunk inner-joined with every auxiliary lookup (from :func:`load_for_join`) on ``key``."""
    kept = dropped = 0
    for table in main_stream:
        frame = table.to_pandas()
        frame[JOIN_KEY_COLUMN] = key_text(frame[key])
        before = len(frame)
        for lookup in lookups:
            frame = frame.merge(lookup, on=JOIN_KEY_COLUMN, how="inner", sort=False)
        kept += len(frame)
        dropped += before - len(frame)
        frame = frame[[c for c in wanted if c in frame.columns]]
        yield pa.Table.from_pandas(frame, preserve_index=False)
    if dropped:
        log.warning("Inner join on %r dropped %d row(s) without a match (%d kept)", key, dropped, kept)
