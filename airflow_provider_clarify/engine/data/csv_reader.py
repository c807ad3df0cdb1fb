"""Streaming CSV reader (pyarrow) with the engine's header rule and pandas-like per-chunk type inference.

Every needed column is parsed as text by pyarrow's multi-threaded streaming reader and then typed per chunk the
way pandas would type it (int64, else float64, else bool literals, else text). Typing per chunk instead of from
the first block means a float or a word appearing late in an integer column never aborts a long read. A column
whose chunks disagree beyond int/float (a word in one chunk, numbers in another) is read as text everywhere: the
dataset notices it (:mod:`.column_kinds`) and names it in ``text_columns`` for the next read.

A header row is parsed by pyarrow as a CSV record (a quoted newline inside a header cell stays in that cell) and
mapped to the file's column names by position, so each file of a dataset is read by its own header. Files are
recognised as gzip by their magic bytes, a UTF-8 byte order mark is dropped, a row longer than the read block
grows the block, and bytes that are not UTF-8 are reported with their row and column.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from ..errors import AnalysisError
from .columns import generated_names
from .formats import arrow_input, has_surrogates, not_utf8, open_text, truncated_gzip

NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "#N/A", "<NA>", "None"]
TRUE_VALUES = pa.array(["True", "TRUE", "true"])
FALSE_VALUES = pa.array(["False", "FALSE", "false"])


def first_rows(path: Path, count: int = 2) -> list[list[str]]:
    """The first ``count`` rows of a CSV file (for header detection); bytes that are not UTF-8 stay as
    surrogates (:func:`.formats.has_surrogates`) so only a header cell holding them is an error."""
    rows: list[list[str]] = []
    try:
        with open_text(path) as stream:
            for row in csv.reader(stream):
                rows.append(row)
                if len(rows) >= count:
                    break
    except csv.Error as error:
        raise AnalysisError(f"dataset file {path.name}: not readable as CSV ({error})") from error
    except (EOFError, OSError) as error:
        raise truncated_gzip(path, error) from error
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
    """(column names, whether row 0 is a header row) by the engine rule of reference §3.2.

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
    if looks_like_header(rows, referenced):
        return header_names(path, rows[0]), True
    return generated_names(len(rows[0])), False


def looks_like_header(rows: Sequence[Sequence[str]], referenced: Collection[str] = ()) -> bool:
    """The header rule of reference §3.2 on a file's first rows (see :func:`detect_header`)."""
    row0 = rows[0]
    stripped = {cell.strip() for cell in row0}
    return not any(_is_number(cell) for cell in row0) and (
        len(rows) < 2
        or any(_is_number(cell) for cell in rows[1])
        or any(name in stripped for name in referenced)
    )


def header_names(path: Path, row: Sequence[str]) -> list[str]:
    """A header row's column names (cells stripped); a name that is not UTF-8 or appears twice is refused."""
    names = [cell.strip() for cell in row]
    for name in names:
        if has_surrogates(name):
            raise not_utf8(path, f"the header cell {name!r}", name)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise AnalysisError(
                f"dataset file {path.name}: the column name {name!r} appears more than once in the header; "
                "column names must be unique: rename one of them"
            )
        seen.add(name)
    return names


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
MAX_BLOCK_BYTES: Final = 1 << 30
"""A row must fit in one read block; the block grows (×8) up to this when a longer row appears."""
STRADDLING = "straddling object straddles two block boundaries"


def _typed(table: pa.Table, infer_types: bool, text_columns: Collection[str]) -> pa.Table:
    if not infer_types:
        return table
    return pa.table(
        {
            name: table.column(name) if name in text_columns else infer_text_array(table.column(name))
            for name in table.column_names
        }
    )


def iter_csv(
    path: Path,
    names: list[str],
    skip_header: bool,
    columns: Sequence[str] | None,
    chunk_rows: int,
    infer_types: bool = True,
    block_bytes: int = READ_BLOCK_BYTES,
    text_columns: Collection[str] = (),
) -> Iterator[pa.Table]:
    """Stream one CSV file as typed pyarrow tables of about ``chunk_rows`` rows, restricted to ``columns``.

    ``names`` are the file's columns in file order; with ``skip_header`` its first row is a header that pyarrow
    parses (as a CSV record) and that maps to ``names`` by position. ``text_columns`` are kept as text.
    """
    wanted = list(columns) if columns is not None else list(names)
    yielded = 0
    while True:
        try:
            for table in _read_csv(path, names, skip_header, wanted, chunk_rows, block_bytes, yielded):
                yielded += table.num_rows
                yield _typed(table, infer_types, text_columns)
            return
        except pa.ArrowInvalid as error:
            if STRADDLING not in str(error) or block_bytes >= MAX_BLOCK_BYTES:
                raise _csv_error(path, names, skip_header, wanted, error) from error
            block_bytes = min(block_bytes * 8, MAX_BLOCK_BYTES)  # a row longer than two blocks: read it whole
        except OSError as error:  # pyarrow's gzip stream: "Truncated compressed stream"
            raise truncated_gzip(path, error) from error


def _read_csv(
    path: Path,
    names: list[str],
    skip_header: bool,
    wanted: list[str],
    chunk_rows: int,
    block_bytes: int,
    skip: int,
) -> Iterator[pa.Table]:
    """The rows of one file from row ``skip`` on, in tables of about ``chunk_rows`` rows, named by ``names``."""
    if skip_header:
        header = first_rows(path, 1)[0]
        if len(header) != len(names):
            raise AnalysisError(
                f"internal: {path.name} has {len(header)} header cells, expected {len(names)}"
            )
        file_names = {name: raw for raw, name in zip(header, names, strict=True)}
        read_options = pacsv.ReadOptions(block_size=block_bytes, use_threads=True)
    else:
        file_names = {name: name for name in names}
        read_options = pacsv.ReadOptions(column_names=names, block_size=block_bytes, use_threads=True)
    raw_wanted = [file_names[name] for name in wanted]
    convert_options = pacsv.ConvertOptions(
        include_columns=raw_wanted,
        column_types={raw: pa.string() for raw in raw_wanted},
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    reader = pacsv.open_csv(arrow_input(path), read_options=read_options, convert_options=convert_options)
    pending: list[pa.Table] = []
    pending_rows = 0
    for batch in reader:
        table = pa.Table.from_batches([batch]).rename_columns(wanted)
        if skip:
            dropped = min(skip, table.num_rows)
            table, skip = table.slice(dropped), skip - dropped
        pending.append(table)
        pending_rows += table.num_rows
        if pending_rows >= chunk_rows:
            yield pa.concat_tables(pending)
            pending, pending_rows = [], 0
    if pending_rows:
        yield pa.concat_tables(pending)


def _csv_error(
    path: Path, names: list[str], skip_header: bool, wanted: list[str], error: pa.ArrowInvalid
) -> AnalysisError:
    message = str(error).splitlines()[0]
    if "invalid UTF8" in message:
        located = _locate_not_utf8(path, names, skip_header, wanted)
        if located is not None:
            return located
    if STRADDLING in message:
        return AnalysisError(
            f"dataset file {path.name}: a row is longer than {MAX_BLOCK_BYTES >> 20} MiB; split the long values "
            "or leave that column out of the dataset"
        )
    return AnalysisError(
        f"dataset file {path.name}: unreadable CSV ({message}); every row needs {len(names)} comma-separated "
        f"fields like the header/`headers` ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}); "
        "fix or remove the broken line"
    )


def _locate_not_utf8(
    path: Path, names: list[str], skip_header: bool, wanted: list[str]
) -> AnalysisError | None:
    """The first row whose used cell holds bytes that are not UTF-8 (pyarrow says only which column)."""
    positions = [names.index(name) for name in wanted]
    with open_text(path) as stream:
        reader = csv.reader(stream)
        if skip_header:
            next(reader, None)
        for row_number, row in enumerate(reader, start=1):
            for position in positions:
                if position < len(row) and has_surrogates(row[position]):
                    where = f"row {row_number} (line {reader.line_num}), column {names[position]!r},"
                    return not_utf8(path, where, row[position])
    return None
