"""Parquet reader: record batches by column name, every file cast to one schema decided from all the files.

Parquet columns are always addressed by name. Each file declares its own types, so a dataset of several parts can
hold a column as int64 in one part and as text in another; comparing ``1`` with ``"1"`` would then depend on
which part a row came from. When the dataset opens, every part's schema is read (the footer only) and one type per
column is chosen by a rule that loses nothing (:func:`unified_type`); a column no rule can reconcile, a missing
column or a repeated column name is refused naming the column and the files.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import AnalysisError


def parquet_columns(path: Path) -> list[str]:
    return list(parquet_schema(path).names)


def parquet_schema(path: Path) -> pa.Schema:
    try:
        schema: pa.Schema = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowInvalid, OSError) as error:
        raise AnalysisError(f"dataset file {path.name}: not a readable Parquet file ({error})") from error
    return schema


def dataset_schema(files: Sequence[Path], field: str) -> tuple[list[str], dict[str, pa.DataType]]:
    """The column names every file shares (in the first file's order) and the type each column is read as."""
    schemas = [parquet_schema(path) for path in files]
    for path, schema in zip(files, schemas, strict=True):
        seen: set[str] = set()
        for name in schema.names:
            if name in seen:
                raise AnalysisError(
                    f"{field}: the column name {name!r} appears more than once in {path.name}; column names must "
                    "be unique: rename one of them"
                )
            seen.add(name)
    names = list(schemas[0].names)
    for path, schema in zip(files[1:], schemas[1:], strict=True):
        missing = [name for name in names if name not in schema.names]
        extra = [name for name in schema.names if name not in names]
        if missing or extra:
            problem = (f"lacks column(s) {missing}" if missing else "") + (
                f"{' and ' if missing else ''}has column(s) {extra} that {files[0].name} lacks"
                if extra
                else ""
            )
            raise AnalysisError(
                f"{field}: {path.name} {problem}; every Parquet file of a dataset needs the same columns as "
                f"{files[0].name} ({names}): fix the file or remove it from the dataset"
            )
    types: dict[str, pa.DataType] = {}
    for name in names:
        by_file = [(path, schema.field(name).type) for path, schema in zip(files, schemas, strict=True)]
        types[name] = unified_type(name, by_file, field)
    return names, types


def unified_type(name: str, by_file: Sequence[tuple[Path, pa.DataType]], field: str) -> pa.DataType:
    """One type for a column whose files declare ``by_file``: the same type; else integers of any width → int64;
    integers and floats → float64; any text → string; integers and text → string (digits are exact); a
    dictionary column whose parts disagree is decoded first; an all-null part takes the others' type.
    Anything else (floats or booleans with text, timestamps with numbers, nested types that differ) is refused."""
    declared = [data_type for _, data_type in by_file if not pa.types.is_null(data_type)]
    if not declared or all(data_type == declared[0] for data_type in declared):
        return declared[0] if declared else pa.null()
    plain = [t.value_type if pa.types.is_dictionary(t) else t for t in declared]
    if all(pa.types.is_integer(t) for t in plain):
        return pa.int64()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) for t in plain):
        return pa.float64()
    if all(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t) for t in plain):
        return pa.string()
    if all(t == plain[0] for t in plain):
        return plain[0]
    shown = ", ".join(f"{path.name}: {data_type}" for path, data_type in by_file)
    raise AnalysisError(
        f"{field}: column {name!r} has types that cannot be reconciled across the Parquet files ({shown}); write "
        "it with one type in every file"
    )


def iter_parquet(
    path: Path,
    columns: Sequence[str] | None,
    chunk_rows: int,
    types: Mapping[str, pa.DataType] | None = None,
    text_columns: Collection[str] = (),
) -> Iterator[pa.Table]:
    """Batches of ``chunk_rows`` rows of ``columns`` (all when None), cast to ``types``."""
    try:
        parquet = pq.ParquetFile(path)
        wanted = list(columns) if columns else list(parquet.schema_arrow.names)
        missing = [name for name in wanted if name not in parquet.schema_arrow.names]
        if missing:
            raise AnalysisError(
                f"dataset file {path.name}: column(s) {missing} are missing from this Parquet file; every file of "
                "a dataset needs the same columns"
            )
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=wanted):
            yield _cast(pa.Table.from_batches([batch]), types or {}, text_columns, path)
    except (pa.ArrowInvalid, OSError) as error:
        raise AnalysisError(f"dataset file {path.name}: not a readable Parquet file ({error})") from error


def _cast(
    table: pa.Table, types: Mapping[str, pa.DataType], text_columns: Collection[str], path: Path
) -> pa.Table:
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        target = pa.string() if name in text_columns else types.get(name, column.type)
        if column.type != target:
            if pa.types.is_dictionary(column.type) and not pa.types.is_dictionary(target):
                column = column.dictionary_decode() if isinstance(column, pa.Array) else _decode(column)
            try:
                column = column.cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                raise AnalysisError(
                    f"dataset file {path.name}: column {name!r} cannot be read as {target} like in the other "
                    f"files ({error})"
                ) from error
        columns[name] = column
    return pa.table(columns)


def _decode(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pa.chunked_array([chunk.dictionary_decode() for chunk in column.chunks])
