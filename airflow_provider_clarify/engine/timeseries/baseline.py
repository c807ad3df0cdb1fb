"""What replaces an input left out of a coalition: the baseline of each item (Clarify asymmetric Shapley docs).

Temporal inputs (target and related series) use ``zero`` (0.0) or ``mean`` (the mean of that item's own series,
per series); static covariates use the values given per item id. The baseline comes inline in the config or as a
URI (local path or ``s3://``) of a JSON file holding the same object (SDK: ``baseline`` may be a str); a URI
baseline is checked with the same rules as an inline one before any model call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...config.time_series import TIME_SERIES_METHOD, TimeSeriesBaseline, TimeSeriesSettings
from ...config.time_series_rules import baseline_problems
from ..data.sources import S3Client, list_files
from ..errors import AnalysisError
from .series import ItemSeries, StaticValue

BASELINE_PATH = f"methods.{TIME_SERIES_METHOD}.baseline"


@dataclass(frozen=True)
class ItemBaseline:
    """Baseline values of one item, shaped like its inputs; ``statics`` is ``None`` when statics stay as they are
    (timewise explanations do not explain static covariates)."""

    target: np.ndarray
    related: np.ndarray
    statics: tuple[StaticValue, ...] | None


def resolve_baseline(
    settings: TimeSeriesSettings, *, s3_client: S3Client | None = None, scratch: Path | None = None
) -> TimeSeriesBaseline:
    """The inline baseline, or the one a URI points at (read and checked now, before any model call)."""
    baseline = settings.method.baseline
    if not isinstance(baseline, str):
        return settings.method.inline_baseline
    files = list_files(baseline, BASELINE_PATH, s3_client=s3_client, scratch=scratch)
    if len(files) != 1:
        raise AnalysisError(
            f"{BASELINE_PATH}: {baseline} holds {len(files)} files; point it at one JSON file"
        )
    try:
        loaded = json.loads(files[0].read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnalysisError(f"{BASELINE_PATH}: {baseline} is not a JSON file ({error})") from None
    if not isinstance(loaded, Mapping):
        raise AnalysisError(
            f"{BASELINE_PATH}: {baseline} must hold an object like "
            '{"target_time_series": "zero", "static_covariates": {"item1": [0]}}'
        )
    problems = baseline_problems(loaded, len(settings.data.static_covariates), BASELINE_PATH)
    if problems:
        raise AnalysisError(f"{baseline}: " + "; ".join(str(problem) for problem in problems))
    return TimeSeriesBaseline.from_dict(loaded)


def check_static_baselines(
    items: Sequence[ItemSeries], baseline: TimeSeriesBaseline, fine_grained: bool
) -> None:
    """Fine-grained explanations replace static covariates, so every item needs its baseline entry."""
    if not fine_grained or not items or items[0].static_count == 0:
        return
    given = baseline.static_covariates
    if given is None:
        raise AnalysisError(
            f"{BASELINE_PATH}.static_covariates: required with granularity fine_grained and static covariates: one "
            f"list of {items[0].static_count} value(s) per item id"
        )
    missing = [item.item_id for item in items if str(item.item_id) not in given]
    if missing:
        shown = ", ".join(repr(str(item_id)) for item_id in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise AnalysisError(
            f"{BASELINE_PATH}.static_covariates has no entry for item id(s) {shown}{more}; give one list of "
            f"{items[0].static_count} value(s) per item id of the dataset"
        )


def item_baseline(item: ItemSeries, baseline: TimeSeriesBaseline, fine_grained: bool) -> ItemBaseline:
    """The baseline values of ``item`` (``mean`` is the mean of the item's own series, per series)."""
    if baseline.target_time_series == "mean":
        target = np.full(item.history_length, float(np.mean(item.target)))
    else:
        target = np.zeros(item.history_length)
    if baseline.related_time_series == "mean" and item.related_count:
        related = np.repeat(item.related.mean(axis=1, keepdims=True), item.length, axis=1)
    else:
        related = np.zeros_like(item.related)
    statics = None
    if fine_grained and item.static_count:
        given = baseline.static_covariates or {}
        if str(item.item_id) not in given:  # check_static_baselines reports every missing item first
            raise AnalysisError(
                f"{BASELINE_PATH}.static_covariates has no entry for item id {str(item.item_id)!r}"
            )
        statics = tuple(given[str(item.item_id)])
    return ItemBaseline(target, related, statics)
