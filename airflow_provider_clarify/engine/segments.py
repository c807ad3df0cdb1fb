"""``segment_config`` (the SDK's ``SegmentationConfig``): which rows belong to which segment.

The SDK's semantics, followed here: each entry names a column (``name_or_index``) and lists N segments; each
segment is a list of values (a categorical column: strings or integers) or of intervals in interval notation (a
continuous column: ``"[1, 4]"``, ``"(2, 5]"``, ``"(7, 9)"``; several intervals make one segment). N lists give
N + 1 segments: the extra ``__default__`` segment holds every row no listed segment covers (missing values
included). ``config_name`` names the entry; ``display_aliases`` name the N segments, or the N + 1 with the
default segment's name last.

This provider's reading where the SDK is silent (docs/segments.md):

* a config is continuous when every item is interval notation, categorical when none is; a mix is an error;
* segments of one config must not overlap (a value listed twice, intervals that intersect): a row would
  otherwise be counted in two segments, which the SDK's N + 1 partition rules out;
* a segment's name is its alias, or its items joined by commas (as a facet's ``value_or_threshold``); the
  default segment is ``__default__`` unless the N + 1-th alias names it; a config without ``config_name`` is
  named after its column; names must be unique;
* categorical values are matched like facet values: as given, or converted to the column's type (with a
  warning) when none of them occurs as given (:func:`..bias.encoding.match_values`).

Every problem raises :class:`AnalysisError` naming the item (``segment_config[0].segments[1][0]``) before the
run writes anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .bias.encoding import CategoricalEncoder, match_values
from .bias.profile import ColumnProfile
from .errors import AnalysisError

DEFAULT_SEGMENT = "__default__"
_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s][^,]*?)\s*,\s*([^,\s][^,]*?)\s*([\])])\s*$")
Value = str | int | float


# ----------------------------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class Interval:
    """One interval of a continuous segment, e.g. ``(30, 60]``."""

    low: float
    high: float
    closed_low: bool
    closed_high: bool

    def contains(self, numbers: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            above = numbers >= self.low if self.closed_low else numbers > self.low
            below = numbers <= self.high if self.closed_high else numbers < self.high
        return np.asarray(above & below)

    def intersects(self, other: Interval) -> bool:
        low, closed_low = _larger_low(self, other)
        high, closed_high = _smaller_high(self, other)
        return low < high or (low == high and closed_low and closed_high)


def _larger_low(a: Interval, b: Interval) -> tuple[float, bool]:
    if a.low != b.low:
        return (a.low, a.closed_low) if a.low > b.low else (b.low, b.closed_low)
    return a.low, a.closed_low and b.closed_low


def _smaller_high(a: Interval, b: Interval) -> tuple[float, bool]:
    if a.high != b.high:
        return (a.high, a.closed_high) if a.high < b.high else (b.high, b.closed_high)
    return a.high, a.closed_high and b.closed_high


@dataclass(frozen=True)
class SegmentSpec:
    """One segment as configured: its name, its items, and (continuous) their intervals."""

    name: str
    items: tuple[Value, ...]
    intervals: tuple[Interval, ...] = ()
    is_default: bool = False


@dataclass(frozen=True)
class SegmentConfigSpec:
    """One ``segment_config`` entry, parsed: the column reference and its N + 1 segments (default last)."""

    index: int
    name_or_index: str | int
    config_name: str | None
    continuous: bool
    segments: tuple[SegmentSpec, ...]

    @property
    def field(self) -> str:
        return f"segment_config[{self.index}]"


def parse_segment_configs(raw: object) -> list[SegmentConfigSpec]:
    """Every ``segment_config`` entry checked and parsed (no data needed); ``[]`` without the key."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise AnalysisError(f"segment_config: expected a list of segment objects, got {type(raw).__name__}")
    return [_parse_config(entry, index) for index, entry in enumerate(raw)]


def _parse_config(entry: object, index: int) -> SegmentConfigSpec:
    where = f"segment_config[{index}]"
    if not isinstance(entry, dict):
        raise AnalysisError(f"{where}: expected an object with name_or_index and segments")
    column = entry.get("name_or_index")
    if isinstance(column, bool) or not isinstance(column, (str, int)):
        raise AnalysisError(f"{where}.name_or_index: give the segment column's name or 0-based index")
    segments = entry.get("segments")
    if not isinstance(segments, list) or not segments or not all(isinstance(s, list) and s for s in segments):
        raise AnalysisError(
            f"{where}.segments: must be a non-empty list of non-empty lists of values or intervals, e.g. "
            '[["A", "B"]] or [["[0, 30)"], ["[30, 60)"]]'
        )
    continuous = _is_continuous(segments, where)
    names = _segment_names(entry.get("display_aliases"), segments, where)
    specs = []
    for position, items in enumerate(segments):
        item_where = f"{where}.segments[{position}]"
        intervals = (
            tuple(_interval(item, f"{item_where}[{i}]") for i, item in enumerate(items)) if continuous else ()
        )
        specs.append(SegmentSpec(names[position], tuple(items), intervals))
    specs.append(SegmentSpec(names[-1], (), (), is_default=True))
    _check_disjoint(specs, continuous, where)
    config_name = entry.get("config_name")
    if config_name is not None and (not isinstance(config_name, str) or not config_name.strip()):
        raise AnalysisError(
            f"{where}.config_name: give a non-empty name, or leave it out (the column names it)"
        )
    return SegmentConfigSpec(index, column, config_name, continuous, tuple(specs))


def _is_continuous(segments: list[list[Any]], where: str) -> bool:
    kinds = {
        isinstance(item, str) and _INTERVAL.match(item) is not None for items in segments for item in items
    }
    if len(kinds) > 1:
        raise AnalysisError(
            f"{where}.segments: mixes intervals and plain values; a continuous column takes intervals only "
            '(e.g. "[0, 30)"), a categorical one values only'
        )
    return kinds == {True}


def _segment_names(aliases: object, segments: list[list[Any]], where: str) -> list[str]:
    """N + 1 names: the aliases (N, or N + 1 with the default's), else the items joined by commas."""
    generated = [",".join(str(item) for item in items) for items in segments]
    if aliases is None:
        names = [*generated, DEFAULT_SEGMENT]
    elif not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise AnalysisError(f"{where}.display_aliases: must be a list of non-empty names")
    elif len(aliases) == len(segments):
        names = [*aliases, DEFAULT_SEGMENT]
    elif len(aliases) == len(segments) + 1:
        names = list(aliases)
    else:
        raise AnalysisError(
            f"{where}.display_aliases: {len(aliases)} alias(es) for {len(segments)} segment(s); give "
            f"{len(segments)} (one per segment) or {len(segments) + 1} (the last one names the default segment)"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise AnalysisError(f"{where}: segment names {repeated} repeat; give distinct display_aliases")
    return names


def _interval(item: object, where: str) -> Interval:
    match = _INTERVAL.match(str(item))
    assert match is not None  # _is_continuous checked every item
    opening, low_text, high_text, closing = match.groups()
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise AnalysisError(
            f'{where}: {item!r} has an end that is not a number; write intervals like "(30, 60]" or "[0, inf)"'
        ) from None
    if math.isnan(low) or math.isnan(high) or low > high:
        raise AnalysisError(f"{where}: {item!r} is empty (its lower end must not exceed its upper end)")
    interval = Interval(low, high, opening == "[", closing == "]")
    if low == high and not (interval.closed_low and interval.closed_high):
        raise AnalysisError(f"{where}: {item!r} is empty; a single value is written [v, v]")
    return interval


def _check_disjoint(specs: list[SegmentSpec], continuous: bool, where: str) -> None:
    listed = [spec for spec in specs if not spec.is_default]
    for first, one in enumerate(listed):
        for other in listed[first + 1 :]:
            if continuous:
                overlapping = any(a.intersects(b) for a in one.intervals for b in other.intervals)
            else:
                overlapping = bool({str(v) for v in one.items} & {str(v) for v in other.items})
            if overlapping:
                raise AnalysisError(
                    f"{where}.segments: segments {one.name!r} and {other.name!r} overlap; a row may belong to one "
                    "segment only (the rest go to the default segment)"
                )


# ---------------------------------------------------------------------------------------------- membership


@dataclass
class SegmentMembership:
    """Which segment each row of a frame belongs to: codes 0 … N − 1 for the listed segments, N for the default.

    The codes of the last frame are kept (with the frame itself, so its identity cannot be reused): every
    per-segment table builder of a chunk asks for them.
    """

    spec: SegmentConfigSpec
    column: str
    name: str
    matchers: list[Callable[[pd.Series], np.ndarray]]
    _last: tuple[pd.DataFrame, np.ndarray] | None = field(default=None, repr=False)

    @property
    def segments(self) -> tuple[SegmentSpec, ...]:
        return self.spec.segments

    def codes(self, series: pd.Series) -> np.ndarray:
        codes = np.full(len(series), len(self.matchers), dtype=np.int64)
        for code in range(
            len(self.matchers) - 1, -1, -1
        ):  # disjoint: order only matters for converted values
            codes[self.matchers[code](series)] = code
        return codes

    def frame_codes(self, frame: pd.DataFrame) -> np.ndarray:
        """:meth:`codes` of ``frame``'s segment column, computed once per frame."""
        if self._last is None or self._last[0] is not frame:
            self._last = (frame, self.codes(frame[self.column]))
        return self._last[1]


def resolve_memberships(
    specs: Sequence[SegmentConfigSpec],
    columns: Sequence[str],
    profiles: dict[str, ColumnProfile],
    warn: Callable[[str], None],
) -> list[SegmentMembership]:
    """Each parsed config with its resolved ``columns[k]`` and the matchers of its segments."""
    memberships = []
    for spec, column in zip(specs, columns, strict=True):
        name = spec.config_name or column
        matchers: list[Callable[[pd.Series], np.ndarray]] = []
        for position, segment in enumerate(spec.segments[:-1]):
            if spec.continuous:
                matchers.append(_IntervalMatcher(segment.intervals))
            else:
                field_name = f"{spec.field}.segments[{position}]"
                matched = match_values(profiles[column], list(segment.items), field_name, warn)
                matchers.append(CategoricalEncoder(matched))
        memberships.append(SegmentMembership(spec, column, name, matchers))
    names = [membership.name for membership in memberships]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise AnalysisError(
            f"segment_config: several entries are named {repeated}; give each a distinct config_name"
        )
    return memberships


@dataclass(frozen=True)
class _IntervalMatcher:
    intervals: tuple[Interval, ...]

    def __call__(self, series: pd.Series) -> np.ndarray:
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        inside = np.zeros(len(numbers), dtype=bool)
        for interval in self.intervals:
            inside |= interval.contains(numbers)
        return inside
