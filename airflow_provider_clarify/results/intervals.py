"""Confidence intervals as analysis.json holds them (when the engine ran with the ``confidence`` option), read into
the result model, and the XCom spelling of the same.

On a metric object: ``"confidence_interval": [low, high]`` (±∞ as the infinity strings, ``[null, null]`` without
interval) and, when there is something to say, ``"confidence_interval_notes"`` (whose ``note`` is kept as
``MetricEntry.confidence_note``). On a section: ``"confidence_interval_settings"``. A document without these keys
(the managed job's, or the engine's without the option) reads as "no intervals": every field stays ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_clarify.contract import (
    CONFIDENCE_INTERVAL_KEY,
    CONFIDENCE_NOTES_KEY,
    CONFIDENCE_SETTINGS_KEY,
    encode_number,
)
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.numbers import parse_number
from airflow_provider_clarify.results.sections import IntervalSettingsInfo, MetricEntry

XCOM_INTERVAL_KEY = "ci"
XCOM_NOTE_KEY = "ci_note"
XCOM_SETTINGS_KEY = "confidence"
XCOM_MAX_NOTE_CHARS = 200


def metric_interval_fields(metric: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``confidence_interval`` / ``confidence_note`` of a metric object (empty when it has no interval key)."""
    if CONFIDENCE_INTERVAL_KEY not in metric:
        return {}
    pair = metric[CONFIDENCE_INTERVAL_KEY]
    if not isinstance(pair, list) or len(pair) != 2:
        raise ClarifyResultError(f"{where}.{CONFIDENCE_INTERVAL_KEY}: expected [low, high], got {pair!r}")
    low = parse_number(pair[0], f"{where}.{CONFIDENCE_INTERVAL_KEY}[0]")
    high = parse_number(pair[1], f"{where}.{CONFIDENCE_INTERVAL_KEY}[1]")
    notes = metric.get(CONFIDENCE_NOTES_KEY)
    note = notes.get("note") if isinstance(notes, Mapping) else None
    return {
        "confidence_interval": None if low is None or high is None else (low, high),
        "confidence_note": None if note is None else str(note),
    }


def section_interval_settings(section: Mapping[str, Any], where: str) -> IntervalSettingsInfo | None:
    """A section's ``confidence_interval_settings``, or ``None`` when its metrics carry no intervals."""
    settings = section.get(CONFIDENCE_SETTINGS_KEY)
    if settings is None:
        return None
    try:
        return IntervalSettingsInfo(
            level=float(settings["level"]),
            replicates=int(settings["replicates"]),
            method=str(settings["method"]),
            seed=None if settings.get("seed") is None else int(settings["seed"]),
        )
    except (TypeError, KeyError, ValueError) as error:
        raise ClarifyResultError(
            f"{where}.{CONFIDENCE_SETTINGS_KEY}: expected {{level, replicates, method, seed}}, got {settings!r} "
            f"({type(error).__name__}: {error})"
        ) from None


# --------------------------------------------------------------------------------------------------- XCom form


def encode_metric_interval(metric: MetricEntry) -> dict[str, Any]:
    """The interval keys of a metric's XCom entry (none when it has no interval and no note)."""
    entry: dict[str, Any] = {}
    if metric.confidence_interval is not None:
        entry[XCOM_INTERVAL_KEY] = [encode_number(end) for end in metric.confidence_interval]
    if metric.confidence_note is not None:
        entry[XCOM_NOTE_KEY] = metric.confidence_note[:XCOM_MAX_NOTE_CHARS]
    return entry


def decode_metric_interval(entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    pair = entry.get(XCOM_INTERVAL_KEY)
    interval = None
    if pair is not None:
        low, high = parse_number(pair[0], where), parse_number(pair[1], where)
        interval = None if low is None or high is None else (low, high)
    return {"confidence_interval": interval, "confidence_note": entry.get(XCOM_NOTE_KEY)}


def encode_settings(settings: IntervalSettingsInfo | None) -> dict[str, Any]:
    if settings is None:
        return {}
    return {
        XCOM_SETTINGS_KEY: {
            "level": settings.level,
            "replicates": settings.replicates,
            "method": settings.method,
            "seed": settings.seed,
        }
    }


def decode_settings(section: Mapping[str, Any]) -> IntervalSettingsInfo | None:
    settings = section.get(XCOM_SETTINGS_KEY)
    if settings is None:
        return None
    return IntervalSettingsInfo(
        float(settings["level"]), int(settings["replicates"]), str(settings["method"]), settings.get("seed")
    )
