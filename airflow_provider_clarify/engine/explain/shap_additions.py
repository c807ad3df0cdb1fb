"""What the engine adds to the reference SHAP outputs, only when asked: which algorithm ran (when it is not the
default Kernel SHAP) and the estimated sampling errors (``EngineOptions.shap_standard_errors``).

Default runs stay byte-identical in shape to the managed job's outputs: nothing here writes a key or a file then.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...contract import LOCAL_SHAP_ERRORS_CSV, SHAP_DIR
from .files import write_csv
from .kernel_shap import LocalShap

ALGORITHM_KEY = "shap_algorithm"
GLOBAL_ERRORS_KEY = "global_shap_standard_errors"


def add_algorithm(kernel_shap: dict[str, Any], algorithm: str) -> None:
    """Record a non-default algorithm in every target's entry (a default Kernel SHAP run adds nothing)."""
    if algorithm != "kernel":
        for entry in kernel_shap.values():
            entry[ALGORITHM_KEY] = algorithm


def global_standard_errors(values: np.ndarray, errors: np.ndarray, method: str) -> np.ndarray:
    """The sampling error (F,) of the global values of ``values`` (N, F) with local errors ``errors`` (N, F),
    to first order and with independent records: mean_abs → √Σse² / N; mean_sq → √Σ(2φ·se)² / N; median → the
    error of the median record (of the two middle ones, averaged). ``method`` is ``methods.shap.agg_method``."""
    count = values.shape[0]
    summary: np.ndarray
    if count == 0:
        summary = np.zeros(values.shape[1:])
    elif method == "mean_sq":
        summary = np.sqrt(np.sum((2 * values * errors) ** 2, axis=0)) / count
    elif method == "median":
        order = np.argsort(values, axis=0, kind="stable")
        middle = order[[(count - 1) // 2, count // 2]]  # one record twice when N is odd
        picked = np.take_along_axis(errors, middle, axis=0)
        summary = np.where(count % 2, picked[0], 0.5 * np.sqrt(picked[0] ** 2 + picked[1] ** 2))
    else:
        summary = np.sqrt(np.sum(errors**2, axis=0)) / count
    return summary


def add_standard_errors(
    kernel_shap: dict[str, Any],
    feature_names: list[str],
    local: LocalShap,
    targets: list[str],
    method: str,
    local_file: bool,
    join_key: pd.Series | None,
) -> list[tuple[str, Callable[[Path], None]]]:
    """Add ``global_shap_standard_errors`` (tabular features, the first players of every record) to each target's
    entry; return the writer of ``out_standard_errors.csv`` (laid out like out.csv) when ``local_file``."""
    count = len(feature_names)
    errors = local.standard_errors
    if errors is None:  # exact values (TreeSHAP): no sampling error
        errors = [np.zeros_like(values) for values in local.values]
    values = np.array([v[:count] for v in local.values]).reshape(len(local.values), count, len(targets))
    spread = np.array([e[:count] for e in errors]).reshape(len(errors), count, len(targets))
    for t, target in enumerate(targets):
        summary = global_standard_errors(values[:, :, t], spread[:, :, t], method)
        kernel_shap[target][GLOBAL_ERRORS_KEY] = {
            name: float(summary[p]) for p, name in enumerate(feature_names)
        }
    if not local_file:
        return []
    columns = {
        f"{name}_{target}": spread[:, p, t]
        for t, target in enumerate(targets)
        for p, name in enumerate(feature_names)
    }
    table = pd.DataFrame(columns)
    if join_key is not None:
        table[str(join_key.name)] = join_key.to_numpy()
    return [(f"{SHAP_DIR}/{LOCAL_SHAP_ERRORS_CSV}", lambda path: write_csv(path, table))]
