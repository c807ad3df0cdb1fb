"""Bias-engine benchmark: our streaming engine (CSV → all metrics → analysis.json) vs smclarify 0.5 in memory.

    python benchmarks/bias.py                      # 1M and 10M rows
    python benchmarks/bias.py --rows 1000000       # one size
    python benchmarks/bias.py --no-ft              # skip the flip test comparison

A synthetic dataset (binary facet and label, predicted label, an integer group variable, 6 numeric features) is
written once per size as CSV under benchmarks/.data/. Each measurement runs in its own process so peak RSS is that
run's alone:

* ours: ``run_analysis`` end to end — CSV parsing, every pre- and post-training metric except FT, analysis.json;
  then, separately, an FT-only run (again end to end, CSV parsing included).
* smclarify 0.5 (the reference library, a benchmark peer only, never imported by the provider): ``bias_report``
  on the DataFrame already loaded in memory (loading is not timed), pre-training "all" + post-training all but
  FT, then FT alone. It needs pandas < 3, so it runs in its own virtualenv, benchmarks/.venv-smclarify, created on
  first use with ``python3 -m venv`` + pip (``--smclarify-python`` points at another interpreter).

Printed: seconds and peak RSS for both, the speed ratio, and whether the FT values are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / ".data"
SMCLARIFY_VENV = HERE / ".venv-smclarify"
FEATURES = [f"f{i}" for i in range(1, 7)]
POST_NO_FT = ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "GE", "RD", "SD", "TE"]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------------- dataset


def dataset_path(rows: int) -> Path:
    return DATA_DIR / f"bias_{rows}.csv"


def generate(rows: int, seed: int = 42) -> Path:
    """Write the synthetic CSV in 1M-row slices (memory stays small); reuse it when it already exists."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = dataset_path(rows)
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for start in range(0, rows, 1_000_000):
            size = min(1_000_000, rows - start)
            facet = (rng.random(size) < 0.3).astype(np.int64)
            label = (rng.random(size) < np.where(facet == 1, 0.35, 0.5)).astype(np.int64)
            flip = rng.random(size) < 0.15
            prediction = np.where(flip, 1 - label, label)
            columns = {
                "facet": facet,
                "label": label,
                "prediction": prediction,
                "group": rng.integers(0, 5, size),
            }
            for name in FEATURES:
                columns[name] = np.round(rng.normal(size=size), 4)
            table = pa.table(columns)
            if writer is None:
                writer = pacsv.CSVWriter(str(partial), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return path


# ----------------------------------------------------------------------------------------------- workers


def worker_ours(csv_path: str, with_ft: str, output: str) -> None:
    from airflow_provider_clarify.config import load_config
    from airflow_provider_clarify.engine import run_analysis

    ft_only = with_ft == "ft"
    methods = (
        {"post_training_bias": {"methods": ["FT"]}}
        if ft_only
        else {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": POST_NO_FT}}
    )
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "facet", "value_or_threshold": [1]}],
        "group_variable": "group",
        "methods": methods,
    }
    started = time.perf_counter()
    result = run_analysis(load_config(config), csv_path, output)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss": peak_rss_mib(), "result": result}))


def worker_smclarify(csv_path: str, with_ft: str) -> None:
    import pandas as pd
    from smclarify.bias.report import FacetColumn, LabelColumn, StageType, bias_report

    frame = pd.read_csv(csv_path, float_precision="round_trip")
    loaded_rss = peak_rss_mib()
    facet = FacetColumn("facet", [1])
    label = LabelColumn("label", frame["label"], [1])
    predicted = LabelColumn("prediction", frame["prediction"], [1])
    started = time.perf_counter()
    if with_ft == "ft":
        post = bias_report(
            frame,
            facet,
            label,
            StageType.POST_TRAINING,
            predicted_label_column=predicted,
            metrics=["FT"],
            group_variable=frame["group"],
        )
        result = {"post": post}
    else:
        pre = bias_report(
            frame, facet, label, StageType.PRE_TRAINING, metrics=["all"], group_variable=frame["group"]
        )
        post = bias_report(
            frame,
            facet,
            label,
            StageType.POST_TRAINING,
            predicted_label_column=predicted,
            metrics=POST_NO_FT,
            group_variable=frame["group"],
        )
        result = {"pre": pre, "post": post}
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"seconds": seconds, "rss": peak_rss_mib(), "loaded_rss": loaded_rss, "result": result},
            default=str,
        )
    )


# ----------------------------------------------------------------------------------------------- driver


def smclarify_python(explicit: str | None) -> str:
    if explicit:
        return explicit
    python = SMCLARIFY_VENV / "bin" / "python"
    if not python.exists():
        print("creating", SMCLARIFY_VENV, "(smclarify 0.5, pandas < 3) ...", flush=True)
        subprocess.run(
            [sys.executable if sys.version_info < (3, 12) else "python3", "-m", "venv", str(SMCLARIFY_VENV)],
            check=True,
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "smclarify==0.5", "pandas<3"], check=True
        )
    return str(python)


def run_worker(python: str, *args: str, timeout: float) -> dict | None:
    command = [python, str(Path(__file__).resolve()), *args]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        print(f"  timed out after {timeout:.0f} s: {' '.join(args)}", flush=True)
        return {"timeout": time.perf_counter() - started}
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def smclarify_run(python: str, path: str, rows: int, mode: str, args: argparse.Namespace) -> dict | None:
    """smclarify's figures for one size and mode; cached in .data/ (they take long and never change)."""
    cache = DATA_DIR / f"smclarify_{rows}_{mode}.json"
    if cache.exists() and not args.fresh_smclarify:
        return json.loads(cache.read_text())
    result = run_worker(python, "--worker-smclarify", path, mode, timeout=args.timeout)
    if result is not None:
        cache.write_text(json.dumps(result))
    return result


def ft_value(report: dict, engine: str) -> float | None:
    if engine == "ours":
        metrics = report["result"]["post_training_bias_metrics"]["facets"]["facet"][0]["metrics"]
    else:
        metrics = report["result"]["post"][0]["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "FT")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--no-ft", action="store_true")
    parser.add_argument("--no-smclarify", action="store_true")
    parser.add_argument("--smclarify-python", default=None)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per smclarify measurement")
    parser.add_argument("--ft-max-rows", type=int, default=1_000_000, help="largest size FT is measured at")
    parser.add_argument("--only-smclarify", action="store_true", help="measure (and cache) smclarify only")
    parser.add_argument("--fresh-smclarify", action="store_true", help="ignore cached smclarify figures")
    args = parser.parse_args()
    reference = None if args.no_smclarify else smclarify_python(args.smclarify_python)
    lines = []
    ours_rss_by_rows: dict[int, float] = {}
    for rows in args.rows:
        print(f"[{rows:,} rows] generating / reusing {dataset_path(rows).name}", flush=True)
        path = str(generate(rows))
        with_ft = not args.no_ft and rows <= args.ft_max_rows
        if not args.no_ft and not with_ft:
            print(
                f"  FT skipped at {rows:,} rows (--ft-max-rows {args.ft_max_rows:,}): k-NN over millions of rows "
                "takes hours for the reference on a shared 2-core machine",
                flush=True,
            )
        for mode in ["noft"] + (["ft"] if with_ft else []):
            out = DATA_DIR / f"out_{rows}_{mode}"
            ours = (
                None
                if args.only_smclarify
                else run_worker(sys.executable, "--worker-ours", path, mode, str(out), timeout=args.timeout)
            )
            theirs = smclarify_run(reference, path, rows, mode, args) if reference else None
            if ours and mode == "noft":
                ours_rss_by_rows[rows] = ours["rss"]
            what = "all metrics but FT" if mode == "noft" else "FT only"
            ratio = ""
            if ours and theirs and "seconds" in theirs:
                ratio = f"{theirs['seconds'] / ours['seconds']:.1f}x"
            elif ours and theirs and "timeout" in theirs:
                ratio = f">{theirs['timeout'] / ours['seconds']:.1f}x"
            same = ""
            if mode == "ft" and ours and theirs and "result" in theirs:
                same = (
                    "FT identical"
                    if ft_value(ours, "ours") == ft_value(theirs, "smclarify")
                    else (f"FT DIFFERS {ft_value(ours, 'ours')} vs {ft_value(theirs, 'smclarify')}")
                )
            line = (
                f"{rows:>11,} | {what:<18} | ours {ours['seconds']:8.1f} s {ours['rss']:7.0f} MiB | "
                if ours
                else f"{rows:>11,} | {what:<18} | ours not run | "
            )
            if theirs and "seconds" in theirs:
                line += f"smclarify {theirs['seconds']:8.1f} s {theirs['rss']:7.0f} MiB (data loaded: "
                line += f"{theirs['loaded_rss']:.0f} MiB) | {ratio} {same}"
            elif theirs:
                line += f"smclarify timed out ({theirs['timeout']:.0f} s) | {ratio}"
            print(line, flush=True)
            lines.append(line)
    print("\nrows        | metrics            | ours: seconds, peak RSS | smclarify 0.5 in memory | speed-up")
    for line in lines:
        print(line)
    if len(ours_rss_by_rows) > 1:
        small, large = min(ours_rss_by_rows), max(ours_rss_by_rows)
        print(
            f"ours peak RSS (no FT): {ours_rss_by_rows[large]:.0f} MiB at {large:,} rows = "
            f"{ours_rss_by_rows[large] / ours_rss_by_rows[small]:.2f}x the {small:,}-row figure"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker-ours":
        worker_ours(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker-smclarify":
        worker_smclarify(*sys.argv[2:4])
    else:
        main()
