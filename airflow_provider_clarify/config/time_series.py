"""Typed, read-only views of the time-series parts of an analysis config (reference §13a, docs/time-series.md).

Three parts of the document belong together: ``time_series_data_config`` (where item id, timestamp and the
series are in the dataset), ``methods.asymmetric_shapley_value`` (how the explanation is computed) and
``predictor.time_series_predictor_config`` (where the forecast is in the model response). ``AnalysisConfig``
exposes each as a view built here (``config.time_series_data_config``, ``config.methods.asymmetric_shapley_value``,
``config.predictor_settings.time_series_predictor_config``) and all three together as ``config.time_series``; the
SDK's defaults (``direction`` ``chronological``, ``granularity`` ``timewise``, baselines ``zero``) are declared
once, here. The content type, accept type and templates of a forecasting model are the ``predictor`` view's.

The views are built from a document that passed validation (``load_config``); they do not re-check it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from airflow_provider_clarify.config.schema import canonical_enum, enum_values
from airflow_provider_clarify.contract import JSONObject, JSONValue

NameOrIndex = str | int
StaticValue = str | int | float

TIME_SERIES_METHOD: Final = "asymmetric_shapley_value"
TIME_SERIES_DATA_KEY: Final = "time_series_data_config"
TIME_SERIES_PREDICTOR_KEY: Final = "time_series_predictor_config"

DEFAULT_DIRECTION: Final = "chronological"
DEFAULT_GRANULARITY: Final = "timewise"
DEFAULT_TEMPORAL_BASELINE: Final = "zero"
FINE_GRAINED: Final = "fine_grained"
BIDIRECTIONAL: Final = "bidirectional"
MEAN_BASELINE: Final = "mean"

_DATA_PROPS: Final = ("$defs", TIME_SERIES_DATA_KEY, "properties")
_METHOD_PROPS: Final = ("$defs", TIME_SERIES_METHOD, "properties")


def _canon(value: JSONValue, *schema_path: str, default: str) -> str:
    """Enum strings are case-insensitive in the schema (as in the SDK); views use the schema's spelling."""
    if not isinstance(value, str):
        return default
    return canonical_enum(value, enum_values(*schema_path))


def _location(value: JSONValue) -> NameOrIndex:
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _locations(value: JSONValue) -> tuple[NameOrIndex, ...]:
    return tuple(_location(item) for item in value) if isinstance(value, list) else ()


@dataclass(frozen=True)
class TimeSeriesData:
    """``time_series_data_config``: where each part of the series is found in the dataset.

    All locations are JMESPath strings (``dataset_format`` says how the JSON is laid out) or all zero-based
    integer indexes into row arrays (then there is no ``dataset_format``). Index 0 is accepted although SDK
    2.257.x refuses it for target/item/timestamp (its ``if not value`` check): the documentation calls them
    zero-based, so column 0 is a valid column.
    """

    target_time_series: NameOrIndex
    item_id: NameOrIndex
    timestamp: NameOrIndex
    related_time_series: tuple[NameOrIndex, ...] = ()
    static_covariates: tuple[NameOrIndex, ...] = ()
    dataset_format: str | None = None

    @classmethod
    def from_dict(cls, data: JSONObject) -> TimeSeriesData:
        dataset_format = data.get("dataset_format")
        return cls(
            target_time_series=_location(data.get("target_time_series")),
            item_id=_location(data.get("item_id")),
            timestamp=_location(data.get("timestamp")),
            related_time_series=_locations(data.get("related_time_series")),
            static_covariates=_locations(data.get("static_covariates")),
            dataset_format=_canon(dataset_format, *_DATA_PROPS, "dataset_format", default="")
            if dataset_format is not None
            else None,
        )

    @property
    def uses_indexes(self) -> bool:
        """True when the locations are integer indexes (rows are JSON arrays), False for JMESPath strings."""
        return isinstance(self.target_time_series, int)

    @property
    def locations(self) -> tuple[NameOrIndex, ...]:
        """Every location in the order ``headers`` lists them: item id, timestamp, target, related..., static..."""
        return (
            self.item_id,
            self.timestamp,
            self.target_time_series,
            *self.related_time_series,
            *self.static_covariates,
        )

    def field_paths(self) -> tuple[str, ...]:
        """The JSON paths of :attr:`locations`, for error messages."""
        base = TIME_SERIES_DATA_KEY
        return (
            f"{base}.item_id",
            f"{base}.timestamp",
            f"{base}.target_time_series",
            *(f"{base}.related_time_series[{i}]" for i in range(len(self.related_time_series))),
            *(f"{base}.static_covariates[{i}]" for i in range(len(self.static_covariates))),
        )


@dataclass(frozen=True)
class TimeSeriesBaseline:
    """``methods.asymmetric_shapley_value.baseline`` (inline, or the object a baseline file holds): what
    replaces values left out of a coalition.

    ``target_time_series`` / ``related_time_series``: ``zero`` or ``mean`` (the mean of that item's series).
    ``static_covariates``: one list per item id (keys are the item ids as JSON object keys, i.e. strings), each
    as long as ``time_series_data_config.static_covariates``.
    """

    target_time_series: str = DEFAULT_TEMPORAL_BASELINE
    related_time_series: str = DEFAULT_TEMPORAL_BASELINE
    static_covariates: Mapping[str, tuple[StaticValue, ...]] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> TimeSeriesBaseline:
        statics = data.get("static_covariates")
        return cls(
            target_time_series=_temporal(data.get("target_time_series")),
            related_time_series=_temporal(data.get("related_time_series")),
            static_covariates={
                str(key): tuple(
                    v for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)
                )
                for key, values in statics.items()
                if isinstance(values, list)
            }
            if isinstance(statics, dict)
            else None,
        )


def _temporal(value: JSONValue) -> str:
    """``zero`` or ``mean`` in canonical spelling (the default when absent)."""
    if not isinstance(value, str):
        return DEFAULT_TEMPORAL_BASELINE
    folded = value.casefold()
    return folded if folded in (DEFAULT_TEMPORAL_BASELINE, MEAN_BASELINE) else value


@dataclass(frozen=True)
class AsymmetricShapleyValueMethod:
    """``methods.asymmetric_shapley_value`` with the SDK's defaults applied.

    ``baseline`` is a :class:`TimeSeriesBaseline` (inline), a string (a URI of a JSON file holding the same
    object, read by the engine at run time) or ``None`` (all defaults: zero baselines, no static baseline).
    ``num_samples`` has no default: ``None`` means every admissible ordering is enumerated where that is possible.
    """

    direction: str = DEFAULT_DIRECTION
    granularity: str = DEFAULT_GRANULARITY
    num_samples: int | None = None
    baseline: TimeSeriesBaseline | str | None = None

    @classmethod
    def from_dict(cls, data: JSONObject) -> AsymmetricShapleyValueMethod:
        baseline = data.get("baseline")
        num_samples = data.get("num_samples")
        return cls(
            direction=_canon(data.get("direction"), *_METHOD_PROPS, "direction", default=DEFAULT_DIRECTION),
            granularity=_canon(
                data.get("granularity"), *_METHOD_PROPS, "granularity", default=DEFAULT_GRANULARITY
            ),
            num_samples=num_samples
            if isinstance(num_samples, int) and not isinstance(num_samples, bool)
            else None,
            baseline=TimeSeriesBaseline.from_dict(baseline)
            if isinstance(baseline, dict)
            else (baseline if isinstance(baseline, str) else None),
        )

    @property
    def is_fine_grained(self) -> bool:
        return self.granularity == FINE_GRAINED

    @property
    def inline_baseline(self) -> TimeSeriesBaseline:
        """The inline baseline, or the defaults when none (or a URI) is given."""
        return self.baseline if isinstance(self.baseline, TimeSeriesBaseline) else TimeSeriesBaseline()


@dataclass(frozen=True)
class TimeSeriesForecast:
    """``predictor.time_series_predictor_config``: the JMESPath of the forecast in the model response."""

    forecast: str

    @classmethod
    def from_dict(cls, data: JSONObject) -> TimeSeriesForecast:
        forecast = data.get("forecast")
        return cls(forecast if isinstance(forecast, str) else "")


@dataclass(frozen=True)
class TimeSeriesSettings:
    """The three time-series parts together (``AnalysisConfig.time_series``), and the display names.

    ``names`` follow ``headers`` when given (item id, timestamp, target, related..., static...) and are derived
    from the locations otherwise (see :func:`default_feature_name`).
    """

    data: TimeSeriesData
    method: AsymmetricShapleyValueMethod
    forecast: TimeSeriesForecast | None
    headers: tuple[str, ...] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """One display name per location (``headers`` order)."""
        if self.headers is not None and len(self.headers) == len(self.data.locations):
            return self.headers
        return tuple(default_feature_name(location) for location in self.data.locations)

    @property
    def target_name(self) -> str:
        return self.names[2]

    @property
    def related_names(self) -> tuple[str, ...]:
        return self.names[3 : 3 + len(self.data.related_time_series)]

    @property
    def static_names(self) -> tuple[str, ...]:
        return self.names[3 + len(self.data.related_time_series) :]


_TRAILING_IDENTIFIER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")
_TRAILING_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*$')


def default_feature_name(location: NameOrIndex) -> str:
    """A readable name for a location when ``headers`` is absent.

    A JMESPath ending in a field name gives that name (``[*].timeseries[].rts1`` → ``rts1``); anything else keeps
    the expression text. An index ``k`` gives ``column_k``, the tabular convention (reference §3.2).
    """
    if isinstance(location, int):
        return f"column_{location}"
    quoted = _TRAILING_QUOTED.search(location)
    if quoted:
        return quoted.group(1)
    identifier = _TRAILING_IDENTIFIER.search(location)
    return identifier.group(1) if identifier else location
