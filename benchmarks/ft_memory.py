"""Flip-test memory: the streaming FT (only facet a's rows held) vs every row held in memory, at 1M and 5M rows.

    python benchmarks/ft_memory.py                       # 1M and 5M rows
    python benchmarks/ft_memory.py --rows 1000000        # one size

Reuses bias.py's synthetic CSV (binary facet with 30 % in facet d, label, prediction, an integer group variable,
6 numeric features; FT uses the 7 columns other than the facet, label and prediction). Each measurement runs in
its own process so its peak RSS is its own:

* baseline: the interpreter with the engine, pyarrow, pandas, SciPy and scikit-learn imported, nothing read;
* ours: ``run_analysis`` with FT only, end to end (the CSV read three times: profile, facet a, facet d);
* in-memory peer: the CSV loaded with pandas, every FT column turned into one float64 matrix and FT computed on
  it with the same neighbour search (what the engine did before, and what smclarify does on a DataFrame).

Printed per size: seconds, peak RSS, and whether both FT values are identical; then the memory per million rows
(the slope between the sizes, so the fixed cost of the libraries and of one chunk drops out).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bias import DATA_DIR, FEATURES, generate, peak_rss_mib  # noqa: E402

FT_COLUMNS = ["group", *FEATURES]


def worker_baseline(_csv_path: str) -> dict:
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import scipy.spatial  # noqa: F401
    import sklearn.neighbors  # noqa: F401

    import airflow_provider_clarify.engine  # noqa: F401

    return {"seconds": 0.0, "rss": peak_rss_mib(), "ft": None}


def worker_ours(csv_path: str) -> dict:
    from airflow_provider_clarify.config import load_config
    from airflow_provider_clarify.engine import run_analysis

    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "facet", "value_or_threshold": [1]}],
        "methods": {"post_training_bias": {"methods": ["FT"]}},
    }
    started = time.perf_counter()
    result = run_analysis(load_config(config), csv_path)
    seconds = time.perf_counter() - started
    metrics = result["post_training_bias_metrics"]["facets"]["facet"][0]["metrics"]
    return {
        "seconds": seconds,
        "rss": peak_rss_mib(),
        "ft": next(m["value"] for m in metrics if m["name"] == "FT"),
    }


def worker_in_memory(csv_path: str) -> dict:
    import numpy as np
    import pandas as pd

    from airflow_provider_clarify.engine.bias.ft import flip_test

    started = time.perf_counter()
    frame = pd.read_csv(csv_path, usecols=["facet", "label", "prediction", *FT_COLUMNS])
    features = frame[FT_COLUMNS].to_numpy(dtype=np.float64)
    facet_d = frame["facet"].to_numpy() == 1
    predicted = frame["prediction"].to_numpy() == 1
    value = flip_test(
        features[~facet_d], predicted[~facet_d], features[facet_d], predicted[facet_d], n_jobs=-1
    )
    return {"seconds": time.perf_counter() - started, "rss": peak_rss_mib(), "ft": value}


WORKERS = {"baseline": worker_baseline, "ours": worker_ours, "in-memory": worker_in_memory}


def run_worker(name: str, csv_path: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, csv_path]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    args = parser.parse_args()
    figures: dict[int, dict[str, dict]] = {}
    for rows in args.rows:
        print(f"[{rows:,} rows] generating / reusing the CSV under {DATA_DIR.name}/", flush=True)
        path = str(generate(rows))
        figures[rows] = {name: run_worker(name, path) for name in WORKERS}
        measured = figures[rows]
        same = "identical" if measured["ours"]["ft"] == measured["in-memory"]["ft"] else "DIFFERENT"
        print(
            f"{rows:>10,} rows | baseline {measured['baseline']['rss']:6.0f} MiB | "
            f"ours {measured['ours']['seconds']:6.1f} s {measured['ours']['rss']:6.0f} MiB | "
            f"in memory {measured['in-memory']['seconds']:6.1f} s {measured['in-memory']['rss']:6.0f} MiB | "
            f"FT {measured['ours']['ft']!r} {same}",
            flush=True,
        )
    if len(figures) > 1:
        small, large = min(figures), max(figures)
        millions = (large - small) / 1e6
        for name in ("ours", "in-memory"):
            slope = (figures[large][name]["rss"] - figures[small][name]["rss"]) / millions
            print(
                f"{name}: {slope:.0f} MiB of peak RSS per million rows (between {small:,} and {large:,} rows)"
            )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        print(json.dumps(WORKERS[sys.argv[2]](*sys.argv[3:])))
    else:
        main()
