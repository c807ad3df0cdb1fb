"""Datasets for sharded-run tests, built in place: one frame written as CSV, JSON Lines or Parquet, spread over
several files of different sizes; the configs that read each format; and a helper that runs plan, every shard
and merge the way separate workers would (each step gets only the work folder)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airflow_provider_clarify.config import AnalysisConfig, load_config
from airflow_provider_clarify.engine import EngineOptions
from airflow_provider_clarify.engine.distributed import merge, plan, run_shard

FORMATS = ("text/csv", "application/jsonlines", "application/x-parquet")
FILE_ROWS = (110, 130, 60)
FEATURES = ["sex", "race_code", "age", "priors", "score", "age_group"]
MODEL = "tests.unit.engine.distributed.models"


def frame(rows: int = sum(FILE_ROWS), seed: int = 11) -> pd.DataFrame:
    """Integer facets, a float feature, a categorical group variable, labels and predictions that depend on
    them (so every metric has something to measure)."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(0, 2, rows)
    race = rng.integers(0, 4, rows)
    age = rng.integers(18, 80, rows)
    priors = rng.integers(0, 12, rows)
    score = np.round(rng.random(rows), 3)
    age_group = np.minimum((age - 18) // 15, 3)
    label = ((score + 0.1 * sex + 0.05 * priors) > 0.8).astype(int)
    predicted = ((score + 0.15 * (race == 0)) > 0.7).astype(int)
    return pd.DataFrame(
        {
            "sex": sex,
            "race_code": race,
            "age": age,
            "priors": priors,
            "score": score,
            "age_group": age_group,
            "label": label,
            "predicted": predicted,
        }
    )


def write(data: pd.DataFrame, folder: Path, dataset_type: str, sizes: Sequence[int] = FILE_ROWS) -> Path:
    """``data`` as several files of ``dataset_type`` under ``folder`` (``sizes`` rows each, in order)."""
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.cumsum([0, *sizes])
    assert bounds[-1] == len(data)
    for number, (start, end) in enumerate(itertools.pairwise(bounds)):
        part = data.iloc[start:end]
        if dataset_type == "text/csv":
            part.to_csv(folder / f"part-{number:02d}.csv", index=False)
        elif dataset_type == "application/x-parquet":
            part.to_parquet(folder / f"part-{number:02d}.parquet", index=False, row_group_size=25)
        else:
            label = "label" if "label" in part else None
            lines = []
            for record in part.to_dict(orient="records"):
                line: dict[str, Any] = {"features": [record[name] for name in features_of(part)]}
                if label:
                    line["label"] = record["label"]
                if "predicted" in part:
                    line["pred"] = record["predicted"]
                lines.append(json.dumps(line))
            (folder / f"part-{number:02d}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def features_of(data: pd.DataFrame) -> list[str]:
    return [name for name in data.columns if name not in ("label", "predicted")]


def config(dataset_type: str, data: pd.DataFrame, **fields: Any) -> AnalysisConfig:
    """A config reading ``data`` written as ``dataset_type`` (roles by name; JSON Lines through headers)."""
    document: dict[str, Any] = {
        "dataset_type": dataset_type,
        "label": "label",
        "label_values_or_threshold": [1],
    }
    if "predicted" in data:
        document["predicted_label"] = "predicted"
    if dataset_type == "application/jsonlines":
        document.update({"features": "features", "label": "label"})
        headers = [*features_of(data), "label"]
        if "predicted" in data:
            document["predicted_label"] = "pred"
            headers.append("predicted")
        document["headers"] = headers
    document.update(fields)
    return load_config(document)


def run_sharded(
    analysis: AnalysisConfig,
    dataset: Path | str,
    root: Path,
    shards: int,
    *,
    options: EngineOptions | None = None,
    predictor: object = None,
    s3_client: Any = None,
) -> Path:
    """Plan into ``root/work``, run every shard, merge into ``root/merged``; the merged output folder."""
    work = root / "work"
    info = plan(
        analysis, str(dataset), work, shards, options=options, predictor=predictor, s3_client=s3_client
    )
    for index in range(shards):
        run_shard(work, index, plan_hash=info.plan_hash, s3_client=s3_client, predictor=predictor)
    merge(work, root / "merged", plan_hash=info.plan_hash, s3_client=s3_client, predictor=predictor)
    return root / "merged"


def same_files(single: Path, merged: Path, names: Sequence[str]) -> None:
    """Every named file exists in both folders with the same bytes."""
    for name in names:
        assert (single / name).is_file(), f"{name} missing in the single run's output"
        assert (merged / name).is_file(), f"{name} missing in the merged output"
        assert (merged / name).read_bytes() == (single / name).read_bytes(), f"{name} differs"
