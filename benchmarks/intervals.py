"""What confidence intervals add to a bias run: 2,000 bootstrap replicates of all 20 count-based metrics on one
facet's tables, beside the engine's own bias run on the same data.

    python benchmarks/intervals.py                       # 10M rows, 2,000 replicates
    python benchmarks/intervals.py --rows 1000000        # another size
    python benchmarks/intervals.py --replicates 10000

The dataset is bias.py's synthetic CSV (binary facet, label and prediction, a 5-value group variable, 6 numeric
features), written once under benchmarks/.data/ and reused. Printed:

* the peer: ``run_analysis`` end to end in its own process (CSV parsing, every pre-training metric and every
  post-training metric but FT, analysis.json) — the run intervals would be added to;
* ours: ``compute_intervals`` for the 8 pre-training and 12 post-training metrics on that facet's label and
  prediction tables (one facet group: the tables are what the engine has already counted when intervals start),
  per method, best of ``--repeats`` in-process runs after a warm-up;
* each as a share of the bias run, against the 5 % target.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
from bias import DATA_DIR, dataset_path, generate, run_worker  # benchmarks/bias.py, beside this script

METHODS = ("percentile", "bca", "newcombe")
TARGET_SHARE = 0.05


def facet_tables(csv_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """n[g, d, y] and n[g, d, y, ŷ] for facet value 1 of column ``facet``, streamed from the CSV."""
    counts = np.zeros((5, 2, 2, 2), dtype=np.int64)
    reader = pacsv.open_csv(
        str(csv_path),
        convert_options=pacsv.ConvertOptions(include_columns=["facet", "label", "prediction", "group"]),
        read_options=pacsv.ReadOptions(block_size=64 << 20),
    )
    for batch in reader:
        columns = [
            batch.column(name).to_numpy().astype(np.int64)
            for name in ("group", "facet", "label", "prediction")
        ]
        group, facet, label, prediction = columns
        index = ((group * 2 + facet) * 2 + label) * 2 + prediction
        counts += np.bincount(index, minlength=counts.size).reshape(counts.shape)
    return counts.sum(axis=3), counts


def time_intervals(
    label: np.ndarray, prediction: np.ndarray, replicates: int, repeats: int
) -> dict[str, float]:
    from airflow_provider_clarify.engine.bias.intervals import (
        INTERVAL_METRICS,
        IntervalSettings,
        compute_intervals,
    )
    from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

    label_table, prediction_table = LabelTable(label, True), PredictionTable(prediction, True)
    seconds: dict[str, float] = {}
    for method in METHODS:
        settings = IntervalSettings(replicates=replicates, seed=7, method=method)
        compute_intervals(
            label_table, prediction_table, INTERVAL_METRICS, settings
        )  # warm-up (imports, caches)
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            results = compute_intervals(label_table, prediction_table, INTERVAL_METRICS, settings)
            runs.append(time.perf_counter() - started)
        assert len(results) == 20 and all(r.interval is not None for r in results.values())
        seconds[method] = min(runs)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed interval runs per method (best is kept)"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed for the bias run")
    args = parser.parse_args()

    print(f"[{args.rows:,} rows] generating / reusing {dataset_path(args.rows).name}", flush=True)
    path = generate(args.rows)
    print("bias run (run_analysis, pre-training all + post-training all but FT) ...", flush=True)
    bias = run_worker(
        sys.executable,
        "--worker-ours",
        str(path),
        "noft",
        str(DATA_DIR / "out_intervals"),
        timeout=args.timeout,
    )
    if bias is None or "seconds" not in bias:
        raise SystemExit("the bias run failed or timed out")
    label, prediction = facet_tables(path)
    print(
        f"facet tables: N = {int(label.sum()):,} rows, {label.shape[0]} groups, {prediction.size} prediction cells"
    )
    seconds = time_intervals(label, prediction, args.replicates, args.repeats)

    print(f"\n{'what':<52} | {'seconds':>8} | share of bias run")
    print(f"{'bias run, ' + f'{args.rows:,} rows (peer)':<52} | {bias['seconds']:8.2f} |")
    for method, value in seconds.items():
        share = value / bias["seconds"]
        verdict = "within" if share < TARGET_SHARE else "OVER"
        what = f"intervals: 20 metrics x {args.replicates:,} replicates, {method}"
        print(f"{what:<52} | {value:8.3f} | {share:7.2%} ({verdict} the {TARGET_SHARE:.0%} target)")


if __name__ == "__main__":
    main()
