"""Streaming CSV reader (pyarrow) with the engine's header rule and pandas-like per-chunk type inference.

Every needed column is parsed as text by pyarrow's multi-threaded streaming reader and then typed per chunk the
way pandas would type it (int64, else float64, else bool literals, else text). Typing per chunk instead of from
the first block means a float or a word appearing late in an integer column never aborts a long read; the
consumers merge kinds across chunks (int + float → float, anything + text → text), like pandas' chunked reader.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from ..errors import AnalysisError
from .columns import generated_names

NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "#N/A", "<NA>", "None"]
TRUE_VALUES = pa.array(["True", "TRUE", "true"])
FALSE_VALUES = pa.array(["False", "FALSE", "false"])


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def first_rows(path: Path, count: int = 2) -> list[list[str]]:
    """The first ``count`` rows of a CSV file (for header detection)."""
    with _open_text(path) as stream:
        reader = csv.reader(stream)
        rows: list[list[str]] = []
        try:
            for row in reader:
                rows.append(row)
                if len(rows) >= count:
                    break
        except (csv.Error, UnicodeDecodeError) as error:
            raise AnalysisError(f"dataset file {path.name}: not readable as UTF-8 CSV ({error})") from error
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def detect_header(
    path: Path, headers: Sequence[str] | None, referenced: Sequence[str] = ()
) -> tuple[list[str] | None, bool]:
    """(column names, whether row 0 is a header row) by the engine rule of SPEC §3.2.

    With ``headers`` given, row 0 is dropped only when it equals ``headers`` exactly. Without, row 0 is the header
    when none of its cells parses as a number and at least one cell of row 1 does; otherwise names are generated.
    Extension for all-text datasets (where row 1 has no number either): a numberless row 0 that contains a column
    name the config refers to (``referenced``: label, facet, ...) is a header too.
    """
    rows = first_rows(path)
    if not rows:
        return (list(headers) if headers else None), False
    if headers:
        return list(headers), [cell.strip() for cell in rows[0]] == [str(h) for h in headers]
    row0 = rows[0]
    stripped = {cell.strip() for cell in row0}
    looks_like_header = not any(_is_number(cell) for cell in row0) and (
        len(rows) < 2
        or any(_is_number(cell) for cell in rows[1])
        or any(name in stripped for name in referenced)
    )
    if looks_like_header:
        return [cell.strip() for cell in row0], True
    return generated_names(len(row0)), False


def infer_text_array(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Type a text column like pandas: int64, else float64, else bool literals, else keep text."""
    if array.null_count == len(array):
        return array
    for target in (pa.int64(), pa.float64()):
        try:
            return pc.cast(array, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    valid = pc.drop_null(array)
    is_true = pc.is_in(valid, value_set=TRUE_VALUES)
    is_false = pc.is_in(valid, value_set=FALSE_VALUES)
    if pc.all(pc.or_(is_true, is_false)).as_py():
        return pc.if_else(
            pc.is_null(array), pa.scalar(None, pa.bool_()), pc.is_in(array, value_set=TRUE_VALUES)
        )
    return array


# pyarrow's streaming reader reads several blocks ahead of the consumer, so its memory is a multiple of the block
# size: small blocks keep that bounded, and re-batching them into ``chunk_rows`` keeps per-chunk overhead low.
READ_BLOCK_BYTES = 1 << 21


def _typed(table: pa.Table, infer_types: bool) -> pa.Table:
    if not infer_types:
        return table
    return pa.table({name: infer_text_array(table.column(name)) for name in table.column_names})


def iter_csv(
    path: Path,
    names: list[str],
    skip_header: bool,
    columns: Sequence[str] | None,
    chunk_rows: int,
    infer_types: bool = True,
    block_bytes: int = READ_BLOCK_BYTES,
) -> Iterator[pa.Table]:
    """Stream one CSV file as typed pyarrow tables of about ``chunk_rows`` rows, restricted to ``columns``."""
    wanted = list(columns) if columns is not None else list(names)
    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1 if skip_header else 0, block_size=block_bytes, use_threads=True
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={name: pa.string() for name in wanted},
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(str(path), read_options=read_options, convert_options=convert_options)
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= chunk_rows:
                yield _typed(pa.Table.from_batches(pending), infer_types)
                pending, pending_rows = [], 0
        if pending:
            yield _typed(pa.Table.from_batches(pending), infer_types)
    except pa.ArrowInvalid as error:
        message = str(error).splitlines()[0]
        raise AnalysisError(
            f"dataset file {path.name}: unreadable CSV ({message}); every row needs {len(names)} comma-separated "
            f"fields like the header/`headers` ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}); "
            "fix or remove the broken line"
        ) from error
