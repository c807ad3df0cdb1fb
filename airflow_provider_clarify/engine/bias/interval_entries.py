"""Confidence intervals added to the bias sections of analysis.json (only when the ``confidence`` option is set).

The intervals come from each facet group's contingency tables (``compute_intervals``), the same tables the
metric values were computed from: nothing here reads a row, so a run whose tables were counted in shards and
merged gets the same intervals as a single-process run.

What a section gains (docs/intervals.md, "In analysis.json"):

* each metric object: ``"confidence_interval": [low, high]`` (either end may be ±∞, written as the infinity
  strings; ``[null, null]`` when there is no interval) and, only when there is something to report,
  ``"confidence_interval_notes"``: the replicates that were ``positive_infinite`` / ``negative_infinite`` /
  ``undefined`` (with ``undefined_reasons``), the ``method`` actually used when it differs from the requested
  one, and a ``note`` (why there is no interval, or why a fallback was taken);
* the section, once: ``"confidence_interval_settings": {"level", "replicates", "method", "seed"}``.

FT gets ``[null, null]`` and a note: it is computed from feature rows (a nearest-neighbour search), not from the
counts, so there is nothing to resample.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ...contract import CONFIDENCE_INTERVAL_KEY, CONFIDENCE_NOTES_KEY, CONFIDENCE_SETTINGS_KEY
from .groups import FacetGroup
from .intervals import INTERVAL_METRICS, IntervalSettings, MetricInterval, compute_intervals

log = logging.getLogger("airflow_provider_clarify.engine")

PRE_TRAINING, POST_TRAINING = "pre_training", "post_training"
FT_NOTE = (
    "FT has no confidence interval: it is computed from the feature rows (a nearest-neighbour search), not from "
    "the contingency table"
)


def settings_entry(settings: IntervalSettings) -> dict[str, Any]:
    """What a section (or SHAP target) states once: how its intervals were computed."""
    return {
        "level": settings.level,
        "replicates": settings.replicates,
        "method": settings.method,
        "seed": settings.seed,
    }


def add_section_intervals(
    section: dict[str, Any], groups: Sequence[FacetGroup], stage: str, settings: IntervalSettings
) -> None:
    """Add intervals to every metric object of ``section``, which ``bias_section`` built from ``groups``.

    ``stage`` (``"pre_training"`` / ``"post_training"``) says which table each group's metrics come from.
    """
    position: dict[str, int] = {}
    for group in groups:
        column = group.role.column
        index = position.get(column, 0)
        position[column] = index + 1
        entry = section["facets"][column][index]
        intervals = group_intervals(group, [m["name"] for m in entry["metrics"]], stage, settings)
        for metric in entry["metrics"]:
            metric.update(metric_fields(metric["name"], intervals.get(metric["name"]), settings))
    section[CONFIDENCE_SETTINGS_KEY] = settings_entry(settings)


def group_intervals(
    group: FacetGroup, names: Sequence[str], stage: str, settings: IntervalSettings
) -> dict[str, MetricInterval | str]:
    """Interval (or the reason there is none) of each count-based metric in ``names`` for one facet group."""
    assert group.builder is not None, "intervals are computed after the tables are counted"
    wanted = [name for name in names if name in INTERVAL_METRICS]
    label = group.builder.label_table() if stage == PRE_TRAINING else None
    prediction = group.builder.prediction_table() if stage == POST_TRAINING else None
    try:
        return dict(compute_intervals(label, prediction, wanted, settings))
    except Exception:  # one metric's trouble must not take the others' intervals with it
        results: dict[str, MetricInterval | str] = {}
        for name in wanted:
            try:
                results[name] = compute_intervals(label, prediction, [name], settings)[name]
            except Exception as error:  # an interval that fails never fails the job (like a metric)
                log.warning(
                    "%s interval failed for facet %s=%s: %s", name, group.role.column, group.text, error
                )
                results[name] = f"no interval: {error}"
        return results


def metric_fields(
    name: str, interval: MetricInterval | str | None, settings: IntervalSettings
) -> dict[str, Any]:
    """The keys one metric object gains: ``confidence_interval`` and, when there is news, its notes."""
    if interval is None or isinstance(interval, str):
        note = FT_NOTE if name == "FT" else (interval or "no interval: not a count-based metric")
        return {CONFIDENCE_INTERVAL_KEY: [None, None], CONFIDENCE_NOTES_KEY: {"note": note}}
    fields: dict[str, Any] = {CONFIDENCE_INTERVAL_KEY: [interval.low, interval.high]}
    notes = interval_notes(interval, settings)
    if notes:
        fields[CONFIDENCE_NOTES_KEY] = notes
    return fields


def interval_notes(interval: MetricInterval, settings: IntervalSettings) -> dict[str, Any]:
    """The counted ±∞ / undefined replicates, a method fallback and the note; empty when all is plain."""
    notes: dict[str, Any] = {}
    for key in ("positive_infinite", "negative_infinite", "undefined"):
        count = getattr(interval, key)
        if count:
            notes[key] = count
    if interval.undefined_reasons:
        notes["undefined_reasons"] = dict(interval.undefined_reasons)
    if interval.method != settings.method:
        notes["method"] = interval.method
    if interval.note:
        notes["note"] = interval.note
    return notes
