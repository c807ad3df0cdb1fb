"""Parquet reader: record batches by column name (Parquet columns are always addressed by name)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import AnalysisError


def parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as error:
        raise AnalysisError(f"dataset file {path.name}: not a readable Parquet file ({error})") from error


def iter_parquet(path: Path, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=list(columns) if columns else None):
            yield pa.Table.from_batches([batch])
    except (pa.ArrowInvalid, OSError) as error:
        raise AnalysisError(f"dataset file {path.name}: not a readable Parquet file ({error})") from error
