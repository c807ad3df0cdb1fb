"""Reading a JSON forecasting dataset into items, whatever its layout (Clarify "Time series data" page).

Layouts (``time_series_data_config.dataset_format``):

- ``columns``: one object of parallel lists, one entry per (item, timestamp) row; every location is a JMESPath
  evaluated on the whole document and must give a list as long as the item ids.
- ``timestamp_records``: a list of (item, timestamp) records; locations such as ``[].target`` are evaluated on
  the whole document and give one value per record.
- ``item_records``: a list of items, each holding its own timestamp records; every location is evaluated on a
  one-item list ``[item]`` (``[*].id`` gives the item's id, ``[*].timeseries[].target`` its series), so an item's
  series are never confused with the next item's.
- integer indexes (no ``dataset_format``): a list of row arrays; index ``k`` is field ``k`` of each row.

Values are typed as what JSON holds (:data:`~airflow_provider_clarify.contract.JSONValue`) until the checks
of :func:`_assemble` narrow them to item ids, timestamps, numbers and static values. JSON ``null`` is kept in place
while JMESPath runs (projections would drop it and shift every later value), so a missing value is reported where
it is. A target may be ``null`` only at the end of an item, for the known-future
steps where related series continue (the Clarify DeepAR example); everything else must be present and numeric.
Several files under a prefix are read in key order and their rows or items concatenated (reference §3.1).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeGuard

import jmespath
import numpy as np

from ...config.time_series import NameOrIndex, TimeSeriesSettings
from ...contract import JSONValue
from ..errors import AnalysisError
from .series import ItemId, ItemSeries, StaticValue, Timestamp
from .timestamps import sort_order

_NULL = "\x00clarify:null\x00"
"""Stands in for JSON null while JMESPath runs: projections skip null, which would misalign the rows."""


@dataclass
class _RawItem:
    """An item's values as found, before checks: one entry per row (timestamp record)."""

    item_id: ItemId
    timestamps: list[JSONValue] = field(default_factory=list)
    target: list[JSONValue] = field(default_factory=list)
    related: list[list[JSONValue]] = field(default_factory=list)
    statics: list[tuple[JSONValue, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class _Fields:
    """The locations of the config with their JSON paths and display names, in ``headers`` order."""

    locations: tuple[NameOrIndex, ...]
    paths: tuple[str, ...]
    names: tuple[str, ...]
    related_count: int

    @classmethod
    def of(cls, settings: TimeSeriesSettings) -> _Fields:
        return cls(
            settings.data.locations,
            settings.data.field_paths(),
            settings.names,
            len(settings.data.related_time_series),
        )

    def describe(self, index: int) -> str:
        return f"{self.paths[index]} ({self.names[index]})"


def read_items(settings: TimeSeriesSettings, files: Sequence[Path]) -> list[ItemSeries]:
    """Every item of the dataset ``files``, validated, in order of first appearance."""
    fields = _Fields.of(settings)
    raw: dict[tuple[str, ItemId], _RawItem] = {}
    for path in files:
        document = _load(path)
        if settings.data.uses_indexes:
            rows = _index_rows(document, fields, path)
            _group(rows, raw, fields, path)
        elif settings.data.dataset_format == "item_records":
            _item_records(document, fields, path, raw)
        else:
            rows = _column_rows(_Document(document), fields, path, settings.data.dataset_format or "columns")
            _group(rows, raw, fields, path)
    if not raw:
        raise AnalysisError(
            f"the dataset ({', '.join(p.name for p in files)}) holds no records; check "
            "time_series_data_config.item_id and dataset_format"
        )
    return [_assemble(item, fields) for item in raw.values()]


# ------------------------------------------------------------------------------------------------- loading


def _load(path: Path) -> JSONValue:
    try:
        document: JSONValue = json.loads(path.read_text(encoding="utf-8"))
        return document
    except UnicodeDecodeError as error:
        raise AnalysisError(f"dataset file {path.name} is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise AnalysisError(
            f"dataset file {path.name} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "time-series datasets are application/json documents"
        ) from None


def _with_null_markers(value: JSONValue) -> JSONValue:
    if value is None:
        return _NULL
    if isinstance(value, list):
        return [_with_null_markers(item) for item in value]
    if isinstance(value, dict):
        return {key: _with_null_markers(item) for key, item in value.items()}
    return value


def _unmark(value: JSONValue) -> JSONValue:
    if isinstance(value, str) and value == _NULL:
        return None
    if isinstance(value, list):
        return [_unmark(item) for item in value]
    if isinstance(value, dict):
        return {key: _unmark(item) for key, item in value.items()}
    return value


_FIELD = r'(?:([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)")'
_PROJECTED_FIELD = re.compile(r"^\s*\[(\*?)\]\s*\.\s*" + _FIELD + r"\s*$")
_TOP_FIELD = re.compile(r"^\s*" + _FIELD + r"\s*$")


class _NotSimple:
    """What :func:`_simple_search` returns for an expression it leaves to jmespath (``None`` is a JSON value)."""


_NOT_SIMPLE: Final = _NotSimple()


class _Document:
    """A parsed JSON document and a JMESPath search on it that keeps nulls in place.

    The common locations (``[].x``, ``[*].x``, ``x``) are read directly with JMESPath's semantics (a projection
    skips elements without the field, ``[]`` flattens one level), except that a JSON null stays a value. Other
    expressions run through jmespath on a copy whose nulls are marked, made once when first needed.
    """

    def __init__(self, document: JSONValue) -> None:
        self.document = document
        self._marked: JSONValue = None
        self._has_marks = False

    def search(self, expression: str) -> JSONValue:
        simple = _simple_search(expression, self.document)
        if not isinstance(simple, _NotSimple):
            return simple
        if not self._has_marks:
            self._marked, self._has_marks = _with_null_markers(self.document), True
        found: JSONValue = jmespath.search(expression, self._marked)  # JMESPath gives JSON values back
        return _unmark(found)


def _simple_search(expression: str, document: JSONValue) -> JSONValue | _NotSimple:
    projected = _PROJECTED_FIELD.match(expression)
    if projected:
        name = _field_name(projected.group(2), projected.group(3))
        if not isinstance(document, list):
            return None
        elements: Iterable[JSONValue] = document
        if projected.group(1) == "":  # "[]" flattens one level before projecting
            elements = [v for e in document for v in (e if isinstance(e, list) else (e,))]
        return [element[name] for element in elements if isinstance(element, dict) and name in element]
    top = _TOP_FIELD.match(expression)
    if top:
        name = _field_name(top.group(1), top.group(2))
        return document.get(name) if isinstance(document, dict) else None
    return _NOT_SIMPLE


def _field_name(identifier: str | None, quoted: str | None) -> str:
    return identifier if identifier is not None else json.loads(f'"{quoted}"')


# ------------------------------------------------------------------------------------------------- layouts

Row = tuple[JSONValue, ...]  # values in `_Fields.locations` order


def _column_rows(document: _Document, fields: _Fields, path: Path, layout: str) -> list[Row]:
    """``columns`` / ``timestamp_records``: every location gives one value per row of the whole document."""
    columns: list[list[JSONValue]] = []
    for index, location in enumerate(fields.locations):
        values = document.search(str(location))
        if not isinstance(values, list):
            raise AnalysisError(
                f"{fields.describe(index)} {location!r} gives {_kind(values)} in {path.name}; with dataset_format "
                f"{layout} it must give a list with one value per (item, timestamp) row"
                + (" (for a list of records write e.g. '[].target')" if layout == "timestamp_records" else "")
            )
        columns.append(values)
    counts = [len(values) for values in columns]
    if len(set(counts)) > 1:
        index = next(i for i, count in enumerate(counts) if count != counts[0])
        raise AnalysisError(
            f"{fields.describe(index)} gives {counts[index]} value(s) in {path.name} but {fields.describe(0)} gives "
            f"{counts[0]}: every (item, timestamp) row needs every field (write null for a target in the forecast "
            "horizon, never leave a field out)"
        )
    return list(zip(*columns, strict=True))


def _index_rows(document: JSONValue, fields: _Fields, path: Path) -> list[Row]:
    """Integer locations: the document is a list of rows, each a JSON array."""
    if not isinstance(document, list):
        raise AnalysisError(
            f"{path.name}: with integer locations in time_series_data_config the dataset must be a JSON array of "
            f"rows (one array per item and timestamp), got {_kind(document)}"
        )
    rows = []
    for number, row in enumerate(document):
        if not isinstance(row, list):
            raise AnalysisError(
                f"{path.name} row {number}: expected an array of fields (integer locations index into it), got "
                f"{_kind(row)}"
            )
        try:
            rows.append(tuple(_unmark(row[int(location)]) for location in fields.locations))
        except IndexError:
            index = next(i for i, loc in enumerate(fields.locations) if int(loc) >= len(row))
            raise AnalysisError(
                f"{path.name} row {number} has {len(row)} field(s) but {fields.describe(index)} is index "
                f"{fields.locations[index]}"
            ) from None
    return rows


def _item_records(
    document: JSONValue, fields: _Fields, path: Path, raw: dict[tuple[str, ItemId], _RawItem]
) -> None:
    if not isinstance(document, list):
        raise AnalysisError(
            f"{path.name}: with dataset_format item_records the dataset must be a JSON array of item objects, got "
            f"{_kind(document)}"
        )
    series_end = 3 + fields.related_count  # locations 1..series_end-1: timestamp, target, related...
    for number, item in enumerate(document):
        one = _Document([item])
        item_id = _single(
            one.search(str(fields.locations[0])), fields, 0, f"{path.name} item record {number}"
        )
        key = _key(item_id, fields, f"{path.name} item record {number}")
        if key in raw:
            raise AnalysisError(
                f"item {item_id!r} appears in two item records ({path.name} item record {number}); with dataset_format "
                "item_records each item is one record"
            )
        found = _RawItem(key[1])
        series: list[list[JSONValue]] = []
        for index in range(1, series_end):
            values = one.search(str(fields.locations[index]))
            if not isinstance(values, list):
                raise AnalysisError(
                    f"item {item_id!r}: {fields.describe(index)} {fields.locations[index]!r} gives {_kind(values)}; "
                    "with dataset_format item_records it must give the item's list of values (e.g. "
                    "'[*].timeseries[].target')"
                )
            series.append(values)
        lengths = [len(values) for values in series]
        if len(set(lengths)) > 1:
            index = 1 + next(i for i, n in enumerate(lengths) if n != lengths[0])
            raise AnalysisError(
                f"item {item_id!r}: {fields.describe(index)} has {lengths[index - 1]} value(s) but "
                f"{fields.describe(1)} has {lengths[0]}: every series of an item needs one value per timestamp "
                "(write null for a target in the forecast horizon)"
            )
        statics = tuple(
            _single(one.search(str(fields.locations[index])), fields, index, f"item {item_id!r}")
            for index in range(series_end, len(fields.locations))
        )
        found.timestamps = series[0]
        found.target = series[1]
        found.related = [list(values) for values in zip(*series[2:], strict=True)] if lengths[0] else []
        found.statics = [statics] * lengths[0]
        raw[key] = found


def _single(value: JSONValue, fields: _Fields, index: int, where: str) -> JSONValue:
    """One value per item record: a one-element list (from ``[*].x``) or a scalar."""
    if isinstance(value, list):
        if len(value) != 1:
            raise AnalysisError(
                f"{where}: {fields.describe(index)} {fields.locations[index]!r} gives {len(value)} values; it must "
                "give one value per item (e.g. '[*].store')"
            )
        return value[0]
    return value


def _group(rows: Iterable[Row], raw: dict[tuple[str, ItemId], _RawItem], fields: _Fields, path: Path) -> None:
    related_end = 3 + fields.related_count
    for number, row in enumerate(rows):
        item_id = row[0]
        if type(item_id) is str:  # the common cases, without building a message
            key: tuple[str, ItemId] = ("str", item_id)
        elif type(item_id) is int:
            key = ("int", item_id)
        else:
            key = _key(item_id, fields, f"{path.name} row {number}")
        item = raw.get(key)
        if item is None:
            item = raw[key] = _RawItem(key[1])
        if row[1] is None:
            raise AnalysisError(
                f"item {row[0]!r}: {fields.describe(1)} is missing in {path.name} row {number}; every record needs "
                "its timestamp"
            )
        item.timestamps.append(row[1])
        item.target.append(row[2])
        item.related.append(list(row[3:related_end]))
        item.statics.append(tuple(row[related_end:]))


def _key(item_id: JSONValue, fields: _Fields, where: str) -> tuple[str, ItemId]:
    if item_id is None:
        raise AnalysisError(
            f"{where}: {fields.describe(0)} is missing; every record needs its item id (a string or an integer)"
        )
    if isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
        raise AnalysisError(
            f"{where}: {fields.describe(0)} is {_kind(item_id)}; item ids must be strings or integers"
        )
    return (type(item_id).__name__, item_id)


# ------------------------------------------------------------------------------------------------ assembling


def _assemble(raw: _RawItem, fields: _Fields) -> ItemSeries:
    item = repr(raw.item_id)
    if not raw.timestamps:
        raise AnalysisError(f"item {item} has no timestamp records; give it at least one")
    if any(value is None for value in raw.timestamps):
        raise AnalysisError(
            f"item {item}: {fields.describe(1)} is missing (null); every record needs its timestamp"
        )
    timestamps, order = sort_order(raw.timestamps, item, fields.names[1])
    target_values = [raw.target[i] for i in order]
    observed = _observed_target(target_values, timestamps, item, fields)
    target = _numbers(target_values[:observed], timestamps, item, fields, 2)
    related = np.zeros((fields.related_count, len(timestamps)))
    for r in range(fields.related_count):
        column = [raw.related[i][r] for i in order]
        related[r] = _numbers(column, timestamps, item, fields, 3 + r)
    if observed < len(timestamps) and fields.related_count == 0:
        raise AnalysisError(
            f"item {item}: {fields.describe(2)} is null from {timestamps[observed]!r} on, but there are no related "
            "time series to cover those future steps; remove the rows without a target"
        )
    statics = _statics([raw.statics[i] for i in order], timestamps, item, fields)
    return ItemSeries(raw.item_id, timestamps, target, related, statics)


def _observed_target(
    values: list[JSONValue], timestamps: tuple[Timestamp, ...], item: str, fields: _Fields
) -> int:
    """``T``: the leading non-null block; after it only nulls (the known-future steps) may follow."""
    observed = next((i for i, v in enumerate(values) if v is None), len(values))
    if observed == 0:
        raise AnalysisError(
            f"item {item}: {fields.describe(2)} has no value at its first timestamp {timestamps[0]!r}; an item "
            "needs at least one observed target value"
        )
    later = next((i for i in range(observed, len(values)) if values[i] is not None), None)
    if later is not None:
        raise AnalysisError(
            f"item {item}: {fields.describe(2)} is null at {timestamps[observed]!r} but has a value at "
            f"{timestamps[later]!r}; fill the gap (a null target is only allowed at the end of an item, for future "
            "steps of the related series)"
        )
    return observed


def _numbers(
    values: list[JSONValue], timestamps: tuple[Timestamp, ...], item: str, fields: _Fields, index: int
) -> np.ndarray:
    if _plain_numbers(values):  # the common case, converted at once
        array = np.asarray(values, dtype=float)
        if np.isfinite(array).all():
            return array
    numbers: list[float] = []  # otherwise value by value, to name the first one that is not a finite number
    for position, value in enumerate(values):
        if value is None:
            raise AnalysisError(
                f"item {item}: {fields.describe(index)} is missing (null) at timestamp {timestamps[position]!r}; "
                "every related series needs a value at every timestamp of its item"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AnalysisError(
                f"item {item}: {fields.describe(index)} is {_kind(value)} at timestamp {timestamps[position]!r}; "
                "series values must be finite JSON numbers"
            )
        numbers.append(float(value))
    return np.asarray(numbers, dtype=float)


def _plain_numbers(values: list[JSONValue]) -> TypeGuard[list[float | int]]:
    """Every value a JSON number (``bool`` is not one, although Python counts it as an ``int``)."""
    return all(type(value) is float or type(value) is int for value in values)


def _statics(
    rows: list[tuple[JSONValue, ...]], timestamps: tuple[Timestamp, ...], item: str, fields: _Fields
) -> tuple[StaticValue, ...]:
    if not rows or not rows[0]:
        return ()
    first = rows[0]
    start = 3 + fields.related_count
    statics: list[StaticValue] = []
    for offset, value in enumerate(first):
        index = start + offset
        if value is None or isinstance(value, (list, dict)):
            raise AnalysisError(
                f"item {item}: {fields.describe(index)} is {_kind(value)}; a static covariate is one number or "
                "string per item"
            )
        different = next((i for i, row in enumerate(rows) if not _same(row[offset], value)), None)
        if different is not None:
            raise AnalysisError(
                f"item {item}: {fields.describe(index)} is {value!r} at {timestamps[0]!r} but "
                f"{rows[different][offset]!r} at {timestamps[different]!r}; a static covariate has one value per item"
            )
        statics.append(value)
    return tuple(statics)


def _same(a: JSONValue, b: JSONValue) -> bool:
    """Equal values of the same JSON kind (1 and 1.0 are the same number; 1 and "1" or true differ)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _kind(value: JSONValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
