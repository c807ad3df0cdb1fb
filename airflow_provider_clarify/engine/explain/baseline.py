"""The SHAP baseline: rows given in the config (inline or a file) or computed by clustering (reference §2.3, §6.3).

Clustering: K-means when every feature is numeric, K-prototypes (kmodes) when any is categorical. Without
``num_clusters`` the number of clusters is the elbow of the within-cluster cost over k = 1..12 (reference §6.3 engine
rule), ties broken by the silhouette score. Each cluster yields one row: numeric = mean (integers rounded back to
the column's dtype), categorical = mode. Text columns take the empty string (drop the unit).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

import jmespath
import numpy as np
import pandas as pd

from ...config import AnalysisConfig
from ...config.model import Baseline
from ...contract import JSON, JSON_LINES, PARQUET, JSONValue, is_s3_uri, split_s3_uri
from ..data.sources import S3Client
from .errors import ExplanationError
from .features import FREE_TEXT, NUMERICAL

LOG = logging.getLogger("airflow_provider_clarify.engine.explain")

MAX_AUTO_CLUSTERS = 12
CLUSTER_SAMPLE_ROWS = 10_000
AUTO_K_SAMPLE_ROWS = 2_000


def _read_text(uri: str, s3_client: S3Client | None) -> str:
    if is_s3_uri(uri):
        try:
            return _read_bytes(uri, s3_client).decode("utf-8")
        except ExplanationError:
            raise
        except Exception as error:
            raise ExplanationError(f"methods.shap.baseline {uri!r} cannot be read: {error}") from error
    path = Path(uri)
    if not path.is_file():
        raise ExplanationError(f"methods.shap.baseline file {uri!r} does not exist")
    return path.read_text(encoding="utf-8")


def _rows_from_document(document: JSONValue, config: AnalysisConfig) -> list[Any]:
    """Rows from a baseline written like the dataset (reference §2.3)."""
    dataset_type = config.dataset_type
    features_path = config.features
    if dataset_type == JSON_LINES:
        if not isinstance(document, list):
            document = [document]
        rows = []
        for line in document:
            row = jmespath.search(features_path, line) if features_path and isinstance(line, dict) else line
            rows.append(row)
        return rows
    if dataset_type == JSON and features_path and not isinstance(document, list):
        found: list[Any] = jmespath.search(features_path, document) or []
        return found
    if isinstance(document, dict):
        raise ExplanationError(
            "methods.shap.baseline is an object, but the dataset is not JSON: give a list of rows (lists of values)"
        )
    rows_given = document if isinstance(document, list) else [document]
    return [row if isinstance(row, list) else [row] for row in rows_given]


def _rows_from_file(
    uri: str, config: AnalysisConfig, feature_names: list[str], s3_client: S3Client | None
) -> list[Any]:
    dataset_type = config.dataset_type
    if dataset_type == PARQUET:
        frame = pd.read_parquet(io.BytesIO(_read_bytes(uri, s3_client)) if is_s3_uri(uri) else uri)
        missing = [name for name in feature_names if name not in frame.columns]
        if missing:
            raise ExplanationError(f"methods.shap.baseline file {uri!r} lacks the feature columns {missing}")
        parquet_rows: list[Any] = frame[feature_names].to_numpy(dtype=object).tolist()
        return parquet_rows
    text = _read_text(uri, s3_client)
    if dataset_type == JSON_LINES:
        return _rows_from_document([json.loads(line) for line in text.splitlines() if line.strip()], config)
    if dataset_type == JSON:
        return _rows_from_document(json.loads(text), config)
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if rows and [cell.strip() for cell in rows[0]] == feature_names:
        rows = rows[1:]
    return rows


def _read_bytes(uri: str, s3_client: S3Client | None) -> bytes:
    """An S3 object through the caller's client (a default boto3 client when the run was given none)."""
    bucket, key = split_s3_uri(uri, what="methods.shap.baseline")
    if s3_client is None:
        import boto3  # only a baseline on S3 without a client needs boto3

        s3_client = boto3.client("s3")
    return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()


_BOOLEAN_SPELLINGS = {"true": True, "false": False, "1": True, "0": False}


def _as_booleans(values: pd.Series, name: str) -> pd.Series:
    """A baseline column of a boolean feature as booleans. The config and CSV files spell them as text ("False"):
    left as text, synthetic rows would mix strings into a boolean column, and a model that receives typed rows
    would see other values than the CSV body carries (where both read back as the same boolean)."""

    def parsed(value: object) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        key = (
            str(int(value)) if isinstance(value, (int, float, np.number)) and value in (0, 1) else str(value)
        )
        if key.strip().lower() not in _BOOLEAN_SPELLINGS:
            raise ExplanationError(
                f"methods.shap.baseline holds {value!r} for the boolean feature {name!r}; give True or False"
            )
        return _BOOLEAN_SPELLINGS[key.strip().lower()]

    return values.map(parsed).astype(bool)


def _cast_like(frame: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Give baseline columns the dtypes of the dataset's columns (CSV files hold strings)."""
    result = frame.copy()
    for name in data.columns:
        if pd.api.types.is_bool_dtype(data[name].dtype) and result[name].notna().all():
            result[name] = _as_booleans(result[name], str(name))
        elif pd.api.types.is_numeric_dtype(data[name].dtype) and not pd.api.types.is_bool_dtype(
            data[name].dtype
        ):
            converted = pd.to_numeric(result[name], errors="coerce")
            if converted.isna().any() and not result[name].isna().all():
                bad = result[name][converted.isna()].iloc[0]
                raise ExplanationError(
                    f"methods.shap.baseline holds {bad!r} for the numeric feature {name!r}; give a number"
                )
            if pd.api.types.is_integer_dtype(data[name].dtype) and (converted % 1 == 0).all():
                converted = converted.astype(data[name].dtype)
            result[name] = converted
        else:
            result[name] = result[name].astype(object).where(result[name].notna(), None)
    cast: pd.DataFrame = result
    return cast


def given_baseline(
    baseline: Baseline, config: AnalysisConfig, data: pd.DataFrame, s3_client: S3Client | None = None
) -> pd.DataFrame:
    """The configured baseline as a DataFrame with the model-feature columns (and the data's dtypes)."""
    feature_names = [str(c) for c in data.columns]
    if isinstance(baseline, str):
        rows = _rows_from_file(baseline, config, feature_names, s3_client)
    else:
        rows = _rows_from_document(baseline, config)
    if not rows:
        raise ExplanationError("methods.shap.baseline holds no rows; give at least one row or leave it out")
    for index, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != len(feature_names):
            count = len(row) if isinstance(row, (list, tuple)) else 1
            raise ExplanationError(
                f"methods.shap.baseline row {index} has {count} values, but the model takes {len(feature_names)} "
                f"features {feature_names}; give exactly one value per model feature (no label column)"
            )
    return _cast_like(pd.DataFrame(rows, columns=data.columns), data)


def _elbow(costs: list[float]) -> int:
    """Index of the point farthest below the chord from the first to the last cost (the "knee")."""
    if len(costs) < 3:
        return len(costs) - 1 if len(costs) == 2 and costs[1] < costs[0] else 0
    x = np.arange(len(costs), dtype=float)
    y = np.asarray(costs, dtype=float)
    if y[0] == y[-1]:
        return 0
    chord = y[0] + (y[-1] - y[0]) * x / x[-1]
    distance = chord - y
    return int(np.argmax(distance))


def _encode(frame: pd.DataFrame, categorical: list[int]) -> np.ndarray:
    encoded = frame.copy()
    for position in categorical:
        column = encoded.columns[position]
        encoded[column] = encoded[column].astype(str)
    for position, column in enumerate(encoded.columns):
        if position not in categorical:
            encoded[column] = pd.to_numeric(encoded[column], errors="coerce").fillna(0.0)
    matrix: np.ndarray = encoded.to_numpy(dtype=object)
    return matrix


def _fit(matrix: np.ndarray, categorical: list[int], k: int, seed: int) -> tuple[np.ndarray, float]:
    """Cluster labels and within-cluster cost for k clusters."""
    if not categorical:
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(matrix.astype(float))
        return model.labels_, float(model.inertia_)
    if len(categorical) == matrix.shape[1]:
        from kmodes.kmodes import KModes

        model = KModes(n_clusters=k, init="Huang", n_init=3, random_state=seed).fit(matrix.astype(str))
        return np.asarray(model.labels_), float(model.cost_)
    from kmodes.kprototypes import KPrototypes

    model = KPrototypes(n_clusters=k, init="Cao", n_init=3, random_state=seed, n_jobs=1)
    labels = model.fit_predict(matrix, categorical=categorical)
    return np.asarray(labels), float(model.cost_)


def _silhouette(matrix: np.ndarray, labels: np.ndarray, categorical: list[int]) -> float:
    if len(set(labels.tolist())) < 2:
        return -1.0
    from sklearn.metrics import silhouette_score

    numeric = [i for i in range(matrix.shape[1]) if i not in categorical]
    if not numeric:
        return -1.0
    return float(silhouette_score(matrix[:, numeric].astype(float), labels))


def computed_baseline(
    data: pd.DataFrame, kinds: list[str], num_clusters: int | None, seed: int | None
) -> pd.DataFrame:
    """Cluster the model-feature matrix into baseline rows (reference §6.3)."""
    random_seed = 0 if seed is None else int(seed)
    rng = np.random.default_rng(random_seed)
    clustered = [i for i, kind in enumerate(kinds) if kind != FREE_TEXT]
    frame = data.iloc[:, clustered] if clustered else data.iloc[:, :0]
    categorical = [j for j, i in enumerate(clustered) if kinds[i] != NUMERICAL]
    sample = frame
    if len(frame) > CLUSTER_SAMPLE_ROWS:
        sample = frame.iloc[np.sort(rng.choice(len(frame), CLUSTER_SAMPLE_ROWS, replace=False))]
    matrix = _encode(sample, categorical) if clustered else np.zeros((len(sample), 0))
    distinct = len({tuple(row) for row in matrix.tolist()}) if clustered else 1
    if num_clusters is not None:
        k = int(num_clusters)
        if k < 1:
            raise ExplanationError("methods.shap.num_clusters must be at least 1")
        if k > distinct:
            raise ExplanationError(
                f"methods.shap.num_clusters is {k} but the data has only {distinct} distinct feature rows; "
                f"use at most {distinct}"
            )
    elif not clustered or distinct == 1:
        k = 1
    else:
        k = _auto_k(matrix, categorical, min(MAX_AUTO_CLUSTERS, distinct), random_seed, rng)
        LOG.info("SHAP baseline: chose %d clusters (elbow of the within-cluster cost over k = 1..12)", k)
    if clustered and k > 1:
        labels, _ = _fit(matrix, categorical, k, random_seed)
    else:
        labels = np.zeros(len(sample), dtype=int)
    rows = []
    for cluster in sorted(set(labels.tolist())):
        members = data.iloc[:0] if not len(sample) else sample.iloc[np.flatnonzero(labels == cluster)]
        row: dict[str, Any] = {}
        for position, name in enumerate(data.columns):
            kind = kinds[position]
            if kind == FREE_TEXT:
                row[name] = ""
            elif kind == NUMERICAL:
                value = pd.to_numeric(members[name], errors="coerce").mean()
                if pd.api.types.is_integer_dtype(data[name].dtype):
                    value = round(value)
                row[name] = value
            else:
                modes = members[name].mode(dropna=True)
                row[name] = modes.iloc[0] if len(modes) else None
        rows.append(row)
    result = pd.DataFrame(rows, columns=data.columns)
    for position, name in enumerate(data.columns):
        if kinds[position] == NUMERICAL and pd.api.types.is_integer_dtype(data[name].dtype):
            result[name] = result[name].astype(data[name].dtype)
    return result


def _auto_k(
    matrix: np.ndarray, categorical: list[int], k_max: int, seed: int, rng: np.random.Generator
) -> int:
    if len(matrix) > AUTO_K_SAMPLE_ROWS:
        matrix = matrix[np.sort(rng.choice(len(matrix), AUTO_K_SAMPLE_ROWS, replace=False))]
    fits = [_fit(matrix, categorical, k, seed) for k in range(1, k_max + 1)]
    costs = [cost for _, cost in fits]
    best = _elbow(costs)
    distances = np.arange(len(costs)) * 0.0
    if len(costs) >= 3 and costs[0] != costs[-1]:
        x = np.arange(len(costs), dtype=float)
        chord = costs[0] + (costs[-1] - costs[0]) * x / x[-1]
        distances = chord - np.asarray(costs)
        tied = [i for i, d in enumerate(distances) if np.isclose(d, distances[best])]
        if len(tied) > 1:
            best = max(tied, key=lambda i: _silhouette(matrix, fits[i][0], categorical))
    return best + 1
