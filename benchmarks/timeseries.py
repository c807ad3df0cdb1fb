"""Time-series explanations: items per second for 1,000 items × 52 weekly steps with one related series.

The model is in-process: a function that receives the JSON request body (as any transport delivers it), parses
it, computes a 4-step forecast with numpy (a linear autoregression on the last 8 steps plus a non-linear term in
the related series) and returns a JSON response. Measured in one run:

- **engine**: ``explain_time_series`` end to end (read the JSON dataset, plan the coalitions, serialize every
  record with the templates, call the model in batches, read the forecasts with the JMESPath, compute the
  scores, write out.jsonl), with the share of the time spent inside the model function;
- **peer: unbatched wire**: the same run with ``batch_size=1``, one request per coalition, the way a naive
  client calls an endpoint (on fewer items, reported per item);
- **peer: direct numpy**: the same asymmetric Shapley values computed without any wire (the model's arithmetic
  on arrays, one vectorized call per item), the lower bound of the arithmetic; its scores are compared with the
  engine's.

    python benchmarks/timeseries.py [--items 1000] [--steps 52] [--granularity timewise|fine_grained]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.run import RunContext
from airflow_provider_clarify.engine.timeseries import RunStatistics, explain_time_series, explanation_lines

HORIZON = 4
LAGS = 8
RNG = np.random.default_rng(0)
AR = RNG.normal(scale=0.2, size=(HORIZON, LAGS))
BETA = RNG.normal(size=HORIZON)


def forecast(target: np.ndarray, related: np.ndarray) -> np.ndarray:
    """Arrays (..., T) and (..., R, N) → (..., HORIZON)."""
    window = target[..., -LAGS:]
    return window @ AR.T + np.tanh(related[..., 0, -LAGS:].mean(axis=-1))[..., None] * BETA


class TimedModel:
    """The in-process model on the wire, timing itself."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, body: bytes) -> str:
        started = time.perf_counter()
        instances = json.loads(body)["instances"]
        target = np.array([r["target"] for r in instances])
        related = np.array([r["dynamic_feat"] for r in instances])
        out = forecast(target, related)
        response = json.dumps({"predictions": [{"mean": row} for row in out.tolist()]})
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return response


def dataset(items: int, steps: int) -> list[dict]:
    rng = np.random.default_rng(1)
    records = []
    for item in range(items):
        level = rng.normal(10, 2)
        target = level + np.cumsum(rng.normal(size=steps)) * 0.3
        price = rng.normal(1.0, 0.1, size=steps)
        for week in range(steps):
            records.append(
                {
                    "item_id": f"sku-{item:05d}",
                    "week": int(week),
                    "units": round(float(target[week]), 4),
                    "price": round(float(price[week]), 4),
                }
            )
    return records


def config(granularity: str) -> dict:
    method = {"direction": "chronological", "granularity": granularity}
    if granularity == "fine_grained":
        method["num_samples"] = 4
    return {
        "dataset_type": "application/json",
        "time_series_data_config": {
            "item_id": "[].item_id",
            "timestamp": "[].week",
            "target_time_series": "[].units",
            "related_time_series": ["[].price"],
            "dataset_format": "timestamp_records",
        },
        "methods": {"asymmetric_shapley_value": method},
        "predictor": {
            "content_template": '{"instances": $records}',
            "record_template": '{"start": $start_time, "target": $target_time_series, '
            '"dynamic_feat": $related_time_series}',
            "time_series_predictor_config": {"forecast": "predictions[*].mean"},
        },
    }


def engine_run(
    path: Path, out: Path, granularity: str, options: EngineOptions
) -> tuple[float, TimedModel, RunStatistics]:
    model = TimedModel()
    stats = RunStatistics()
    with tempfile.TemporaryDirectory(prefix="clarify-bench-") as scratch:
        context = RunContext(
            load_config(config(granularity)), path, Path(scratch), out, options, predictor=model
        )
        started = time.perf_counter()
        explain_time_series(context, statistics=stats)
        seconds = time.perf_counter() - started
    return seconds, model, stats


def direct_timewise(records: list[dict], steps: int) -> tuple[float, list[np.ndarray]]:
    """Timewise chronological ASV on arrays: prefix coalitions, one vectorized model call per item."""
    started = time.perf_counter()
    units = np.array([r["units"] for r in records]).reshape(-1, steps)
    price = np.array([r["price"] for r in records]).reshape(-1, steps)
    prefixes = np.tri(steps + 1, steps, k=-1, dtype=bool)  # row k: the first k steps present
    scores = []
    for target, related in zip(units, price, strict=True):
        values = forecast(np.where(prefixes, target, 0.0), np.where(prefixes, related, 0.0)[:, None, :])
        scores.append(np.diff(values, axis=0))
    return time.perf_counter() - started, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--granularity", choices=("timewise", "fine_grained"), default="timewise")
    parser.add_argument("--unbatched-items", type=int, default=100)
    args = parser.parse_args()

    records = dataset(args.items, args.steps)
    with tempfile.TemporaryDirectory(prefix="bench-timeseries-") as scratch:
        root = Path(scratch)
        path = root / "data.json"
        path.write_text(json.dumps(records))
        seconds, model, stats = engine_run(path, root / "out", args.granularity, EngineOptions())
        print(
            f"engine ({args.granularity}, chronological): {args.items} items × {args.steps} steps, 1 related series: "
            f"{seconds:.2f} s = {args.items / seconds:,.0f} items/s; {stats.model_records:,} model records in "
            f"{stats.requests} requests; time in the model {model.seconds:.2f} s ({100 * model.seconds / seconds:.0f} %)"
        )
        small = records[: args.unbatched_items * args.steps]
        small_path = root / "small.json"
        small_path.write_text(json.dumps(small))
        slow, slow_model, slow_stats = engine_run(
            small_path, root / "slow", args.granularity, EngineOptions(batch_size=1)
        )
        print(
            f"peer: unbatched wire (batch_size=1, {args.unbatched_items} items): {slow:.2f} s = "
            f"{args.unbatched_items / slow:,.0f} items/s; {slow_stats.requests:,} requests; time in the model "
            f"{slow_model.seconds:.2f} s ({100 * slow_model.seconds / slow:.0f} %)"
        )
        if args.granularity == "timewise":
            direct, scores = direct_timewise(records, args.steps)
            lines = list(
                explanation_lines(root / "out/asymmetric_shapley_value/timewise_chronological/out.jsonl")
            )
            worst = max(
                float(np.max(np.abs(np.array([e["scores"] for e in line["explanations"]]) - expected)))
                for line, expected in zip(lines, scores, strict=True)
            )
            print(
                f"peer: direct numpy, no wire: {direct:.2f} s = {args.items / direct:,.0f} items/s; largest score "
                f"difference to the engine {worst:.1e}"
            )
            print(f"engine / direct numpy: {seconds / direct:.1f}× the time (JSON serialization and parsing)")


if __name__ == "__main__":
    main()
