"""The explanation files and the ``analysis.json`` entry, in the managed job's layout.

Where: ``<output>/asymmetric_shapley_value/<granularity>_<direction>/out.jsonl``. That is the path the managed
container writes (its log in the AWS example notebook ``sagemaker-clarify/time_series_deepar``: "Wrote 2 lines to
/opt/ml/processing/output/asymmetric_shapley_value/fine_grained_chronological/out.jsonl", and the notebook then
downloads ``output/asymmetric_shapley_value/{granularity}_{direction}/out.jsonl``), so code reading managed
results reads local ones unchanged.

What (Clarify results page, seed 002): one JSON line per item with ``item_id``, ``offset`` (the forecast at the
baseline, one value per horizon step) and ``explanations``: for ``timewise`` one ``{"timestamp", "scores"}`` per
time step; for ``fine_grained`` ``{"feature_name", "timestamp", "scores"}`` per series and step (target first,
then each related series) and ``{"feature_name", "scores"}`` per static covariate. Timestamps are echoed as the
dataset writes them. ``analysis.json`` gets ``explanations.asymmetric_shapley_value`` with ``direction``,
``granularity`` and ``explanation_results_path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .asymmetric import Players
from .series import ItemSeries

METHOD_FOLDER = "asymmetric_shapley_value"
RESULTS_FILE = "out.jsonl"


def results_relative_path(granularity: str, direction: str) -> str:
    """``asymmetric_shapley_value/<granularity>_<direction>/out.jsonl`` (relative to the output prefix)."""
    return f"{METHOD_FOLDER}/{granularity}_{direction}/{RESULTS_FILE}"


def explanation_line(
    item: ItemSeries,
    players: Players,
    offset: np.ndarray,
    scores: np.ndarray,
    *,
    target_name: str,
    related_names: tuple[str, ...],
    static_names: tuple[str, ...],
) -> dict[str, Any]:
    """One line of ``out.jsonl``; ``scores`` is (players, horizon)."""
    rows = scores.tolist()
    explanations: list[dict[str, Any]] = []
    if not players.fine:
        explanations = [
            {"timestamp": timestamp, "scores": rows[step]} for step, timestamp in enumerate(item.timestamps)
        ]
    else:
        for step in range(players.history):
            explanations.append(
                {
                    "feature_name": target_name,
                    "timestamp": item.timestamps[step],
                    "scores": rows[int(players.target_index[step])],
                }
            )
        for series, name in enumerate(related_names):
            for step, timestamp in enumerate(item.timestamps):
                explanations.append(
                    {
                        "feature_name": name,
                        "timestamp": timestamp,
                        "scores": rows[int(players.related_index[series, step])],
                    }
                )
        for static, name in enumerate(static_names):
            explanations.append({"feature_name": name, "scores": rows[static]})
    return {"item_id": item.item_id, "offset": offset.tolist(), "explanations": explanations}


def analysis_entry(direction: str, granularity: str, results_path: str) -> dict[str, Any]:
    """The ``explanations`` entry of ``analysis.json`` (key order as the managed job writes it)."""
    return {
        "asymmetric_shapley_value": {
            "direction": direction,
            "granularity": granularity,
            "explanation_results_path": results_path,
        }
    }


def published_path(output_dir: Path, relative: str, output_uri: str | None) -> str:
    """Where readers find the file: under ``output_uri`` when the output is published there (an ``s3://``
    prefix or a directory), else the local file itself."""
    if output_uri:
        return f"{output_uri.rstrip('/')}/{relative}"
    return str((output_dir / relative).resolve())
