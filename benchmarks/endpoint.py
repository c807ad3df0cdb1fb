"""Endpoint-bound throughput: the engine's batched, concurrent model client vs one record per request, in sequence.

A real HTTP model server on 127.0.0.1 adds 20 ms of latency to every request (like a small hosted model); both
clients send Adult records as text/csv through the same serializer and response parser.

    python benchmarks/endpoint.py [--records 2000] [--sequential-records 300] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from airflow_provider_clarify.engine import EngineOptions  # noqa: E402
from airflow_provider_clarify.engine.predictors import build_model  # noqa: E402
from tests.integration.model_servers import ModelServer  # noqa: E402

DEFAULT_ADULT = REPO / "sample_data" / "uci-adult" / "adult.csv.gz"
NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]


def score_lines(body: bytes, headers: dict[str, str]) -> bytes:
    """A small logistic model on the numeric Adult columns, one probability per request line."""
    rows = np.array([[float(v) for v in line.split(",")] for line in body.decode().splitlines()])
    z = rows @ np.array([0.03, 0.0, 0.3, 0.0003, 0.0005, 0.03]) - 6.0
    return "\n".join(repr(float(p)) for p in 1 / (1 + np.exp(-z))).encode()


def measure(url: str, frame: pd.DataFrame, options: EngineOptions) -> tuple[float, np.ndarray]:
    model = build_model({"dataset_type": "text/csv", "predictor": {}}, predictor=url, options=options)
    started = time.perf_counter()
    scores = model.predict_scores(frame)
    return time.perf_counter() - started, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--sequential-records", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--adult", type=Path, default=DEFAULT_ADULT)
    args = parser.parse_args()
    frame = pd.read_csv(args.adult, usecols=NUMERIC, nrows=args.records)[NUMERIC]

    with ModelServer(score_lines, latency_seconds=args.latency_ms / 1000) as server:
        sequential_frame = frame.iloc[: args.sequential_records]
        one_by_one = EngineOptions(batch_size=1, max_concurrency=1)
        sequential_seconds, sequential_scores = measure(server.url, sequential_frame, one_by_one)
        sequential_requests = len(server.requests)
        batched = EngineOptions(batch_size=args.batch_size, max_concurrency=args.concurrency)
        batched_seconds, batched_scores = measure(server.url, frame, batched)
        batched_requests = len(server.requests) - sequential_requests

    np.testing.assert_allclose(batched_scores[: len(sequential_scores)], sequential_scores)
    sequential_rate = len(sequential_frame) / sequential_seconds
    batched_rate = len(frame) / batched_seconds
    print(f"model latency per request: {args.latency_ms:.0f} ms")
    print(
        f"one record per request, sequential: {len(sequential_frame)} records, {sequential_requests} requests, "
        f"{sequential_seconds:6.2f} s -> {sequential_rate:8.1f} records/s"
    )
    print(
        f"batched ({args.batch_size}/request) x {args.concurrency} concurrent: {len(frame)} records, "
        f"{batched_requests} requests, {batched_seconds:6.2f} s -> {batched_rate:8.1f} records/s"
    )
    print(f"throughput ratio: {batched_rate / sequential_rate:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
