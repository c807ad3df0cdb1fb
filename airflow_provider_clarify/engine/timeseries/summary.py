"""A compact summary of time-series explanations for ``ClarifyResult`` / XCom (pure Python, no numpy, no I/O
beyond reading the lines it is given).

The full results (one JSON line per item) stay in ``out.jsonl``; XCom gets how many items were explained, the
forecast horizon, and the inputs that mattered most:

- ``top_time_steps`` (``timewise``): timestamps ranked by their mean absolute score, the mean taken over the
  horizon steps and over the items that have that timestamp;
- ``top_features`` (``fine_grained``): features (target, each related series, each static covariate) ranked by
  the mean over items of their total absolute attribution (the sum over an item's timestamps of the
  horizon-mean absolute score), so a series and a static covariate compare on the same footing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEFAULT_TOP_K = 10


def summarize_explanations(
    lines: Iterable[Mapping[str, Any]],
    *,
    direction: str | None = None,
    granularity: str | None = None,
    top_k: int = DEFAULT_TOP_K,
) -> dict[str, Any]:
    """Summarize parsed ``out.jsonl`` lines (see module doc); ``granularity`` is inferred when not given."""
    items = 0
    horizons: set[int] = set()
    by_step: dict[str, list[float]] = {}
    step_values: dict[str, Any] = {}
    by_feature: dict[str, float] = {}
    feature_items: dict[str, int] = {}
    fine = granularity == "fine_grained"
    for line in lines:
        items += 1
        horizons.add(len(line.get("offset") or []))
        totals: dict[str, float] = {}
        for entry in line.get("explanations") or []:
            scores = entry.get("scores") or []
            magnitude = sum(abs(float(value)) for value in scores) / len(scores) if scores else 0.0
            if "feature_name" in entry:
                fine = fine or granularity is None
                name = str(entry["feature_name"])
                totals[name] = totals.get(name, 0.0) + magnitude
            else:
                key = json.dumps(entry.get("timestamp"))
                step_values[key] = entry.get("timestamp")
                by_step.setdefault(key, []).append(magnitude)
        for name, total in totals.items():
            by_feature[name] = by_feature.get(name, 0.0) + total
            feature_items[name] = feature_items.get(name, 0) + 1
    summary: dict[str, Any] = {
        "items": items,
        "horizon": max(horizons) if horizons else 0,
        "direction": direction,
        "granularity": granularity or ("fine_grained" if fine else "timewise"),
    }
    if len(horizons) > 1:
        summary["horizons"] = sorted(horizons)
    if fine:
        ranked = sorted(
            ((name, total / feature_items[name]) for name, total in by_feature.items()),
            key=lambda pair: -pair[1],
        )
        summary["top_features"] = [
            {"feature_name": name, "mean_abs_score": value} for name, value in ranked[: max(top_k, 0)]
        ]
    else:
        means = sorted(
            ((key, sum(values) / len(values)) for key, values in by_step.items()), key=lambda pair: -pair[1]
        )
        summary["top_time_steps"] = [
            {"timestamp": step_values[key], "mean_abs_score": value} for key, value in means[: max(top_k, 0)]
        ]
    return summary


def summarize_explanations_file(
    path: str | Path,
    *,
    direction: str | None = None,
    granularity: str | None = None,
    top_k: int = DEFAULT_TOP_K,
) -> dict[str, Any]:
    """:func:`summarize_explanations` of a local ``out.jsonl`` file, read line by line."""

    def lines() -> Iterable[Mapping[str, Any]]:
        with open(path, encoding="utf-8") as handle:
            for text in handle:
                if text.strip():
                    yield json.loads(text)

    return summarize_explanations(lines(), direction=direction, granularity=granularity, top_k=top_k)
