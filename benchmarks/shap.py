"""Kernel SHAP: the engine's estimator vs ``shap.KernelExplainer``, and vs the model alone.

Adult and a scikit-learn pipeline (scaling + one-hot + logistic regression); 1,000 rows explained against 10
baseline rows drawn from the training rows, with ``num_samples`` 100. Two data sets (``--data``):

- ``sample`` (default): the bundled model-ready sample ``sample_data/adult`` (7 features, two of them 0/1
  codes), trained on ``train.csv``, rows of ``validation.csv``;
- ``full``: the full UCI Adult ``sample_data/uci-adult/adult.csv.gz`` with its 14 attributes as published (6
  numeric, 8 categorical strings one-hot encoded by the pipeline), trained on the ``train`` split (32,561 rows),
  rows of the ``test`` split.

One run each:

- shap.KernelExplainer called directly (object matrix in, the pipeline's P(>50K) out);
- the engine's ``run_explanations`` with the model in process (everything a real run does: synthetic rows, model
  calls through the engine's model client, the estimator, out.csv), once plain and once with standard errors;
- the model alone on the synthetic rows this run needs (records × baseline rows × coalitions, as the estimator's
  designs define them), and on the distinct ones among them (what the engine actually sends).

Also checked: local accuracy of the engine's values, and the per-feature mean |φ| of both explainers, which must
agree within the sampling error (the engine's estimate of it).

    python benchmarks/shap.py [--data sample|full] [--rows 1000] [--num-samples 100]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the library it measures: drop its own folder from the import path so `import shap`
# finds the library, not this script.
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
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import EngineOptions  # noqa: E402
from airflow_provider_clarify.engine.explain import ExplanationData, run_explanations  # noqa: E402
from airflow_provider_clarify.engine.explain.estimator import coalition_design, record_rng  # noqa: E402
from airflow_provider_clarify.engine.predictors import build_model  # noqa: E402
from airflow_provider_clarify.engine.roles import ColumnRoles  # noqa: E402
from airflow_provider_clarify.engine.run import AnalysisRun  # noqa: E402

SAMPLE = REPO / "sample_data" / "adult"
FULL = REPO / "sample_data" / "uci-adult" / "adult.csv.gz"
LABEL = "income_gt_50k"
BASELINE_ROWS = 10
BLOCK_ROWS = 100_000


def adult_data(data: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(training rows, rows to explain, categorical columns) of ``data`` ("sample" or "full"), with the 0/1
    label ``LABEL``."""
    if data == "sample":
        return pd.read_csv(SAMPLE / "train.csv"), pd.read_csv(SAMPLE / "validation.csv"), ["married", "sex"]
    raw = pd.read_csv(FULL)
    frame = raw.drop(columns=["income", "split"]).assign(**{LABEL: (raw["income"] == ">50K").astype("int64")})
    categorical = [name for name in frame.columns if not pd.api.types.is_numeric_dtype(frame[name])]
    train = frame[raw["split"] == "train"].reset_index(drop=True)
    return train, frame[raw["split"] == "test"].reset_index(drop=True), categorical


def adult_pipeline(data: str) -> tuple[object, pd.DataFrame, pd.DataFrame]:
    """(fitted pipeline, features of the rows to explain, training features)."""
    train, explained, categorical = adult_data(data)
    features = train.drop(columns=[LABEL])
    numeric = [c for c in features.columns if c not in categorical]
    model = make_pipeline(
        make_column_transformer(
            (StandardScaler(), numeric), (OneHotEncoder(handle_unknown="ignore"), categorical)
        ),
        LogisticRegression(max_iter=300),
    ).fit(features, train[LABEL])
    return model, explained.drop(columns=[LABEL]), features


def synthetic_rows(rows: pd.DataFrame, baseline: pd.DataFrame, num_samples: int, seed: int) -> pd.DataFrame:
    """Every synthetic row Kernel SHAP evaluates for these records (empty coalition included), duplicates kept."""
    values, base = rows.to_numpy(), baseline.to_numpy()
    parts = []
    for i in range(len(rows)):
        varying = np.nonzero((base != values[i]).any(axis=0))[0]
        design = coalition_design(len(varying), num_samples, record_rng(seed, i))
        present = np.zeros((len(design.masks) + 1, values.shape[1]), dtype=bool)
        present[:, :] = True
        present[1:, varying] = design.masks
        present[0, varying] = False
        mixed = np.where(present[:, None, :], values[i][None, None, :], base[None, :, :])
        parts.append(mixed.reshape(-1, values.shape[1]))
    matrix = np.concatenate(parts)
    return pd.DataFrame(matrix, columns=rows.columns).astype(rows.dtypes.to_dict())


def time_model(model: object, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    for start in range(0, len(frame), BLOCK_ROWS):
        model.predict_proba(frame.iloc[start : start + BLOCK_ROWS])  # type: ignore[attr-defined]
    return time.perf_counter() - started


def engine_run(
    model: object, rows: pd.DataFrame, baseline: pd.DataFrame, num_samples: int, errors: bool
) -> tuple[float, dict, np.ndarray, np.ndarray | None]:
    config = {
        "dataset_type": "text/csv",
        "label": LABEL,
        "methods": {
            "shap": {
                "baseline": baseline.to_numpy().tolist(),
                "num_samples": num_samples,
                "seed": 0,
                "save_local_shap_values": True,
            }
        },
        "predictor": {"probability": 1},
    }
    typed = load_config(config)
    engine_model = build_model(typed, predictor=model)
    options = EngineOptions(shap_standard_errors=errors)
    with tempfile.TemporaryDirectory() as output:
        roles = ColumnRoles.of_features(list(rows.columns))
        run = AnalysisRun(typed, roles, options, output_dir=Path(output))
        started = time.perf_counter()
        result = run_explanations(run, ExplanationData(rows), engine_model)
        seconds = time.perf_counter() - started
        local = pd.read_csv(Path(output) / "explanations_shap" / "out.csv").to_numpy()
        error_file = Path(output) / "explanations_shap" / "out_standard_errors.csv"
        spread = pd.read_csv(error_file).to_numpy() if errors else None
    return seconds, result, local, spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", choices=["sample", "full"], default="sample")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--num-samples", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger("shap").setLevel(logging.WARNING)

    model, validation, training = adult_pipeline(args.data)
    rows = validation.iloc[: args.rows].reset_index(drop=True)
    baseline = training.sample(BASELINE_ROWS, random_state=0).reset_index(drop=True)
    columns = list(rows.columns)

    def direct_model(matrix: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(matrix, columns=columns).astype(rows.dtypes.to_dict())
        return model.predict_proba(frame)[:, 1]  # type: ignore[attr-defined]

    np.random.seed(0)
    started = time.perf_counter()
    explainer = shap.KernelExplainer(direct_model, baseline.to_numpy(dtype=object))
    direct = np.asarray(
        explainer.shap_values(
            rows.to_numpy(dtype=object), nsamples=args.num_samples, l1_reg=False, silent=True
        )
    )
    direct_seconds = time.perf_counter() - started

    engine_run(model, rows.iloc[:20], baseline, args.num_samples, errors=True)  # warm-up: imports, caches
    engine_seconds, result, local, _ = engine_run(model, rows, baseline, args.num_samples, errors=False)
    errors_seconds, _, local_again, spread = engine_run(model, rows, baseline, args.num_samples, errors=True)
    assert spread is not None and np.array_equal(local, local_again)

    synthetic = synthetic_rows(rows, baseline, args.num_samples, seed=0)
    distinct = synthetic.drop_duplicates()
    model_seconds = time_model(model, synthetic)
    distinct_seconds = time_model(model, distinct)

    probability = model.predict_proba(rows)[:, 1]  # type: ignore[attr-defined]
    expected = result["kernel_shap"][LABEL]["expected_value"]
    accuracy = np.max(np.abs(local.sum(axis=1) - (probability - expected)))
    ours, theirs = np.abs(local).mean(axis=0), np.abs(direct).mean(axis=0)
    global_error = np.sqrt((spread**2).sum(axis=0)) / len(rows)
    z = (ours - theirs) / np.maximum(np.sqrt(2) * global_error, 1e-12)  # both estimates carry sampling error

    n = len(rows)
    print(
        f"Adult {args.data} ({len(columns)} features), rows explained: {n}, baseline rows: {BASELINE_ROWS}, "
        f"num_samples: {args.num_samples}"
    )
    print(f"shap.KernelExplainer directly:    {direct_seconds:8.2f} s ({n / direct_seconds:8.1f} rows/s)")
    print(
        f"engine run_explanations:          {engine_seconds:8.2f} s ({n / engine_seconds:8.1f} rows/s) "
        f"-> {direct_seconds / engine_seconds:6.1f}x KernelExplainer (target >= 10x)"
    )
    print(
        f"  with standard errors:           {errors_seconds:8.2f} s ({n / errors_seconds:8.1f} rows/s) "
        f"-> {errors_seconds / engine_seconds - 1:+.1%}"
    )
    print(
        f"model alone, all {len(synthetic):,} synthetic rows: {model_seconds:8.2f} s "
        f"-> engine / model-only = {engine_seconds / model_seconds:5.2f}x (target <= 2x)"
    )
    print(f"model alone, the {len(distinct):,} distinct rows the engine sends: {distinct_seconds:8.2f} s")
    print(f"engine local accuracy (max |sum(phi) - (f(x) - phi0)|): {accuracy:.2e}")
    print("mean |phi| per feature, KernelExplainer vs engine (z = difference / sampling error):")
    for name, a, b, score in zip(columns, theirs, ours, z, strict=True):
        print(f"  {name:16s} {a:9.5f} {b:9.5f}  z = {score:+5.2f}")


if __name__ == "__main__":
    main()
