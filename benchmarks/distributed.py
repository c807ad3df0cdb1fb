"""Sharded runs: one process (``run_analysis``) against plan → N shards in N local worker processes → merge.

    python benchmarks/distributed.py                          # 10M-row bias, 10M-row bias + FT, 20,000-row SHAP
    python benchmarks/distributed.py --rows 2000000 --shap-rows 5000 --parts bias shap   # smaller, quicker

The peer is the single run over the same data (this machine has 2 cores: 1 and 2 workers). Datasets are written
once under benchmarks/.data/ as Parquet, 8 part files (the shape a Spark or Glue job leaves): 6 float features,
a binary facet, label and predicted label, an integer group variable. Three analyses:

* **bias**: every pre-training metric and every post-training metric but FT (all count-based);
* **bias + FT**: the same with the flip test (the plan profiles the data; every shard compares its facet-d rows
  against all of facet a);
* **SHAP**: Kernel SHAP of 20,000 records (an in-process logistic regression, 3 baseline clusters, 64 samples).

For each: the single run's seconds; the sharded run's plan, slowest shard, merge and total seconds; the speed-up
(single / total); the merge's cost; whether analysis.json is byte-identical; and the per-row costs the cost model
of docs/distributed.md takes, with its projection to 100 workers and a billion rows.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import EngineOptions, run_analysis  # noqa: E402
from airflow_provider_clarify.engine.distributed import merge, plan, run_shard  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / ".data"
FEATURES = [f"f{i}" for i in range(1, 7)]
PARTS = 8
POST_NO_FT = ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "GE", "RD", "SD", "TE"]


def dataset(rows: int) -> Path:
    """Parquet, ``PARTS`` files, written once per size."""
    folder = DATA_DIR / f"distributed-{rows}"
    if (folder / "_done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for part, bounds in enumerate(np.array_split(np.arange(rows), PARTS)):
        n = len(bounds)
        features = rng.normal(size=(n, len(FEATURES)))
        facet = (rng.random(n) < 0.3).astype(np.int64)
        score = features[:, 0] + 0.5 * features[:, 1] - 0.3 * facet
        frame = pd.DataFrame(features, columns=FEATURES)
        frame["facet"] = facet
        frame["group"] = rng.integers(0, 8, n)
        frame["label"] = (score + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
        frame["predicted"] = (score > 0).astype(np.int64)
        frame.to_parquet(folder / f"part-{part:05d}.parquet", index=False)
    (folder / "_done").write_text("")
    return folder


def bias_config(ft: bool) -> dict[str, Any]:
    return {
        "dataset_type": "application/x-parquet",
        "label": "label",
        "label_values_or_threshold": [1],
        "predicted_label": "predicted",
        "facet": [{"name_or_index": "facet", "value_or_threshold": [1]}],
        "group_variable": "group",
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": [*POST_NO_FT, *(["FT"] if ft else [])]},
        },
    }


def shap_config() -> dict[str, Any]:
    return {
        "dataset_type": "application/x-parquet",
        "label": "label",
        "excluded_columns": ["facet", "group", "predicted"],  # the model's features: f1 … f6
        "methods": {
            "shap": {"num_clusters": 3, "num_samples": 64, "seed": 1, "save_local_shap_values": True}
        },
        "predictor": {"content_type": "text/csv", "accept_type": "text/csv"},
    }


def shap_model_file() -> str:
    """A logistic regression over the six features, saved once (a model file path: every process loads it)."""
    path = DATA_DIR / "distributed-shap-model.joblib"
    if not path.exists():
        import joblib
        from sklearn.linear_model import LogisticRegression

        rng = np.random.default_rng(5)
        x = pd.DataFrame(rng.normal(size=(2000, len(FEATURES))), columns=FEATURES)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        joblib.dump(LogisticRegression().fit(x, (x["f1"] + 0.5 * x["f2"] > 0).astype(int)), path)
    return str(path)


def one_core() -> None:
    """A worker is one core: Arrow's and the BLAS thread pools are limited to one thread in every process."""
    import pyarrow as pa
    from threadpoolctl import threadpool_limits

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    threadpool_limits(1)


def _shard(args: tuple[str, int, str | None]) -> float:
    work, index, predictor = args
    one_core()
    started = time.perf_counter()
    run_shard(work, index, predictor=predictor)
    return time.perf_counter() - started


def measure(name: str, document: dict[str, Any], data: Path, rows: int, workers: int, predictor: str | None,
            chunk_rows: int) -> dict[str, float]:  # fmt: skip
    config = load_config(document)
    options = EngineOptions(chunk_rows=chunk_rows, ft_n_jobs=1, max_concurrency=1)
    one_core()
    scratch = Path(tempfile.mkdtemp(prefix="clarify-bench-"))
    try:
        started = time.perf_counter()
        run_analysis(config, str(data), scratch / "single", predictor=predictor, options=options)
        single = time.perf_counter() - started
        results = {"single": single}
        for count in sorted({1, workers}):
            work = scratch / f"work-{count}"
            started = time.perf_counter()
            info = plan(config, str(data), work, count, predictor=predictor, options=options)
            planned = time.perf_counter() - started
            started = time.perf_counter()
            with ProcessPoolExecutor(max_workers=count, mp_context=get_context("fork")) as pool:
                shard_seconds = list(pool.map(_shard, [(str(work), i, predictor) for i in range(count)]))
            sharded = time.perf_counter() - started
            started = time.perf_counter()
            merge(work, scratch / f"merged-{count}", plan_hash=info.plan_hash, predictor=predictor)
            merged = time.perf_counter() - started
            total = planned + sharded + merged
            same = (scratch / f"merged-{count}/analysis.json").read_bytes() == (
                scratch / "single/analysis.json"
            ).read_bytes()
            print(
                f"{name:10s} {rows:>11,d} rows  {count} worker(s): plan {planned:7.1f} s  shards {sharded:7.1f} s "
                f"(slowest {max(shard_seconds):6.1f})  merge {merged:5.2f} s  total {total:7.1f} s  single "
                f"{single:7.1f} s  speed-up {single / total:4.2f}x  identical={same}",
                flush=True,
            )
            results[f"plan_{count}"] = planned
            results[f"shards_{count}"] = sharded
            results[f"slowest_{count}"] = max(shard_seconds)
            results[f"merge_{count}"] = merged
            results[f"total_{count}"] = total
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def projection(name: str, results: dict[str, float], rows: int, workers: int) -> None:
    """The cost model of docs/distributed.md: T(N) = plan + rows · c / N + merge, c from the 1-worker shard."""
    per_row = results["slowest_1"] / rows
    plan_per_row = results["plan_1"] / rows
    merge = results[f"merge_{workers}"]
    print(f"{name:10s} measured: shard cost {per_row * 1e6:.2f} µs/row, plan {plan_per_row * 1e6:.3f} µs/row, "
          f"merge {merge:.2f} s")  # fmt: skip
    for target_rows, target_workers in ((rows, 100), (1_000_000_000, 100), (1_000_000_000, 1)):
        estimate = plan_per_row * target_rows + per_row * target_rows / target_workers + merge
        print(
            f"{'':10s} projected: {target_rows:>13,d} rows on {target_workers:3d} worker(s): {estimate:9.0f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the bias datasets")
    parser.add_argument("--shap-rows", type=int, default=20_000, help="records of the SHAP dataset")
    parser.add_argument(
        "--workers", type=int, default=2, help="local worker processes (this machine: 2 cores)"
    )
    parser.add_argument("--parts", nargs="+", default=["bias", "ft", "shap"], choices=["bias", "ft", "shap"])
    args = parser.parse_args()
    if "bias" in args.parts:
        results = measure(
            "bias", bias_config(False), dataset(args.rows), args.rows, args.workers, None, 500_000
        )
        projection("bias", results, args.rows, args.workers)
    if "ft" in args.parts:
        results = measure(
            "bias + FT", bias_config(True), dataset(args.rows), args.rows, args.workers, None, 500_000
        )
        projection("bias + FT", results, args.rows, args.workers)
    if "shap" in args.parts:
        data = dataset(args.shap_rows)
        results = measure("SHAP", shap_config(), data, args.shap_rows, args.workers, shap_model_file(), 2_000)
        projection("SHAP", results, args.shap_rows, args.workers)


if __name__ == "__main__":
    main()
