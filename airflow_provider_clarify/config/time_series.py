"""Typed, read-only views of the time-series parts of an analysis config (SPEC §13a).

Three parts of the document belong together: ``time_series_data_config`` (where item id, timestamp and the
series are in the dataset), ``methods.asymmetric_shapley_value`` (how the explanation is computed) and
``predictor.time_series_predictor_config`` (where the forecast is in the model response). The views here give
code attributes instead of dict look-ups and apply the documented defaults in one place (``direction``
``chronological``, ``granularity`` ``timewise``, baselines ``zero``), while the document itself stays exactly as
the user wrote it (``AnalysisConfig.to_dict()``).

The views are built from a document that passed validation (``load_config``); they do not re-check it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NameOrIndex = str | int
StaticValue = str | int | float

DATASET_FORMATS = ("columns", "item_records", "timestamp_records")
DIRECTIONS = ("chronological", "anti_chronological", "bidirectional")
GRANULARITIES = ("timewise", "fine_grained")
TEMPORAL_BASELINES = ("zero", "mean")

DEFAULT_DIRECTION = "chronological"
DEFAULT_GRANULARITY = "timewise"
DEFAULT_TEMPORAL_BASELINE = "zero"

# The placeholders a time-series record template may hold (Clarify docs, "Endpoint requests for time series
# data"): the first timestamp (a JSON string or number), the target series (a list), the related series (a list
# of lists, one per related series) and the static covariates (a list).
START_TIME = "$start_time"
TARGET_TIME_SERIES = "$target_time_series"
RELATED_TIME_SERIES = "$related_time_series"
STATIC_COVARIATES = "$static_covariates"
RECORD_PLACEHOLDERS = (START_TIME, TARGET_TIME_SERIES, RELATED_TIME_SERIES, STATIC_COVARIATES)
PLACEHOLDER_PATTERN = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")

TIME_SERIES_METHOD = "asymmetric_shapley_value"
TIME_SERIES_PREDICTOR_KEY = "time_series_predictor_config"


def is_time_series(document: Any) -> bool:
    """True when any of the three time-series parts is present (the document is then a time-series analysis)."""
    if not isinstance(document, Mapping):
        return False
    methods = document.get("methods")
    predictor = document.get("predictor")
    return (
        "time_series_data_config" in document
        or (isinstance(methods, Mapping) and TIME_SERIES_METHOD in methods)
        or (isinstance(predictor, Mapping) and TIME_SERIES_PREDICTOR_KEY in predictor)
    )


def _canonical(value: Any, choices: tuple[str, ...], default: str) -> str:
    """Enum strings are case-insensitive in the schema (as in the SDK); views use the schema's spelling."""
    if not isinstance(value, str):
        return default
    folded = value.casefold()
    return next((choice for choice in choices if choice == folded), value)


@dataclass(frozen=True)
class TimeSeriesDataSettings:
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
    def from_dict(cls, data: Mapping[str, Any]) -> TimeSeriesDataSettings:
        dataset_format = data.get("dataset_format")
        return cls(
            target_time_series=data["target_time_series"],
            item_id=data["item_id"],
            timestamp=data["timestamp"],
            related_time_series=tuple(data.get("related_time_series") or ()),
            static_covariates=tuple(data.get("static_covariates") or ()),
            dataset_format=_canonical(dataset_format, DATASET_FORMATS, "")
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
        base = "time_series_data_config"
        return (
            f"{base}.item_id",
            f"{base}.timestamp",
            f"{base}.target_time_series",
            *(f"{base}.related_time_series[{i}]" for i in range(len(self.related_time_series))),
            *(f"{base}.static_covariates[{i}]" for i in range(len(self.static_covariates))),
        )


@dataclass(frozen=True)
class TimeSeriesBaseline:
    """``methods.asymmetric_shapley_value.baseline`` given inline: what replaces values left out of a coalition.

    ``target_time_series`` / ``related_time_series``: ``zero`` or ``mean`` (the mean of that item's series).
    ``static_covariates``: one list per item id (keys are the item ids as JSON object keys, i.e. strings), each
    as long as ``time_series_data_config.static_covariates``.
    """

    target_time_series: str = DEFAULT_TEMPORAL_BASELINE
    related_time_series: str = DEFAULT_TEMPORAL_BASELINE
    static_covariates: Mapping[str, tuple[StaticValue, ...]] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeSeriesBaseline:
        statics = data.get("static_covariates")
        return cls(
            target_time_series=_canonical(
                data.get("target_time_series"), TEMPORAL_BASELINES, DEFAULT_TEMPORAL_BASELINE
            ),
            related_time_series=_canonical(
                data.get("related_time_series"), TEMPORAL_BASELINES, DEFAULT_TEMPORAL_BASELINE
            ),
            static_covariates={str(key): tuple(values) for key, values in statics.items()}
            if isinstance(statics, Mapping)
            else None,
        )


@dataclass(frozen=True)
class AsymmetricShapleyValueSettings:
    """``methods.asymmetric_shapley_value`` with the SDK's defaults applied.

    ``baseline`` is a :class:`TimeSeriesBaseline` (inline), a string (a URI of a JSON file holding the same
    object, read by the engine at run time) or ``None`` (all defaults: zero baselines, no static baseline).
    """

    direction: str = DEFAULT_DIRECTION
    granularity: str = DEFAULT_GRANULARITY
    num_samples: int | None = None
    baseline: TimeSeriesBaseline | str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AsymmetricShapleyValueSettings:
        baseline = data.get("baseline")
        return cls(
            direction=_canonical(data.get("direction"), DIRECTIONS, DEFAULT_DIRECTION),
            granularity=_canonical(data.get("granularity"), GRANULARITIES, DEFAULT_GRANULARITY),
            num_samples=data.get("num_samples"),
            baseline=TimeSeriesBaseline.from_dict(baseline)
            if isinstance(baseline, Mapping)
            else (baseline if isinstance(baseline, str) else None),
        )

    @property
    def is_fine_grained(self) -> bool:
        return self.granularity == "fine_grained"

    @property
    def inline_baseline(self) -> TimeSeriesBaseline:
        """The inline baseline, or the defaults when none (or a URI) is given."""
        return self.baseline if isinstance(self.baseline, TimeSeriesBaseline) else TimeSeriesBaseline()


@dataclass(frozen=True)
class TimeSeriesPredictorSettings:
    """The parts of ``predictor`` a forecasting model needs: templates, content types and the forecast path."""

    forecast: str
    content_type: str = "application/json"
    accept_type: str = "application/json"
    content_template: str | None = None
    record_template: str | None = None

    @classmethod
    def from_dict(cls, predictor: Mapping[str, Any], dataset_type: str | None) -> TimeSeriesPredictorSettings:
        content_type = str(predictor.get("content_type") or dataset_type or "application/json").lower()
        accept_type = str(predictor.get("accept_type") or content_type).lower()
        template = predictor.get("content_template")
        return cls(
            forecast=str((predictor.get(TIME_SERIES_PREDICTOR_KEY) or {}).get("forecast", "")),
            content_type=content_type,
            accept_type=accept_type,
            content_template=template if isinstance(template, str) else None,
            record_template=predictor.get("record_template"),
        )


@dataclass(frozen=True)
class TimeSeriesSettings:
    """Everything a time-series explanation run reads from the config, in one object.

    ``feature_names`` follow ``headers`` when given (item id, timestamp, target, related..., static...) and are
    derived from the locations otherwise (see :func:`default_feature_name`).
    """

    data: TimeSeriesDataSettings
    method: AsymmetricShapleyValueSettings
    predictor: TimeSeriesPredictorSettings | None
    headers: tuple[str, ...] | None = None
    report_requested: bool = False
    raw_baseline: Any = field(default=None, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """One display name per location (``headers`` order)."""
        if self.headers is not None and len(self.headers) == len(self.data.locations):
            return tuple(str(name) for name in self.headers)
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
    the expression text. An index ``k`` gives ``column_k``, the tabular convention (SPEC §3.2).
    """
    if isinstance(location, int):
        return f"column_{location}"
    quoted = _TRAILING_QUOTED.search(location)
    if quoted:
        return quoted.group(1)
    identifier = _TRAILING_IDENTIFIER.search(location)
    return identifier.group(1) if identifier else location


def time_series_settings(config: Any) -> TimeSeriesSettings | None:
    """The typed view of ``config`` (an ``AnalysisConfig`` or a validated document); ``None`` without time series."""
    document = config.to_dict() if hasattr(config, "to_dict") else config
    if not isinstance(document, Mapping) or "time_series_data_config" not in document:
        return None
    methods = document.get("methods") or {}
    predictor = document.get("predictor")
    headers = document.get("headers")
    method = methods.get(TIME_SERIES_METHOD) or {}
    return TimeSeriesSettings(
        data=TimeSeriesDataSettings.from_dict(document["time_series_data_config"]),
        method=AsymmetricShapleyValueSettings.from_dict(method),
        predictor=TimeSeriesPredictorSettings.from_dict(predictor, document.get("dataset_type"))
        if isinstance(predictor, Mapping) and TIME_SERIES_PREDICTOR_KEY in predictor
        else None,
        headers=tuple(headers) if isinstance(headers, list) else None,
        report_requested="report" in methods,
        raw_baseline=copy.deepcopy(method.get("baseline")),
    )
