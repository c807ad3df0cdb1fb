"""Which rows each shard reads: pieces of the main dataset's files, and a dataset view restricted to them.

**The rule that makes merged results exact.** The engine reads a file in chunks, and some decisions are taken per
chunk (CSV and JSON cells are typed chunk by chunk; a join converts each chunk to pandas and back). A shard
therefore reads the very chunks one process would read — each file from its start, with the same reader and
``chunk_rows`` — and keeps only its rows. Where a shard begins inside a file, the chunks before its first row are
parsed and dropped (a reader cannot seek to a row); a file belongs wholly to one shard whenever the shards are not
more than the files, and then nothing is parsed twice.

**Pieces.** Shard i reads a contiguous run of the dataset's rows: the tail of one file, whole files, the head of
another, each a :class:`Piece` (file, first row, end row) in the file's own row numbers. Files are assigned whole
and balanced by bytes when the plan does not count rows; once rows are counted (more shards than files, or the
plan reads the data anyway) the cut points split the rows evenly. A dataset joined on
``joinsource_name_or_index`` is cut between chunks only: a join converts a whole chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd
import pyarrow as pa

from ..data.dataset import TabularDataset
from ..data.file_source import AuxiliarySource, FileSource
from ..errors import AnalysisError
from .inputs import InputFile

PER_FILE_FIELDS = ("files", "csv_skip_header", "csv_file_names")
"""FileSource fields that hold one entry per file (the others describe every file)."""


@dataclass(frozen=True)
class Piece:
    """Rows ``start`` (inclusive) to ``end`` (exclusive; None: to the end) of main file ``file``."""

    file: int
    start: int = 0
    end: int | None = None

    def as_list(self) -> list[int | None]:
        return [self.file, self.start, self.end]

    @classmethod
    def from_list(cls, value: Sequence[Any]) -> Piece:
        file, start, end = value
        return cls(int(file), int(start), None if end is None else int(end))


# ------------------------------------------------------------------------------------------------- assignment


def assign_files(files: Sequence[InputFile], shards: int) -> list[list[Piece]]:
    """Whole files, contiguous and balanced by bytes (``shards`` ≤ number of files)."""
    total = sum(max(item.size, 0) for item in files) or len(files)
    weights = [max(item.size, 0) if total != len(files) else 1 for item in files]
    cuts: list[int] = []
    running = 0
    for index, weight in enumerate(weights):
        if len(cuts) == shards - 1:
            break
        running += weight
        target = total * (len(cuts) + 1) / shards
        remaining_files = len(files) - (index + 1)
        remaining_cuts = shards - 1 - len(cuts)
        if running >= target or remaining_files == remaining_cuts:
            cuts.append(index + 1)
    bounds = [0, *cuts, len(files)]
    return [[Piece(i) for i in range(bounds[k], bounds[k + 1])] for k in range(shards)]


def assign_rows(chunks: Sequence[Sequence[int]], shards: int, whole_chunks: bool) -> list[list[Piece]]:
    """Contiguous row ranges of about equal size; ``chunks[f]`` are file f's chunk sizes as the reader yields them.

    ``whole_chunks``: cut only between chunks (joined datasets). Raises when the rows (or chunks) are fewer than
    the shards.
    """
    sizes = [sum(file_chunks) for file_chunks in chunks]
    total = sum(sizes)
    if total < shards:
        raise AnalysisError(
            f"shards: {shards} shards for a dataset of {total} row(s); use at most {max(total, 1)} shard(s)"
        )
    boundaries: list[int] = []  # global row positions where a chunk ends
    offset = 0
    for file_chunks in chunks:
        for size in file_chunks:
            offset += size
            boundaries.append(offset)
    cuts: list[int] = []
    for k in range(1, shards):
        target = round(k * total / shards)
        if whole_chunks:
            candidates = [b for b in boundaries if b > (cuts[-1] if cuts else 0) and b < total]
            if not candidates:
                break
            target = min(candidates, key=lambda b: (abs(b - target), b))
        if cuts and target <= cuts[-1]:
            target = cuts[-1] + 1
        cuts.append(target)
    distinct = sorted(set(c for c in cuts if 0 < c < total))
    if len(distinct) != shards - 1:
        readable = len([b for b in boundaries if 0 < b < total]) + 1
        raise AnalysisError(
            f"shards: {shards} shards, but a dataset joined on joinsource_name_or_index is split only where the "
            f"reader's chunks end, and this one is read in {readable} chunk(s); use at most {readable} shard(s), "
            "or a smaller chunk_rows (a CSV file is also cut into read blocks of about 2 MiB)"
        )
    starts = [0, *distinct]
    ends = [*distinct, total]
    file_starts = [sum(sizes[:f]) for f in range(len(sizes))]
    assignment: list[list[Piece]] = []
    for begin, finish in zip(starts, ends, strict=True):
        pieces = []
        for f, size in enumerate(sizes):
            low, high = file_starts[f], file_starts[f] + size
            if high <= begin or low >= finish or size == 0:
                continue
            start, end = max(begin, low) - low, min(finish, high) - low
            pieces.append(Piece(f, start, None if end == size else end))
        assignment.append(pieces)
    return assignment


# --------------------------------------------------------------------------------------------- reading pieces


def file_part(source: FileSource, index: int) -> FileSource:
    """``source`` restricted to its file ``index`` (the other fields unchanged, the column kinds shared)."""
    values = {item.name: getattr(source, item.name) for item in fields(FileSource) if item.init}
    for name in PER_FILE_FIELDS:
        if values.get(name):
            values[name] = [values[name][index]]
    return FileSource(**values)


def chunk_sizes(source: FileSource, index: int, chunk_rows: int) -> list[int]:
    """The sizes of the chunks the reader yields for main file ``index`` (reading one column)."""
    part = file_part(source, index)
    return [table.num_rows for table in FileSource.iter_tables(part, source.names[:1], chunk_rows)]


@dataclass
class _PieceSource(FileSource):
    """The main file source yielding the chunks of some pieces only (whole chunks; how much of each chunk the
    piece keeps is appended to ``slices``, in order: None for all of it)."""

    pieces: list[Piece] = field(default_factory=list)
    slices: list[tuple[int, int] | None] = field(default_factory=list)

    def iter_tables(self, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
        for piece in self.pieces:
            position = 0
            for table in FileSource.iter_tables(file_part(self, piece.file), columns, chunk_rows):
                rows = table.num_rows
                first, position = position, position + rows
                if piece.end is not None and first >= piece.end:
                    break
                if position <= piece.start and not (rows == 0 and first == piece.start):
                    continue
                low, high = max(piece.start - first, 0), min((piece.end or position) - first, rows)
                self.slices.append(None if (low, high) == (0, rows) else (low, high))
                yield table


@dataclass
class _AlignedPart(FileSource):
    """A position-aligned auxiliary dataset beside a piece source: rows ``start`` to ``end`` (None: to the end),
    the rows of the main file's chunks that the piece source yields."""

    start: int = 0
    end: int | None = None

    def iter_tables(self, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
        position = 0
        for table in FileSource.iter_tables(self, columns, chunk_rows):
            first, position = position, position + table.num_rows
            low = max(self.start - first, 0)
            high = table.num_rows if self.end is None else min(self.end - first, table.num_rows)
            if high > low:
                yield table if (low, high) == (0, table.num_rows) else table.slice(low, high - low)
            if self.end is not None and position >= self.end:
                return


def chunk_window(piece: Piece, sizes: Sequence[int] | None) -> tuple[int, int | None]:
    """The rows of the whole chunks that hold ``piece`` (start of the first, end of the last; None: file end)."""
    if sizes is None or (piece.start == 0 and piece.end is None):
        return 0, None
    start, position = 0, 0
    end: int | None = None
    for size in sizes:
        if position <= piece.start:
            start = position
        position += size
        if piece.end is not None and position >= piece.end:
            end = position
            break
    return start, end


def _copy_as(cls: type[FileSource], source: FileSource, **extra: Any) -> Any:
    values = {item.name: getattr(source, item.name) for item in fields(FileSource) if item.init}
    return cls(**values, **extra)


class PieceReader:
    """The dataset as the engine reads it, restricted to some pieces: what a shard (or the plan, shard by shard)
    streams. It reads and types every chunk exactly as one process reads the whole dataset."""

    def __init__(
        self,
        dataset: TabularDataset,
        pieces: Sequence[Piece],
        chunks: Sequence[Sequence[int]] | None = None,
    ) -> None:
        self.dataset = dataset
        self.pieces = list(pieces)
        self.chunks = chunks  # chunk sizes per main file (from the plan), for position-aligned auxiliaries

    @property
    def columns(self) -> list[str]:
        return self.dataset.columns

    @property
    def main_columns(self) -> list[str]:
        return self.dataset.main_columns

    def iter_tables(self, columns: Sequence[str] | None = None) -> Iterator[pa.Table]:
        main = _copy_as(_PieceSource, self.dataset.main, pieces=self.pieces)
        auxiliaries = self.dataset.auxiliaries
        if self.dataset.join_key is None and auxiliaries and self.pieces:
            # Aligned by position: only one-file datasets are, so the shard holds one piece of that file.
            piece = self.pieces[0]
            sizes = self.chunks[piece.file] if self.chunks is not None else None
            start, end = chunk_window(piece, sizes)
            auxiliaries = [
                AuxiliarySource(
                    a.field, _copy_as(_AlignedPart, a.source, start=start, end=end), a.contributed
                )
                for a in auxiliaries
            ]
        restricted = replace(self.dataset, main=main, auxiliaries=auxiliaries)
        for table in restricted.iter_tables(columns):
            bounds = main.slices.pop(0) if main.slices else None
            if bounds is None:
                yield table
                continue
            low, high = bounds
            if high > low:
                yield table.slice(low, high - low)

    def iter_frames(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        for table in self.iter_tables(columns):
            yield table.to_pandas()
