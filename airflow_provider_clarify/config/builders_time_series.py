"""SDK-shaped builders for time-series explanations: the SageMaker SDK's three classes, producing the same JSON.

``TimeSeriesDataConfig`` goes into ``DataConfig(time_series_data_config=...)``, ``TimeSeriesModelConfig`` into
``ModelConfig(time_series_model_config=...)`` and ``AsymmetricShapleyValueConfig`` is the
``explainability_config`` — exactly as with ``sagemaker.clarify`` 2.257.x. The fragments they write are the SDK's
for the same arguments:

- ``TimeSeriesDataConfig``: ``target_time_series``, ``item_id``, ``timestamp`` always; ``related_time_series`` /
  ``static_covariates`` only when non-empty; ``dataset_format`` (the enum's value) when given.
- ``TimeSeriesModelConfig``: ``{"forecast": ...}``, written as ``predictor.time_series_predictor_config``.
- ``AsymmetricShapleyValueConfig``: ``direction`` and ``granularity`` always (defaults ``chronological`` /
  ``timewise``), ``num_samples`` and ``baseline`` only when given.

As with the other builders, checks are deferred to ``build()`` / ``load_config`` (config/time_series_rules.py),
which report every problem with its JSON path instead of the SDK's first ``ValueError``; every argument may be
an Airflow template. One deliberate difference: index 0 is accepted for ``target_time_series``, ``item_id`` and
``timestamp`` (the SDK's ``if not target_time_series`` refuses it although its docs call them zero-based).
"""

from __future__ import annotations

import copy
from enum import Enum
from typing import Any

from airflow_provider_clarify.config.builders import Builder, ExplainabilityConfig, set_if_given


class TimeSeriesJSONDatasetFormat(Enum):
    """How a JSON time-series dataset is laid out (SDK enum of the same name; plain strings work too).

    ``columns``: one object of parallel lists, one entry per (item, timestamp) row. ``item_records``: a list of
    items, each holding its own list of timestamp records. ``timestamp_records``: a list of (item, timestamp)
    records.
    """

    COLUMNS = "columns"
    ITEM_RECORDS = "item_records"
    TIMESTAMP_RECORDS = "timestamp_records"


class TimeSeriesDataConfig(Builder):
    """``time_series_data_config`` (SDK ``TimeSeriesDataConfig``): where item id, timestamp and series are."""

    template_fields = (
        "target_time_series",
        "item_id",
        "timestamp",
        "related_time_series",
        "static_covariates",
        "dataset_format",
    )

    def __init__(
        self,
        target_time_series: str | int,
        item_id: str | int,
        timestamp: str | int,
        related_time_series: list[str] | list[int] | None = None,
        static_covariates: list[str] | list[int] | None = None,
        dataset_format: TimeSeriesJSONDatasetFormat | str | None = None,
    ) -> None:
        self.target_time_series = target_time_series
        self.item_id = item_id
        self.timestamp = timestamp
        self.related_time_series = related_time_series
        self.static_covariates = static_covariates
        self.dataset_format = dataset_format

    def get_time_series_data_config(self) -> dict[str, Any]:
        """The ``time_series_data_config`` object, key for key as the SDK writes it."""
        config: dict[str, Any] = {}
        set_if_given(self.target_time_series, "target_time_series", config)
        set_if_given(self.item_id, "item_id", config)
        set_if_given(self.timestamp, "timestamp", config)
        if self.related_time_series:
            config["related_time_series"] = copy.deepcopy(self.related_time_series)
        if self.static_covariates:
            config["static_covariates"] = copy.deepcopy(self.static_covariates)
        fmt = self.dataset_format
        set_if_given(
            fmt.value if isinstance(fmt, TimeSeriesJSONDatasetFormat) else fmt, "dataset_format", config
        )
        return config


class TimeSeriesModelConfig(Builder):
    """``predictor.time_series_predictor_config`` (SDK ``TimeSeriesModelConfig``): the forecast's JMESPath."""

    template_fields = ("forecast",)

    def __init__(self, forecast: str) -> None:
        self.forecast = forecast

    def get_time_series_model_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        set_if_given(self.forecast, "forecast", config)
        return config


class AsymmetricShapleyValueConfig(ExplainabilityConfig):
    """``methods.asymmetric_shapley_value`` (SDK ``AsymmetricShapleyValueConfig``).

    Frye, Rowat & Feige (2020), "Asymmetric Shapley values: incorporating causal knowledge into model-agnostic
    explainability": Shapley values averaged only over the orderings of the inputs that respect time.
    """

    template_fields = ("direction", "granularity", "num_samples", "baseline")

    def __init__(
        self,
        direction: str = "chronological",
        granularity: str = "timewise",
        num_samples: int | None = None,
        baseline: str | dict[str, Any] | None = None,
    ) -> None:
        self.direction = direction
        self.granularity = granularity
        self.num_samples = num_samples
        self.baseline = baseline

    def get_explainability_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"direction": self.direction, "granularity": self.granularity}
        set_if_given(self.num_samples, "num_samples", config)
        set_if_given(self.baseline, "baseline", config)
        return {"asymmetric_shapley_value": config}


TIME_SERIES_BUILDER_TYPES = (TimeSeriesDataConfig, TimeSeriesModelConfig, AsymmetricShapleyValueConfig)
