"""Kernel SHAP through the engine vs ``shap.KernelExplainer`` directly, same model, data and settings.

Adult data, a scikit-learn pipeline (one-hot + logistic regression), 1,000 explained rows, 10 baseline rows,
num_samples 100, one run each. The engine's path includes everything a real run does: every synthetic record
is serialized as text/csv, read back by the in-process model adapter, and its response parsed (SPEC §5).

    python benchmarks/shap.py [--rows 1000] [--adult PATH]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the library it measures: drop its own folder from the import path so `import shap`
# finds the library, not this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from airflow_provider_clarify.engine.explain import run_explanations  # noqa: E402
from airflow_provider_clarify.engine.predictors import build_model  # noqa: E402

DEFAULT_ADULT = Path(__file__).resolve().parents[1] / "sample_data" / "uci-adult" / "adult.csv.gz"
NUM_SAMPLES = 100
BASELINE_ROWS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--adult", type=Path, default=DEFAULT_ADULT)
    args = parser.parse_args()

    adult = pd.read_csv(args.adult)
    target = (adult["income"] == ">50K").astype(int)
    features = adult.drop(columns=["income", "split"], errors="ignore")
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    categorical = [c for c in features.columns if c not in numeric]
    model = make_pipeline(
        make_column_transformer(
            (StandardScaler(), numeric), (OneHotEncoder(handle_unknown="ignore"), categorical)
        ),
        LogisticRegression(max_iter=300),
    ).fit(features.iloc[:5000], target.iloc[:5000])

    rows = features.iloc[5000 : 5000 + args.rows].reset_index(drop=True)
    baseline = features.sample(BASELINE_ROWS, random_state=0).reset_index(drop=True)
    columns = list(features.columns)

    # shap directly: object matrix in, DataFrame to the model, P(>50K) out.
    def direct_model(matrix: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(matrix, columns=columns).astype(features.dtypes.to_dict())
        return model.predict_proba(frame)[:, 1]

    np.random.seed(0)
    started = time.perf_counter()
    explainer = shap.KernelExplainer(direct_model, baseline.to_numpy(dtype=object))
    direct = explainer.shap_values(
        rows.to_numpy(dtype=object), nsamples=NUM_SAMPLES, l1_reg=False, silent=True
    )
    direct_seconds = time.perf_counter() - started

    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "methods": {
            "shap": {
                "baseline": baseline.to_numpy(dtype=object).tolist(),
                "num_samples": NUM_SAMPLES,
                "seed": 0,
                "save_local_shap_values": True,
            }
        },
        "predictor": {"probability": 1},
    }
    engine_model = build_model(config, predictor=model)
    with tempfile.TemporaryDirectory() as output:
        started = time.perf_counter()
        result = run_explanations(config, rows, engine_model, output)
        engine_seconds = time.perf_counter() - started
        local = pd.read_csv(Path(output) / "explanations_shap" / "out.csv").to_numpy()

    probability = model.predict_proba(rows)[:, 1]
    expected = result["kernel_shap"]["income"]["expected_value"]
    accuracy = np.max(np.abs(local.sum(axis=1) - (probability - expected)))
    print(f"rows explained: {len(rows)}, baseline rows: {BASELINE_ROWS}, num_samples: {NUM_SAMPLES}")
    print(
        f"shap.KernelExplainer directly: {direct_seconds:8.2f} s ({len(rows) / direct_seconds:7.1f} rows/s)"
    )
    print(
        f"engine run_explanations:       {engine_seconds:8.2f} s ({len(rows) / engine_seconds:7.1f} rows/s)"
    )
    print(f"ratio engine / direct:         {engine_seconds / direct_seconds:8.2f}x (target <= 1.2x)")
    print(f"engine local accuracy (max |sum(phi) - (f(x) - phi0)|): {accuracy:.2e}")
    print(
        f"mean |phi| direct vs engine (first 3 features): {np.abs(direct).mean(0)[:3]} {np.abs(local).mean(0)[:3]}"
    )


if __name__ == "__main__":
    main()
