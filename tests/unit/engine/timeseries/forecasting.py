"""Shared fixtures of the time-series tests: items written in every dataset layout, configs, and forecasters.

The forecasters are in-process models that receive the JSON request body (as any transport delivers it) and
return a JSON response, so the templates and the forecast JMESPath are exercised on every call. Each one also
exposes the same function on plain arrays, which the tests use to compute expected values independently.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airflow_provider_clarify.config import AnalysisConfig, load_config
from airflow_provider_clarify.engine.data.sources import S3Client
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.run import RunContext, WarningSink
from airflow_provider_clarify.engine.timeseries import explain_time_series

RECORD_TEMPLATE = (
    '{"start": $start_time, "target": $target_time_series, "dynamic_feat": $related_time_series, '
    '"cat": $static_covariates}'
)


@dataclass
class Item:
    """An item written by hand: timestamps (as in the file), target (None = future step), related, statics."""

    item_id: str | int
    timestamps: list[Any]
    target: list[float | None]
    related: list[list[float]] = field(default_factory=list)  # one list per related series
    statics: list[Any] = field(default_factory=list)


ITEMS = [
    Item(
        "store-1",
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        [3.0, 5.0, 4.0, None],
        [[1.0, 0.0, 2.0, 1.5]],
        [7],
    ),
    Item("store-2", ["2024-02-01", "2024-02-02", "2024-02-03"], [1.0, -2.0, 6.0], [[0.5, 0.5, -1.0]], [3]),
    Item(42, ["2024-03-05", "2024-03-06"], [10.0, 8.0], [[2.0, 4.0]], [-1]),
]


def columns_document(items: Sequence[Item]) -> dict[str, list[Any]]:
    rows = [row for item in items for row in _rows(item)]
    return {
        "ids": [r[0] for r in rows],
        "timestamps": [r[1] for r in rows],
        "sales": [r[2] for r in rows],
        **{f"rel{k}": [r[3 + k] for r in rows] for k in range(len(items[0].related))},
        **{
            f"stat{k}": [r[3 + len(items[0].related) + k] for r in rows] for k in range(len(items[0].statics))
        },
    }


def timestamp_records_document(items: Sequence[Item], *, shuffle: bool = True) -> list[dict[str, Any]]:
    records = [
        {
            "item": r[0],
            "time": r[1],
            "sales": r[2],
            **{f"rel{k}": r[3 + k] for k in range(len(items[0].related))},
            **{f"stat{k}": r[3 + len(items[0].related) + k] for k in range(len(items[0].statics))},
        }
        for item in items
        for r in _rows(item)
    ]
    if shuffle:  # records of one item need not be in time order
        records = records[::-1]
        order = {item.item_id: n for n, item in enumerate(items)}
        records.sort(key=lambda record: order[record["item"]])
    return records


def item_records_document(items: Sequence[Item]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.item_id,
            **{f"stat{k}": value for k, value in enumerate(item.statics)},
            "timeseries": [
                {"t": r[1], "sales": r[2], **{f"rel{k}": r[3 + k] for k in range(len(item.related))}}
                for r in _rows(item)
            ],
        }
        for item in items
    ]


def index_rows_document(items: Sequence[Item]) -> list[list[Any]]:
    """Rows with the fields in a scrambled order: [rel..., sales, stat..., id, time]."""
    return [
        [*r[3 : 3 + len(item.related)], r[2], *r[3 + len(item.related) :], r[0], r[1]]
        for item in items
        for r in _rows(item)
    ]


def _rows(item: Item) -> list[tuple[Any, ...]]:
    return [
        (item.item_id, t, item.target[i], *(series[i] for series in item.related), *item.statics)
        for i, t in enumerate(item.timestamps)
    ]


def data_config(layout: str, related: int = 1, statics: int = 1) -> dict[str, Any]:
    """``time_series_data_config`` for the documents above."""
    if layout == "columns":
        return _named(
            "ids",
            "timestamps",
            "sales",
            [f"rel{k}" for k in range(related)],
            [f"stat{k}" for k in range(statics)],
            layout,
        )
    if layout == "timestamp_records":
        return _named(
            "[].item",
            "[].time",
            "[].sales",
            [f"[].rel{k}" for k in range(related)],
            [f"[].stat{k}" for k in range(statics)],
            layout,
        )
    if layout == "item_records":
        return _named(
            "[*].id",
            "[*].timeseries[].t",
            "[*].timeseries[].sales",
            [f"[*].timeseries[].rel{k}" for k in range(related)],
            [f"[*].stat{k}" for k in range(statics)],
            layout,
        )
    # integer indexes into [rel..., sales, stat..., id, time]
    config: dict[str, Any] = {
        "target_time_series": related,
        "item_id": related + 1 + statics,
        "timestamp": related + 2 + statics,
    }
    if related:
        config["related_time_series"] = list(range(related))
    if statics:
        config["static_covariates"] = [related + 1 + k for k in range(statics)]
    return config


def _named(
    item: str, time: str, target: str, related: list[str], statics: list[str], layout: str
) -> dict[str, Any]:
    config: dict[str, Any] = {"target_time_series": target, "item_id": item, "timestamp": time}
    if related:
        config["related_time_series"] = related
    if statics:
        config["static_covariates"] = statics
    config["dataset_format"] = layout
    return config


DOCUMENTS: dict[str, Callable[[Sequence[Item]], Any]] = {
    "columns": columns_document,
    "timestamp_records": timestamp_records_document,
    "item_records": item_records_document,
    "indexes": index_rows_document,
}


def write_dataset(
    directory: Path, layout: str, items: Sequence[Item] = ITEMS, name: str = "data.json"
) -> Path:
    path = directory / name
    path.write_text(json.dumps(DOCUMENTS[layout](items)), encoding="utf-8")
    return path


def analysis_config(
    layout: str = "timestamp_records",
    *,
    direction: str = "chronological",
    granularity: str = "timewise",
    num_samples: int | None = None,
    baseline: Any = None,
    related: int = 1,
    statics: int = 1,
    headers: list[str] | None = None,
    content_template: str = '{"instances": $records}',
    forecast: str = "predictions[*].mean",
) -> dict[str, Any]:
    method: dict[str, Any] = {"direction": direction, "granularity": granularity}
    if num_samples is not None:
        method["num_samples"] = num_samples
    if baseline is not None:
        method["baseline"] = copy.deepcopy(baseline)
    template = '{"start": $start_time, "target": $target_time_series'
    template += ', "dynamic_feat": $related_time_series' if related else ""
    template += ', "cat": $static_covariates' if statics else ""
    document: dict[str, Any] = {
        "dataset_type": "application/json",
        "time_series_data_config": data_config(layout, related, statics),
        "methods": {"asymmetric_shapley_value": method},
        "predictor": {
            "content_type": "application/json",
            "accept_type": "application/json",
            "content_template": content_template,
            "record_template": template + "}",
            "time_series_predictor_config": {"forecast": forecast},
        },
    }
    if headers is not None:
        document["headers"] = headers
    return document


class Forecaster:
    """An in-process model: ``__call__(body) -> response`` on the wire, ``predict(target, related, statics)`` on
    arrays. Counts calls and records."""

    def __init__(self, function: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> None:
        self.function = function
        self.calls = 0
        self.records = 0

    def predict(
        self, target: Sequence[float], related: Sequence[Sequence[float]], statics: Sequence[Any]
    ) -> np.ndarray:
        return np.asarray(
            self.function(
                np.asarray(target, float),
                np.asarray(related, float).reshape(len(related), -1),
                np.asarray(statics, float),
            ),
            dtype=float,
        )

    def __call__(self, body: bytes) -> str:
        self.calls += 1
        request = json.loads(body)
        instances = (
            request["instances"] if isinstance(request, dict) and "instances" in request else [request]
        )
        self.records += len(instances)
        predictions = [
            {"mean": self.predict(r["target"], r.get("dynamic_feat", []), r.get("cat", [])).tolist()}
            for r in instances
        ]
        return json.dumps({"predictions": predictions})


class LinearForecaster(Forecaster):
    """ŷ_h = Σ_t a[h,t]·y_t + Σ_{r,t} b[h,r,t]·x_{r,t} + Σ_s c[h,s]·s_s + d_h, with the coefficients aligned to
    the END of each series (lag structure), so items of different lengths share them."""

    def __init__(
        self, horizon: int = 2, max_length: int = 8, related: int = 1, statics: int = 1, seed: int = 5
    ):
        rng = np.random.default_rng(seed)
        self.a = rng.normal(size=(horizon, max_length))
        self.b = rng.normal(size=(horizon, related, max_length))
        self.c = rng.normal(size=(horizon, statics))
        self.d = rng.normal(size=horizon)
        super().__init__(self._linear)

    def _linear(self, target: np.ndarray, related: np.ndarray, statics: np.ndarray) -> np.ndarray:
        value = self.a[:, -len(target) :] @ target + self.d
        if related.size:
            value = value + np.einsum("hrt,rt->h", self.b[:, :, -related.shape[1] :], related)
        if statics.size:
            value = value + self.c @ statics
        return value

    def target_weights(self, length: int) -> np.ndarray:
        return self.a[:, -length:]

    def related_weights(self, length: int) -> np.ndarray:
        return self.b[:, :, -length:]


def nonlinear(target: np.ndarray, related: np.ndarray, statics: np.ndarray) -> np.ndarray:
    """Interactions across time, series and statics: Shapley values depend on the ordering."""
    last = target[-1]
    rel = related.sum() if related.size else 0.0
    stat = statics.sum() if statics.size else 0.0
    first = np.tanh(target @ np.arange(1, len(target) + 1) / 10.0) * (1.0 + rel) + last * stat
    second = np.max(target) * np.min(related) if related.size else np.max(target)
    return np.array([first, second + target[0] * last, np.exp(-abs(stat - rel))])


def run_time_series(
    config: AnalysisConfig | dict[str, Any],
    dataset: str | Path,
    output: str | Path,
    *,
    predictor: object = None,
    sagemaker_runtime_client: object = None,
    s3_client: S3Client | None = None,
    options: EngineOptions | None = None,
    warnings: list[str] | None = None,
    output_uri: str | None = None,
    **keywords: Any,
) -> dict[str, Any]:
    """``explain_time_series`` as ``run_analysis`` calls it: a loaded config and a run context (``output_uri``: where
    the output is published; ``keywords``: ``model``, ``statistics``, ``seed``)."""
    with tempfile.TemporaryDirectory(prefix="clarify-test-") as scratch:
        context = RunContext(
            config if isinstance(config, AnalysisConfig) else load_config(config),
            dataset,
            Path(scratch),
            Path(output),
            options or EngineOptions(),
            WarningSink(warnings),
            s3_client,
            predictor,
            sagemaker_runtime_client,
            output_uri,
        )
        return explain_time_series(context, **keywords)
