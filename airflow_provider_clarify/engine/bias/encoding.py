"""From raw label / facet / predicted-label values to the booleans every metric uses (reference §3.5, §3.6, §4).

Type inference, threshold intervals, value matching with type conversion, and the strings analysis.json shows
(``label_value_or_threshold``, facet ``value_or_threshold``) all follow the reference library, quirks included;
where a quirk silently produces a misleading answer a warning says so (reference §16).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from .profile import ColumnProfile
from .safe_math import divide

log = logging.getLogger("airflow_provider_clarify.engine")

CATEGORICAL = "categorical"
CONTINUOUS = "continuous"
UNIQUENESS_THRESHOLD = 0.05
FEW_DISTINCT_VALUES = 10


def infer_series_type(
    profile: ColumnProfile,
    values: list[Any] | None,
    role: str,
    *,
    strict: bool,
    warn: Callable[[str], None],
) -> str:
    """Categorical or continuous, by the reference's rules (reference §3.5)."""
    uniqueness = divide(profile.distinct, profile.non_null)
    if profile.kind == "category" or (isinstance(values, list) and len(values) > 1):
        return CATEGORICAL
    if profile.kind == "float":
        return CONTINUOUS
    integer_like = profile.kind == "int" or (
        profile.kind == "string" and profile.int_castable and profile.non_null
    )
    if not integer_like or uniqueness < UNIQUENESS_THRESHOLD:
        return CATEGORICAL
    if profile.distinct <= FEW_DISTINCT_VALUES:
        distinct = sorted(profile.values, key=str) if profile.values is not None else []
        reading = (
            "; its value_or_threshold is therefore a threshold (positive = value > threshold)"
            if strict
            else ", but strict_clarify_compat is off, so it is treated as categorical"
        )
        warn(
            f"{role} column {profile.name!r} has only {profile.distinct} distinct value(s) {distinct[:10]} but "
            f"{profile.non_null} non-null rows make it {uniqueness:.0%} unique (>= 5%), so the Clarify rule reads it "
            f"as continuous{reading}. To state the intent, give two or more values (categorical), use more rows, "
            "or run with EngineOptions(strict_clarify_compat=False)"
        )
        if not strict:
            return CATEGORICAL
    return CONTINUOUS


def numeric_threshold(values: list[Any] | None, field: str, *, required_message: str) -> float | int:
    """The single numeric threshold of a continuous column (strings are converted like the reference does)."""
    if not values:
        raise AnalysisError(f"{field}: {required_message}")
    value: float | int
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, (int, float)):
        try:
            value = float(first)
        except (TypeError, ValueError) as error:
            raise AnalysisError(
                f"{field}: Facet/label value provided must be a single numeric threshold for continuous data "
                f"(got {values[0]!r}); give a number such as [40]"
            ) from error
    else:
        value = first
    return value


def typed_max(profile: ColumnProfile) -> Any:
    """The column maximum as the numpy scalar type the reference compares with (int64 unless float)."""
    if profile.kind == "float":
        return np.float64(profile.maximum)
    return np.int64(profile.maximum)


def interval_breaks(threshold: float | int, maximum: Any) -> list[Any]:
    """Breaks of the reference's interval index: [t] plus the column max unless abs(max) equals t."""
    breaks = [threshold]
    if abs(maximum) not in breaks:
        breaks.append(maximum)
    return sorted(breaks)


def interval_text(breaks: list[Any]) -> str:
    """How analysis.json shows a threshold interval, e.g. ``(40, 68]`` or ``(1.0, 130.24536736711912]``."""
    return ",".join(map(str, pd.IntervalIndex.from_breaks(breaks)))


@dataclass(frozen=True)
class ContinuousEncoder:
    """value > t within the reference's interval (t, max]; optional cast to the label's dtype (predictions)."""

    breaks: tuple[Any, ...]
    cast_to_int: bool = False

    def __call__(self, series: pd.Series) -> np.ndarray:
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        if self.cast_to_int:
            numbers = np.trunc(numbers)
        if len(self.breaks) < 2:
            return np.zeros(len(numbers), dtype=bool)
        low, high = float(self.breaks[0]), float(self.breaks[1])
        with np.errstate(invalid="ignore"):
            return (numbers > low) & (numbers <= high)


@dataclass(frozen=True)
class CategoricalEncoder:
    """value ∈ values (equality, as ``col == v`` ORed over the values)."""

    values: tuple[Any, ...]

    def __call__(self, series: pd.Series) -> np.ndarray:
        mask = np.zeros(len(series), dtype=bool)
        for value in self.values:
            with np.errstate(invalid="ignore"):
                mask |= (series == value).to_numpy(dtype=bool, na_value=False)
        return mask


def match_values(
    profile: ColumnProfile, values: list[Any], role: str, warn: Callable[[str], None]
) -> tuple[Any, ...]:
    """Configured categorical values as they will be compared (reference §3.6).

    If none of them occurs, they are cast to the column's element type and tried again (int parse errors fall
    back to float, "True"/"False" map to bool) and a warning records the conversion.
    """
    seen = profile.values
    if seen is None or any(_occurs(value, seen) for value in values):
        return tuple(values)
    converters: dict[str, Callable[[Any], Any]] = {
        "int": _to_int,
        "float": float,
        "bool": _to_bool,
        "string": str,
        "category": str,
    }
    converter = converters.get(profile.kind, _unchanged)
    try:
        converted = [converter(v) for v in values]
    except (TypeError, ValueError):
        return tuple(values)
    if converted != list(values) or [type(v) for v in converted] != [type(v) for v in values]:
        warn(
            f"{role}: none of the values {values} occurs in column {profile.name!r} as given; converted them to the "
            f"column's type ({profile.kind}): {converted}. Give values of the column's type to avoid the conversion"
        )
    return tuple(converted)


def _unchanged(value: Any) -> Any:
    return value


def _occurs(value: Any, seen: dict[Any, int]) -> bool:
    return value in seen


def _to_int(value: Any) -> Any:
    try:
        return int(value)
    except ValueError as error:
        if "invalid literal for int()" in str(error):
            return float(value)
        raise


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(value)
    return bool(value)
