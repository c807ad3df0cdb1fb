"""What confidence intervals add to a bias run: 2,000 bootstrap replicates of all 20 count-based metrics on one
facet's tables, beside the engine's own bias run on the same data.

    python benchmarks/intervals.py                       # 10M rows, 2,000 replicates
    python benchmarks/intervals.py --rows 1000000        # another size
    python benchmarks/intervals.py --replicates 10000

The dataset is bias.py's synthetic CSV (binary facet, label and prediction, a 5-value group variable, 6 numeric
features), written once under benchmarks/.data/ and reused. Printed:

* the peer: ``run_analysis`` end to end in its own process (CSV parsing, every pre-training metric and every
  post-training metric but FT, analysis.json) — the run intervals would be added to;
* ours, end to end: the same run with the engine option ``confidence={"replicates": 2000, "seed": 7}`` (every
  metric object of analysis.json gets its interval), each run in its own process, alternating with the peer
  ``--e2e-repeats`` times (best of each kept: the machine is shared, and one bias run varies by more than the
  intervals cost);
* ours, in process: ``compute_intervals`` for the 8 pre-training and 12 post-training metrics on that facet's
  label and prediction tables (one facet group: the tables are what the engine has already counted when
  intervals start), per method, best of ``--repeats`` in-process runs after a warm-up;
* each as a share of the bias run, against the 5 % target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
from bias import (  # benchmarks/bias.py, beside this script
    DATA_DIR,
    POST_NO_FT,
    dataset_path,
    generate,
    peak_rss_mib,
    run_worker,
)

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


def worker_engine(csv_path: str, output: str, confidence: str) -> None:
    """One bias run through the engine, with the ``confidence`` option (JSON) or without it (``none``)."""
    from airflow_provider_clarify.config import load_config
    from airflow_provider_clarify.engine import EngineOptions, run_analysis

    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "facet", "value_or_threshold": [1]}],
        "group_variable": "group",
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": POST_NO_FT}},
    }
    from airflow_provider_clarify.engine.bias import analyze

    # Time the engine's own interval step inside the run: the run-to-run noise of a 10M-row run on a shared
    # machine is larger than the step, so the end-to-end difference alone cannot show it.
    step = {"seconds": 0.0}
    add_intervals = analyze.add_section_intervals

    def timed(*args: object, **kwargs: object) -> None:
        started = time.perf_counter()
        add_intervals(*args, **kwargs)
        step["seconds"] += time.perf_counter() - started

    analyze.add_section_intervals = timed
    options = EngineOptions(confidence=None if confidence == "none" else json.loads(confidence))
    started = time.perf_counter()
    result = run_analysis(load_config(config), csv_path, output, options=options)
    seconds = time.perf_counter() - started
    metrics = result["post_training_bias_metrics"]["facets"]["facet"][0]["metrics"]
    intervals = sum(1 for metric in metrics if metric.get("confidence_interval", [None])[0] is not None)
    measured = {"seconds": seconds, "rss": peak_rss_mib(), "intervals": intervals, "step": step["seconds"]}
    print(json.dumps(measured))


def run_engine_worker(path: str, output: str, confidence: str, *, timeout: float) -> dict | None:
    """:func:`worker_engine` in its own process (this script), like bias.py's workers."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker-engine", path, output, confidence]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return None
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def end_to_end(path: Path, replicates: int, repeats: int, timeout: float) -> tuple[float, float, int, float]:
    """Best seconds of the bias run without and with the option (alternating runs), the intervals written, and
    the longest time the engine's interval step took inside a run."""
    confidence = json.dumps({"replicates": replicates, "seed": 7})
    plain, with_option, written, step = [], [], 0, 0.0
    for repeat in range(repeats):
        for runs, option in ((plain, "none"), (with_option, confidence)):
            output = str(DATA_DIR / f"out_intervals_e2e_{'on' if option != 'none' else 'off'}")
            measured = run_engine_worker(str(path), output, option, timeout=timeout)
            if measured is None or "seconds" not in measured:
                raise SystemExit("an end-to-end bias run failed or timed out")
            runs.append(measured["seconds"])
            written = max(written, measured.get("intervals", 0))
            step = max(step, measured.get("step", 0.0))
        print(
            f"  run {repeat + 1}: without {plain[-1]:.2f} s, with the option {with_option[-1]:.2f} s",
            flush=True,
        )
    return min(plain), min(with_option), written, step


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
    parser.add_argument(
        "--e2e-repeats", type=int, default=2, help="end-to-end runs with and without the option (best kept)"
    )
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
    print(
        f"end to end: the bias run without and with confidence={{'replicates': {args.replicates}}} ...",
        flush=True,
    )
    without, with_option, written, step = end_to_end(path, args.replicates, args.e2e_repeats, args.timeout)
    label, prediction = facet_tables(path)
    print(
        f"facet tables: N = {int(label.sum()):,} rows, {label.shape[0]} groups, {prediction.size} prediction cells"
    )
    seconds = time_intervals(label, prediction, args.replicates, args.repeats)

    print(f"\n{'what':<52} | {'seconds':>8} | share of bias run")
    print(f"{'bias run, ' + f'{args.rows:,} rows (peer)':<52} | {bias['seconds']:8.2f} |")
    added = with_option - without
    verdict = "within" if added / without < TARGET_SHARE else "OVER"
    print(f"{'e2e: bias run without the option (best)':<52} | {without:8.2f} |")
    print(
        f"{'e2e: with confidence (best), ' + f'{written} post intervals':<52} | {with_option:8.2f} | "
        f"{added / without:+7.2%} ({verdict} the {TARGET_SHARE:.0%} target; run-to-run noise included)"
    )
    step_verdict = "within" if step / without < TARGET_SHARE else "OVER"
    print(
        f"{'e2e: the interval step inside that run (longest)':<52} | {step:8.3f} | "
        f"{step / without:7.2%} ({step_verdict} the {TARGET_SHARE:.0%} target)"
    )
    for method, value in seconds.items():
        share = value / bias["seconds"]
        verdict = "within" if share < TARGET_SHARE else "OVER"
        what = f"intervals: 20 metrics x {args.replicates:,} replicates, {method}"
        print(f"{what:<52} | {value:8.3f} | {share:7.2%} ({verdict} the {TARGET_SHARE:.0%} target)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-engine":
        worker_engine(*sys.argv[2:5])
    else:
        main()
