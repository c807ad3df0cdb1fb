"""Kernel SHAP against an endpoint-bound model: does the engine keep the endpoint busy?

A real HTTP model server on 127.0.0.1, in its own process, answers every request after a fixed latency (20 ms by
default), like a small hosted model. With ``--concurrency`` requests in flight and ``--batch-size`` records per
request, its nominal capacity is concurrency × batch size / latency records per second. On a small machine the
server's and the HTTP client's own CPU time lower that, so the capacity is also measured in the same run: a client
that does nothing but send ready-made request bodies of the same size from ``--concurrency`` threads.

The engine then explains Adult records (the bundled sample) with Kernel SHAP through the endpoint; its rate is the
distinct synthetic records it sent divided by the run time (everything included: building the synthetic rows,
serializing, parsing, solving). A first run at concurrency 1 on a few records (which also warms up imports and
connections) checks that the values do not depend on the concurrency.

    python benchmarks/endpoint.py [--records 1500] [--latency-ms 20] [--concurrency 8] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import EngineOptions  # noqa: E402
from airflow_provider_clarify.engine.explain import ExplanationData, run_explanations  # noqa: E402
from airflow_provider_clarify.engine.predictors import build_model  # noqa: E402
from airflow_provider_clarify.engine.roles import ColumnRoles  # noqa: E402
from airflow_provider_clarify.engine.run import AnalysisRun  # noqa: E402

SAMPLE = REPO / "sample_data" / "adult" / "validation.csv"
LABEL = "income_gt_50k"
WEIGHTS = np.array([0.03, 0.3, 0.03, 0.0003, 0.0005, 1.2, 0.4])  # a small logistic model of the 7 features


def score_lines(body: bytes, headers: dict[str, str]) -> bytes:
    """P(income > 50K) per request line."""
    rows = np.array([[float(v) for v in line.split(",")] for line in body.decode().splitlines()])
    z = rows @ WEIGHTS - 6.0
    return "\n".join(repr(float(p)) for p in 1 / (1 + np.exp(-z))).encode()


def _serve(latency: float, urls: Any, stop: Any) -> None:
    from tests.integration import model_servers

    # a real endpoint accepts many connections at once; socketserver's default backlog of 5 would make the 6th
    # simultaneous connection wait for a SYN retransmission (1 s)
    model_servers._Server.request_queue_size = 128
    with model_servers.ModelServer(score_lines, latency_seconds=latency) as server:
        urls.put(server.url)
        stop.wait()


def explain(
    url: str, records: pd.DataFrame, baseline: pd.DataFrame, options: EngineOptions
) -> tuple[float, np.ndarray, int, int]:
    """(seconds, local SHAP values, synthetic rows sent, requests sent) of one run."""
    config = {
        "dataset_type": "text/csv",
        "label": LABEL,
        "methods": {
            "shap": {
                "baseline": baseline.to_numpy().tolist(),
                "num_samples": 100,
                "seed": 0,
                "save_local_shap_values": True,
            }
        },
        "predictor": {},
    }
    typed = load_config(config)
    model = build_model(typed, predictor=url, options=options)
    rows_sent = 0
    original = model.predict_scores

    def counting(frame: pd.DataFrame) -> np.ndarray:
        nonlocal rows_sent
        rows_sent += len(frame)
        return original(frame)

    model.predict_scores = counting  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as output:
        run = AnalysisRun(
            typed, ColumnRoles.of_features(list(records.columns)), options, output_dir=Path(output)
        )
        started = time.perf_counter()
        run_explanations(run, ExplanationData(records), model)
        seconds = time.perf_counter() - started
        values = pd.read_csv(Path(output) / "explanations_shap" / "out.csv").to_numpy()
    return seconds, values, rows_sent, model.requests_sent


def measured_capacity(url: str, body: bytes, concurrency: int, seconds: float) -> float:
    """Requests per second that ``concurrency`` threads sending ``body`` back to back get from the server."""
    import requests

    deadline = time.perf_counter() + seconds
    counts = [0] * concurrency

    def worker(slot: int) -> None:
        session = requests.Session()
        while time.perf_counter() < deadline:
            session.post(
                url, data=body, headers={"Content-Type": "text/csv", "Accept": "text/csv"}
            ).raise_for_status()
            counts[slot] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1500)
    parser.add_argument(
        "--check-records", type=int, default=20, help="records explained at concurrency 1 too"
    )
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    data = pd.read_csv(SAMPLE).drop(columns=[LABEL])
    records = data.iloc[: args.records].reset_index(drop=True)
    baseline = data.iloc[-10:].reset_index(drop=True)
    latency = args.latency_ms / 1000
    body = data.iloc[: args.batch_size].to_csv(header=False, index=False).encode()

    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(latency, urls, stop), daemon=True)
    server.start()
    try:
        url = urls.get(timeout=60)
        single = EngineOptions(batch_size=args.batch_size, max_concurrency=1)
        check = records.iloc[: args.check_records]
        single_seconds, single_values, single_rows, _ = explain(url, check, baseline, single)
        capacity_requests = measured_capacity(url, body, args.concurrency, seconds=3.0)
        busy = EngineOptions(batch_size=args.batch_size, max_concurrency=args.concurrency)
        seconds, values, rows, requests_sent = explain(url, records, baseline, busy)
    finally:
        stop.set()
        server.join(timeout=10)

    nominal = args.concurrency * args.batch_size / latency
    measured = capacity_requests * args.batch_size
    rate = rows / seconds
    identical = np.array_equal(values[: args.check_records], single_values)
    print(
        f"endpoint: {args.latency_ms:.0f} ms per request, {args.concurrency} in flight, "
        f"{args.batch_size} records per request"
    )
    print(f"capacity, nominal (concurrency x batch / latency): {nominal:8.0f} records/s")
    print(f"capacity, measured (ready-made bodies, {args.concurrency} threads): {measured:8.0f} records/s")
    print(
        f"Kernel SHAP, concurrency {args.concurrency}: {len(records)} records explained in {seconds:6.2f} s "
        f"({len(records) / seconds:6.1f} explained records/s); {rows} distinct synthetic records in "
        f"{requests_sent} requests"
    )
    print(
        f"  -> {rate:8.0f} records/s = {rate / measured:5.1%} of the measured capacity (target >= 80%), "
        f"{rate / nominal:5.1%} of the nominal one"
    )
    print(
        f"Kernel SHAP, concurrency 1: {len(check)} records, {single_rows / single_seconds:8.0f} records/s "
        f"({single_rows / single_seconds / (args.batch_size / latency):5.1%} of its nominal capacity)"
    )
    print(f"local values identical at concurrency {args.concurrency} and 1: {identical}")


if __name__ == "__main__":
    main()
