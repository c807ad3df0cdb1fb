"""Exact TreeSHAP (``shap_algorithm`` "tree") vs ``shap.KernelExplainer`` on a gradient-boosting model.

The full UCI Adult (``sample_data/uci-adult/adult.csv.gz``), numeric-coded on 11 columns: the 14 attributes
without ``fnlwgt`` (a census sampling weight, not a property of the person), ``education`` (the same information
as ``education-num``) and ``native-country``; the 6 categorical ones among the 11 are coded as integers (their
categories in sorted order). A scikit-learn ``GradientBoostingClassifier`` (defaults, ``random_state`` 0) is
trained on the ``train`` split; the first rows of the ``test`` split are explained against 10 baseline rows drawn
from the training rows, in log-odds (``use_logit``: the output TreeSHAP explains exactly for a boosted model).

- shap.KernelExplainer at its defaults, called directly on the model's log-odds (``decision_function``). For
  M = 11 its default sample count, 2M + 2048 = 2,070, exceeds the 2^11 − 2 = 2,046 coalitions, so it enumerates
  them all: its values are exact, and each row costs 2,046 × 10 model rows. It is timed on ``--kernel-rows``
  rows (rows/s does not depend on how many rows are explained; all of them would take minutes);
- the engine's ``run_explanations`` with ``shap_algorithm`` "tree" on all ``--rows`` rows (everything included:
  the check that no synthetic row reaches the logit clipping bound, the model's own scores, out.csv);
- the engine's Kernel SHAP (``shap_algorithm`` "kernel") at ``num_samples`` 100, the setting a sampled run
  would use: a second peer, approximate, with its distance to the exact values.

    python benchmarks/tree_shap.py [--rows 1000] [--kernel-rows 200]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import EngineOptions  # noqa: E402
from airflow_provider_clarify.engine.explain import ExplanationData, run_explanations  # noqa: E402
from airflow_provider_clarify.engine.predictors import build_model  # noqa: E402
from airflow_provider_clarify.engine.roles import ColumnRoles  # noqa: E402
from airflow_provider_clarify.engine.run import AnalysisRun  # noqa: E402

ADULT = REPO / "sample_data" / "uci-adult" / "adult.csv.gz"
LABEL = "income_gt_50k"
NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
CATEGORICAL = ["workclass", "marital-status", "occupation", "relationship", "race", "sex"]
FEATURES = [
    "age",
    "workclass",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
]
FEATURES += ["capital-gain", "capital-loss", "hours-per-week"]
BASELINE_ROWS = 10
SAMPLED = 100


def coded_adult() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of the full Adult: the 11 feature columns as integers and the 0/1 label."""
    raw = pd.read_csv(ADULT)
    coded = pd.DataFrame({name: raw[name] for name in NUMERIC})
    for name in CATEGORICAL:
        coded[name] = pd.Categorical(raw[name], categories=sorted(raw[name].unique())).codes.astype("int64")
    coded = coded[FEATURES]
    coded[LABEL] = (raw["income"] == ">50K").astype("int64")
    train = coded[raw["split"] == "train"].reset_index(drop=True)
    test = coded[raw["split"] == "test"].reset_index(drop=True)
    return train, test


def engine_run(
    model: object, rows: pd.DataFrame, baseline: pd.DataFrame, algorithm: str, num_samples: int | None
) -> tuple[float, np.ndarray, dict]:
    shap_config: dict[str, object] = {
        "baseline": baseline.to_numpy().tolist(),
        "use_logit": True,
        "save_local_shap_values": True,
    }
    if num_samples is not None:
        shap_config.update(num_samples=num_samples, seed=0)
    config = {
        "dataset_type": "text/csv",
        "label": LABEL,
        "methods": {"shap": shap_config},
        "predictor": {"probability": 1},
    }
    typed = load_config(config)
    engine_model = build_model(typed, predictor=model)
    options = EngineOptions(shap_algorithm=algorithm)
    with tempfile.TemporaryDirectory() as output:
        run = AnalysisRun(
            typed, ColumnRoles.of_features(list(rows.columns)), options, output_dir=Path(output)
        )
        started = time.perf_counter()
        result = run_explanations(run, ExplanationData(rows), engine_model)
        seconds = time.perf_counter() - started
        local = pd.read_csv(Path(output) / "explanations_shap" / "out.csv").to_numpy()
    return seconds, local, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000, help="rows the engine explains")
    parser.add_argument("--kernel-rows", type=int, default=200, help="rows shap.KernelExplainer explains")
    args = parser.parse_args()
    logging.getLogger("shap").setLevel(logging.WARNING)
    train, test = coded_adult()
    features = train.drop(columns=[LABEL])
    started = time.perf_counter()
    model = GradientBoostingClassifier(random_state=0).fit(features, train[LABEL])
    fit_seconds = time.perf_counter() - started
    rows = test.drop(columns=[LABEL]).iloc[: args.rows].reset_index(drop=True)
    baseline = features.sample(BASELINE_ROWS, random_state=0).reset_index(drop=True)
    columns = list(rows.columns)
    kernel_rows = min(args.kernel_rows, len(rows))

    def log_odds(matrix: np.ndarray) -> np.ndarray:
        return model.decision_function(pd.DataFrame(matrix, columns=columns))

    started = time.perf_counter()
    explainer = shap.KernelExplainer(log_odds, baseline.to_numpy(dtype=float))
    direct = np.asarray(
        explainer.shap_values(rows.iloc[:kernel_rows].to_numpy(dtype=float), l1_reg=False, silent=True)
    )
    direct_seconds = time.perf_counter() - started
    direct_rate = kernel_rows / direct_seconds

    engine_run(model, rows.iloc[:20], baseline, "tree", None)  # warm-up: imports
    tree_seconds, tree, result = engine_run(model, rows, baseline, "tree", None)
    sampled_seconds, sampled, _ = engine_run(model, rows, baseline, "kernel", SAMPLED)
    algorithm = result["kernel_shap"][LABEL].get("shap_algorithm", "kernel")

    n = len(rows)
    tree_rate, sampled_rate = n / tree_seconds, n / sampled_seconds
    exact = tree[:kernel_rows]
    sampled_error = np.abs(sampled[:kernel_rows] - direct)
    print(
        f"full UCI Adult, 11 numeric-coded columns; GradientBoostingClassifier trained on {len(train):,} rows "
        f"in {fit_seconds:.1f} s; baseline rows: {BASELINE_ROWS}; log-odds (use_logit)"
    )
    print(
        f"shap.KernelExplainer, defaults (exact: all 2,046 coalitions), {kernel_rows} rows: "
        f"{direct_seconds:8.2f} s ({direct_rate:9.1f} rows/s)"
    )
    print(
        f"engine, shap_algorithm tree (ran: {algorithm}), {n} rows:              "
        f"{tree_seconds:8.3f} s ({tree_rate:9.1f} rows/s) -> {tree_rate / direct_rate:7.1f}x KernelExplainer "
        "(target >= 100x)"
    )
    print(
        f"engine, shap_algorithm kernel, num_samples {SAMPLED}, {n} rows:       "
        f"{sampled_seconds:8.3f} s ({sampled_rate:9.1f} rows/s) -> {sampled_rate / direct_rate:7.1f}x "
        f"KernelExplainer; tree = {tree_rate / sampled_rate:5.1f}x this"
    )
    print(f"max |tree - KernelExplainer| (first {kernel_rows} rows): {np.abs(exact - direct).max():.2e}")
    print(
        f"engine kernel at num_samples {SAMPLED} vs the exact values: max |diff| {sampled_error.max():.2e}, "
        f"mean |diff| {sampled_error.mean():.2e} (mean |phi| {np.abs(direct).mean():.2e})"
    )


if __name__ == "__main__":
    main()
