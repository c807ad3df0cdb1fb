"""Reading the timestamps of one item: one kind per item, parseable, unique; the order they sort in.

Clarify's examples use both ISO dates (``"2019-09-11"``, ``"2024-01-01 01:00:00"``) and plain integers (the
documentation's ``t = [0, 1, 2]``), so both are accepted; an item mixing them, or holding anything else, is an
error that names the item and the value. The timestamps themselves are kept as written (the output echoes them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ...contract import JSONValue
from ..errors import AnalysisError
from .series import Timestamp

FIELD = "time_series_data_config.timestamp"
VALID = 'ISO 8601 strings such as "2019-09-11" or "2019-09-11 00:00:00", or integers'


def sort_order(values: Sequence[JSONValue], item: str, name: str) -> tuple[tuple[Timestamp, ...], np.ndarray]:
    """The timestamps sorted by time, and the permutation that sorts them (``sorted[k] == values[order[k]]``);
    raises on unparseable, mixed or repeated timestamps. The values come back as written (strings or integers)."""
    integers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    texts = [v for v in values if isinstance(v, str)]
    stamps: Sequence[Timestamp]
    if len(integers) == len(values):
        stamps = integers
        keys: np.ndarray = np.asarray(integers, dtype=np.int64)
    elif len(texts) == len(values):
        stamps = texts
        keys = _datetime_keys(texts, item, name)
    else:
        bad = next((v for v in values if isinstance(v, bool) or not isinstance(v, (str, int))), None)
        if bad is not None:
            raise AnalysisError(f"item {item}: {FIELD} ({name}) {bad!r} is not a timestamp; use {VALID}")
        raise AnalysisError(
            f"item {item}: {FIELD} ({name}) mixes strings and integers ({texts[0]!r}, {integers[0]!r}); use one "
            f"kind per item: {VALID}"
        )
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeated.size:
        value = stamps[int(order[repeated[0] + 1])]
        raise AnalysisError(
            f"item {item}: {FIELD} ({name}) {value!r} appears more than once; an item has one record per timestamp"
        )
    return tuple(stamps[i] for i in order), order


def _datetime_keys(values: Sequence[str], item: str, name: str) -> np.ndarray:
    """Nanoseconds since the epoch. Aware timestamps are instants (compared in UTC, so an item whose offset
    changes with daylight saving time sorts by time); naive ones are read as they are written."""
    series = pd.Series(list(values), dtype=object)
    parsed: pd.Series | None
    try:
        parsed = pd.to_datetime(series, format="ISO8601", utc=False)
    except (ValueError, TypeError, OverflowError) as error:
        # pandas refuses aware timestamps with different UTC offsets unless told to convert them to UTC.
        parsed = _as_utc(series) if all(_has_zone(value) for value in values) else None
        if parsed is None:
            bad = _first_unparseable(values)
            raise AnalysisError(
                f"item {item}: {FIELD} ({name}) {bad!r} is not a timestamp ({_reason(error)}); use {VALID}"
            ) from None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _as_utc(series: pd.Series) -> pd.Series | None:
    try:
        return pd.to_datetime(series, format="ISO8601", utc=True)
    except (ValueError, TypeError, OverflowError):
        return None


def _first_unparseable(values: Sequence[str]) -> str:
    for value in values:
        try:
            pd.to_datetime(value, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            return value
    # Every value parses on its own: the list mixes time-zone-aware and naive timestamps.
    return next((v for v in values if _has_zone(v)), values[0])


def _has_zone(value: str) -> bool:
    try:
        return pd.Timestamp(value).tzinfo is not None
    except (ValueError, TypeError):
        return False


def _reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "tz" in text.lower() or "offset" in text.lower():
        return "time-zone-aware and naive timestamps are mixed"
    return text[:120]
