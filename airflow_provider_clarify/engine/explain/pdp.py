"""Partial dependence (reference §7): for each grid value, set the feature in every (sampled) record and average the
model's scores. All grid values of one feature go to the model as one batch of records."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...config.model import NameOrIndex
from ..models import ScoreModel
from .features import FREE_TEXT, NUMERICAL, feature_position

UNSUPPORTED = "Detected data type is not supported for PDP. PDP can only be computed for numerical or categorical columns"


def resolve_pdp_features(requested: list[NameOrIndex], feature_names: list[str]) -> list[str]:
    """Feature names for ``methods.pdp.features`` (names or indices into the model features)."""
    return [
        feature_names[feature_position(entry, feature_names, "methods.pdp.features")] for entry in requested
    ]


def grid(series: pd.Series, kind: str, resolution: int) -> tuple[list[Any], list[float]]:
    """Grid values and the fraction of records per grid cell."""
    values = series.dropna()
    if kind == NUMERICAL:
        numbers = values.astype(float).to_numpy()
        low, high = float(numbers.min()), float(numbers.max())
        if low == high:
            return [low], [1.0]
        edges = np.linspace(low, high, resolution + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        cells = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, resolution - 1)
        cell_counts = np.bincount(cells, minlength=resolution)
        return centres.tolist(), (cell_counts / cell_counts.sum()).tolist()
    counts = values.value_counts(sort=False)
    order = list(pd.unique(values))
    total = float(counts.sum())
    return order, [float(counts[v]) / total for v in order]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def partial_dependence(
    data: pd.DataFrame,
    feature: str,
    kind: str,
    model: ScoreModel,
    resolution: int,
    target_names: list[str] | None,
) -> dict[str, Any]:
    """One PDP entry (reference §8.2); an unsupported column type gives the per-feature error entry (reference §10.3)."""
    if kind == FREE_TEXT:
        return unsupported_entry(feature, kind)
    values, distribution = grid(data[feature], kind, resolution)
    scores = grid_scores(data, feature, kind, values, model)
    return pdp_entry(feature, kind, values, distribution, scores, target_names or list(model.target_names))


# --- sharded runs (engine/distributed): the plan fixes the sample and grids, shards score their records, the
# merge averages; the steps below are the ones partial_dependence runs in one process ---
def unsupported_entry(feature: str, kind: str) -> dict[str, Any]:
    """The entry of a feature PDP cannot vary (free text, reference §10.3)."""
    return {"feature_name": feature, "data_type": kind, "error": UNSUPPORTED}


def sample_positions(records: int, max_records: int, seed: int | None) -> np.ndarray | None:
    """The records PDP averages over (reference §7): positions of a seeded sample in dataset order, or None (all)."""
    limit = max_records or 2000
    if records <= limit:
        return None
    rng = np.random.default_rng(0 if seed is None else int(seed))
    positions: np.ndarray = np.sort(rng.choice(records, limit, replace=False))
    return positions


def grid_scores(
    data: pd.DataFrame, feature: str, kind: str, values: list[Any], model: ScoreModel
) -> np.ndarray:
    """The model's scores of every record with ``feature`` set to each grid value: grid × records × targets."""
    n = len(data)
    synthetic = pd.concat([data] * len(values), ignore_index=True)
    column = np.repeat(np.asarray(values, dtype=object), n)
    if kind == NUMERICAL and pd.api.types.is_integer_dtype(data[feature].dtype):
        synthetic[feature] = column.astype(float)
    else:
        synthetic[feature] = pd.Series(column, dtype=data[feature].dtype if kind != NUMERICAL else float)
    scores: np.ndarray = np.asarray(model.predict_scores(synthetic), dtype=float).reshape(len(values), n, -1)
    return scores


def pdp_entry(
    feature: str,
    kind: str,
    values: list[Any],
    distribution: list[float],
    scores: np.ndarray,
    target_names: list[str],
) -> dict[str, Any]:
    """The entry of one feature from its grid and the scores of every record (grid × records × targets)."""
    means = scores.mean(axis=1)  # grid × targets
    return {
        "feature_name": feature,
        "data_type": kind,
        "feature_values": [_plain(v) for v in values],
        "data_distribution": distribution,
        "model_predictions": means.T.tolist(),
        "label_headers": target_names,
    }


# --- end sharded runs ---
