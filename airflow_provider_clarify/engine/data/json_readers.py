"""JSON Lines and JSON readers: JMESPath ``features``/``label``/``predicted_label`` into named columns.

JSON Lines: each line is one record; ``features`` yields a 1-D list per line, ``label``/``predicted_label`` a
scalar. JSON: the file is one document; ``features`` yields a 2-D list (row i = record i) and ``label`` /
``predicted_label`` lists of the same length (reference §3.1). Both are streamed as pyarrow tables of ``chunk_rows``.

Lines are read as bytes and decoded one by one, so bytes that are not UTF-8 are reported with the file and line; a
leading byte order mark is dropped and a gzip file is recognised by its magic bytes. A column named in
``text_columns`` holds every value as text (strings as they are, other values as their JSON text), which is how a
column whose values change type between chunks is read once the dataset has noticed it (:mod:`.column_kinds`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jmespath
import pyarrow as pa

from ..errors import AnalysisError
from .columns import generated_names
from .formats import UTF8_BOM, not_utf8, open_binary


@dataclass(frozen=True)
class JsonLayout:
    """Where the columns of a JSON / JSON Lines record come from."""

    features: str
    label: str | None
    predicted_label: str | None
    feature_names: list[str] | None  # from `headers`; None → column_0, column_1, ...
    label_name: str
    predicted_label_name: str

    def names(self, feature_count: int) -> list[str]:
        features = self.feature_names or generated_names(feature_count)
        if len(features) != feature_count:
            raise AnalysisError(
                f"headers: {len(features)} feature name(s) given but `features` yields {feature_count} value(s) per "
                "record; list one name per feature, then the label name, then the predicted-label name"
            )
        names = list(features)
        if self.label is not None:
            names.append(self.label_name)
        if self.predicted_label is not None:
            names.append(self.predicted_label_name)
        repeated = next((name for index, name in enumerate(names) if name in names[:index]), None)
        if repeated is not None:
            raise AnalysisError(
                f"headers: the column name {repeated!r} appears more than once (features, then the label, then the "
                "predicted label); column names must be unique: rename one of them"
            )
        return names


def _as_text(values: list[Any]) -> pa.Array:
    """Every value as text: strings as they are, numbers and booleans as their JSON text, null as missing."""
    return pa.array(
        [None if v is None else (v if isinstance(v, str) else json.dumps(v)) for v in values], pa.string()
    )


def _column_array(values: list[Any], as_text: bool = False) -> pa.Array:
    """A pyarrow array of one column's values; mixed types fall back to text like pandas' object columns."""
    if as_text:
        return _as_text(values)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _as_text(values)


def _table(names: list[str], rows: list[list[Any]], text_columns: Collection[str] = ()) -> pa.Table:
    columns: list[list[Any]] = (
        [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    )
    return pa.table(
        {
            name: _column_array(column, name in text_columns)
            for name, column in zip(names, columns, strict=True)
        }
    )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded one by one so a line that is not UTF-8 is named."""
    with open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = raw.decode("utf-8", errors="surrogateescape")
                bad = text[error.start : error.start + 8]
                raise not_utf8(path, f"line {number}", bad) from error


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def iter_jsonlines(
    path: Path, layout: JsonLayout, chunk_rows: int, text_columns: Collection[str] = ()
) -> Iterator[pa.Table]:
    features = jmespath.compile(layout.features)
    label = jmespath.compile(layout.label) if layout.label is not None else None
    predicted = jmespath.compile(layout.predicted_label) if layout.predicted_label is not None else None
    names: list[str] | None = None
    rows: list[list[Any]] = []
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise AnalysisError(
                f"dataset file {path.name} line {number}: not valid JSON ({error.msg}); application/jsonlines "
                "needs one JSON object per line"
            ) from error
        values = features.search(record)
        if not isinstance(values, list) or not all(_is_scalar(v) for v in values):
            raise AnalysisError(
                f"features: JMESPath {layout.features!r} yields {_shape(values)} on line {number} of "
                f"{path.name}; it must yield a 1-D list of feature values per line"
            )
        row = list(values)
        for expression, compiled, field in (
            (layout.label, label, "label"),
            (layout.predicted_label, predicted, "predicted_label"),
        ):
            if compiled is None:
                continue
            value = compiled.search(record)
            if value is None or not _is_scalar(value):
                raise AnalysisError(
                    f"{field}: JMESPath {expression!r} yields {_shape(value)} on line {number} of {path.name}; "
                    "it must yield one scalar value per line"
                )
            row.append(value)
        if names is None:
            names = layout.names(len(values))
        elif len(row) != len(names):
            raise AnalysisError(
                f"features: line {number} of {path.name} has {len(values)} feature value(s), earlier lines "
                f"{len(names) - (len(row) - len(values))}; every record needs the same features"
            )
        rows.append(row)
        if len(rows) >= chunk_rows:
            yield _table(names, rows, text_columns)
            rows = []
    if rows and names is not None:
        yield _table(names, rows, text_columns)


def iter_json(
    path: Path, layout: JsonLayout, chunk_rows: int, text_columns: Collection[str] = ()
) -> Iterator[pa.Table]:
    with open_binary(path) as stream:
        content = stream.read()
    if content.startswith(UTF8_BOM):
        content = content[len(UTF8_BOM) :]
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        bad = content[error.start : error.start + 8].decode("utf-8", errors="surrogateescape")
        raise not_utf8(path, f"line {line}", bad) from error
    except json.JSONDecodeError as error:
        raise AnalysisError(
            f"dataset file {path.name}: not valid JSON ({error.msg} at line {error.lineno}); application/json "
            "needs one JSON document per file"
        ) from error
    matrix = jmespath.search(layout.features, document)
    if (
        not isinstance(matrix, list)
        or not all(isinstance(row, list) for row in matrix)
        or not all(_is_scalar(v) for row in matrix for v in row)
    ):
        raise AnalysisError(
            f"features: JMESPath {layout.features!r} yields {_shape(matrix)} in {path.name}; for application/json it "
            "must yield a 2-D list (one list of feature values per record)"
        )
    widths = {len(row) for row in matrix}
    if len(widths) > 1:
        raise AnalysisError(
            f"features: records in {path.name} have different feature counts {sorted(widths)}"
        )
    columns: list[Sequence[Any]] = [matrix]
    for expression, field in ((layout.label, "label"), (layout.predicted_label, "predicted_label")):
        if expression is None:
            continue
        values = jmespath.search(expression, document)
        if not isinstance(values, list) or not all(_is_scalar(v) for v in values):
            raise AnalysisError(
                f"{field}: JMESPath {expression!r} yields {_shape(values)} in {path.name}; for application/json it "
                "must yield a list with one value per record"
            )
        if len(values) != len(matrix):
            raise AnalysisError(
                f"{field}: JMESPath {expression!r} yields {len(values)} value(s) but `features` yields "
                f"{len(matrix)} record(s) in {path.name}; both must have one entry per record"
            )
        columns.append(values)
    if not matrix:
        return
    names = layout.names(len(matrix[0]))
    for start in range(0, len(matrix), chunk_rows):
        rows = []
        for index in range(start, min(start + chunk_rows, len(matrix))):
            row = list(matrix[index])
            row.extend(column[index] for column in columns[1:])
            rows.append(row)
        yield _table(names, rows, text_columns)


def _shape(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        depth = "a list of lists" if value and isinstance(value[0], list) else "a flat list"
        return f"{depth} of {len(value)}"
    return f"a {type(value).__name__}"
