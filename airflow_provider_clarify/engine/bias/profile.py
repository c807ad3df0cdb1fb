"""Streaming per-column statistics for the role columns (label, predicted label, facets, group variable).

Type inference (reference §3.5) needs the number of distinct values and their share of non-null values, one-vs-rest
facets need their values in order of first appearance, continuous thresholds need the maximum, and value
matching needs to know which values occur. All of that is collected chunk by chunk here; the set of distinct
values is bounded (``cap``) so a high-cardinality column cannot make memory grow with the rows.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..data.column_kinds import arrow_kind, unify_kinds
from ..errors import AnalysisError

__all__ = ["ColumnProfile", "arrow_kind", "python_value", "unify_kinds"]


def python_value(value: Any) -> Any:
    """A hashable key for a cell value: NaN becomes None (missing) so all NaNs count as one missing value."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class ColumnProfile:
    """Kind, non-null count, distinct values (first-appearance order, bounded), maximum, int-castability."""

    def __init__(self, name: str, cap: int) -> None:
        self.name = name
        self.cap = cap
        self.kind = "null"
        self.rows = 0
        self.non_null = 0
        self.values: dict[Any, int] | None = {}
        self.maximum: Any = None
        self.int_castable = True  # every non-null text value parses as int64 (rule 2 of reference §3.5)

    @property
    def distinct(self) -> int:
        return len(self.values) if self.values is not None else self.cap + 1

    def update(self, array: pa.ChunkedArray | pa.Array) -> None:
        if pa.types.is_nested(array.type):
            raise AnalysisError(
                f"column {self.name!r} holds nested values ({array.type}); a label, facet, group variable or "
                "predicted label needs one scalar value per row: write the value it stands for into a column of "
                "its own and name that column"
            )
        if isinstance(array, pa.ChunkedArray) and array.num_chunks == 1:
            array = array.chunk(0)
        kind = arrow_kind(array.type)
        if kind == "category":
            array = (
                array.dictionary_decode()
                if isinstance(array, pa.Array)
                else pa.chunked_array([chunk.dictionary_decode() for chunk in array.chunks])
            )
        self.kind = unify_kinds(self.kind, kind) if self.kind != "category" else "category"
        self.rows += len(array)
        self.non_null += len(array) - array.null_count
        if kind == "float":
            self.non_null -= int(pc.sum(pc.is_nan(array)).as_py() or 0)
        if self.values is not None:
            counted = pc.value_counts(array)
            values = counted.field("values").to_pylist()
            counts = counted.field("counts").to_pylist()
            store = self.values
            for value, count in zip(values, counts, strict=True):
                key = python_value(value)
                if key is not None:
                    store[key] = store.get(key, 0) + count
            if len(store) > self.cap:
                self.values = None
        numeric: Any = None
        if kind in ("int", "float"):
            numeric = array
        elif kind in ("string", "category") and self.int_castable and array.null_count < len(array):
            try:
                numeric = pc.cast(array, pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                self.int_castable = False
        if numeric is not None:
            chunk_max = pc.max(numeric).as_py()
            if chunk_max is not None and not (isinstance(chunk_max, float) and math.isnan(chunk_max)):
                self.maximum = chunk_max if self.maximum is None else max(self.maximum, chunk_max)
