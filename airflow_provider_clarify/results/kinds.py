"""Compact summaries of the other analysis kinds in a result: time-series and computer-vision explanations.

Why summaries and not the data: a result travels through XCom and asset events, so it carries what a downstream
task decides on (how many items or images, the horizon, the labels, the inputs that mattered most, where the full
files are) and never the per-item scores or pixels, which stay in the output files.

- **Time series** (``explanations.asymmetric_shapley_value``): direction, granularity and the results file from
  analysis.json; items, horizon and the top time steps (timewise) or features (fine-grained) by mean |score| from
  the summary of ``out.jsonl`` that the caller read (the local operator does; the engine's
  ``timeseries.summarize_explanations_file``) — without it those stay unset.
- **Computer vision** (``explanations.computer_vision``): everything from analysis.json — model type, label
  headers, counts of images and explanations, explanations per label, the JSON Lines file, how many heatmaps
  there are and the first few of their names.

Every list is capped (:data:`MAX_TOP`, :data:`MAX_LABELS`, :data:`MAX_FILES`) and every text cut at
:data:`MAX_TEXT` characters, so the XCom form of either summary stays under 4 KiB whatever the analysis holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.numbers import parse_number

MAX_TOP = 10
"""Top time steps or features kept."""
MAX_LABELS = 20
"""Label headers (and explanations per label) kept."""
MAX_FILES = 5
"""Heatmap file names kept (the first ones; the count says how many there are)."""
MAX_TEXT = 120
"""Characters kept of any name (timestamp, feature, label, file)."""


def _text(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text[:MAX_TEXT]


def _optional_int(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClarifyResultError(f"{where}: expected an integer, got {value!r}")
    return value


def _ranked(entries: object, key: str, where: str) -> tuple[tuple[str, float], ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ClarifyResultError(f"{where}: expected a list")
    ranked = []
    for index, entry in enumerate(entries[:MAX_TOP]):
        if not isinstance(entry, Mapping) or key not in entry:
            raise ClarifyResultError(
                f"{where}[{index}]: expected an object with {key!r} and 'mean_abs_score'"
            )
        score = parse_number(entry.get("mean_abs_score"), f"{where}[{index}].mean_abs_score")
        ranked.append((_text(entry[key]), 0.0 if score is None else score))
    return tuple(ranked)


@dataclass(frozen=True)
class TimeSeriesSummary:
    """Time-series explanations in brief; ``items`` is None when ``out.jsonl`` was not summarised."""

    direction: str | None
    granularity: str | None
    results_path: str | None
    items: int | None = None
    horizon: int | None = None
    top_time_steps: tuple[tuple[str, float], ...] = ()
    """(timestamp as the dataset writes it, mean |score| over items and horizon), largest first."""
    top_features: tuple[tuple[str, float], ...] = ()
    """(feature, mean over items of its total |score|), largest first (fine-grained)."""

    def to_dict(self) -> dict[str, Any]:
        """The XCom form (also what :func:`time_series_summary` reads back as ``summary``)."""
        body: dict[str, Any] = {
            "direction": self.direction,
            "granularity": self.granularity,
            "results_path": self.results_path,
        }
        if self.items is not None:
            body.update({"items": self.items, "horizon": self.horizon})
            if self.top_time_steps:
                body["top_time_steps"] = [
                    {"timestamp": t, "mean_abs_score": s} for t, s in self.top_time_steps
                ]
            if self.top_features:
                body["top_features"] = [
                    {"feature_name": f, "mean_abs_score": s} for f, s in self.top_features
                ]
        return body

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], where: str = "time_series") -> TimeSeriesSummary:
        return cls(
            direction=_optional_text(body.get("direction")),
            granularity=_optional_text(body.get("granularity")),
            results_path=_optional_text(body.get("results_path") or body.get("explanation_results_path")),
            items=_optional_int(body.get("items"), f"{where}.items"),
            horizon=_optional_int(body.get("horizon"), f"{where}.horizon"),
            top_time_steps=_ranked(body.get("top_time_steps"), "timestamp", f"{where}.top_time_steps"),
            top_features=_ranked(body.get("top_features"), "feature_name", f"{where}.top_features"),
        )


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def time_series_summary(entry: object, summary: Mapping[str, Any] | None = None) -> TimeSeriesSummary | None:
    """The summary of ``explanations.asymmetric_shapley_value`` (None when absent) and, when given, of the
    ``summarize_explanations`` dict of its ``out.jsonl``."""
    if entry is None:
        return None
    where = "explanations.asymmetric_shapley_value"
    if not isinstance(entry, Mapping):
        raise ClarifyResultError(f"{where}: expected an object")
    merged = {**(summary or {}), **{k: entry[k] for k in ("direction", "granularity") if k in entry}}
    merged["results_path"] = entry.get("explanation_results_path")
    return TimeSeriesSummary.from_dict(merged, where if summary is None else "time-series summary")


@dataclass(frozen=True)
class ImageSummary:
    """Computer-vision explanations in brief: counts, labels, files (never pixels or values)."""

    model_type: str | None
    label_headers: tuple[str, ...]
    num_images: int | None
    num_explanations: int | None
    explanations_per_label: dict[str, int]
    local_explanations: str | None
    num_heatmaps: int
    heatmaps: tuple[str, ...] = ()
    """The first :data:`MAX_FILES` heatmap files (relative to the output location)."""
    labels_truncated: int = 0
    """Label headers left out (past :data:`MAX_LABELS`)."""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model_type": self.model_type,
            "label_headers": list(self.label_headers),
            "num_images": self.num_images,
            "num_explanations": self.num_explanations,
            "explanations_per_label": dict(self.explanations_per_label),
            "local_explanations": self.local_explanations,
            "num_heatmaps": self.num_heatmaps,
            "heatmaps": list(self.heatmaps),
        }
        if self.labels_truncated:
            body["labels_truncated"] = self.labels_truncated
        return body

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], where: str = "computer_vision") -> ImageSummary:
        per_label = body.get("explanations_per_label") or {}
        if not isinstance(per_label, Mapping):
            raise ClarifyResultError(f"{where}.explanations_per_label: expected an object")
        headers = [_text(h) for h in body.get("label_headers") or ()]
        return cls(
            model_type=_optional_text(body.get("model_type")),
            label_headers=tuple(headers[:MAX_LABELS]),
            num_images=_optional_int(body.get("num_images"), f"{where}.num_images"),
            num_explanations=_optional_int(body.get("num_explanations"), f"{where}.num_explanations"),
            explanations_per_label={
                _text(label): int(count) for label, count in list(per_label.items())[:MAX_LABELS]
            },
            local_explanations=_optional_text(body.get("local_explanations")),
            num_heatmaps=_optional_int(body.get("num_heatmaps"), f"{where}.num_heatmaps") or 0,
            heatmaps=tuple(_text(name) for name in (body.get("heatmaps") or ())[:MAX_FILES]),
            labels_truncated=int(body.get("labels_truncated", 0)) + max(len(headers) - MAX_LABELS, 0),
        )


def image_summary(section: object) -> ImageSummary | None:
    """The summary of ``explanations.computer_vision`` (None when absent)."""
    if section is None:
        return None
    where = "explanations.computer_vision"
    if not isinstance(section, Mapping):
        raise ClarifyResultError(f"{where}: expected an object")
    images = section.get("images") or []
    if not isinstance(images, list):
        raise ClarifyResultError(f"{where}.images: expected a list")
    heatmaps = [
        str(name) for image in images if isinstance(image, Mapping) for name in image.get("heatmaps") or ()
    ]
    return ImageSummary.from_dict({**section, "num_heatmaps": len(heatmaps), "heatmaps": heatmaps}, where)
