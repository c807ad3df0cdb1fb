"""Per-segment bias metrics of ``segment_config`` (segments/analysis_segments.json) in the result model: reading
the file, the flat rows of every segment, and the XCom form.

Why apart from analysis.json's rows: a gate rule without a ``segment`` checks the whole dataset, as always; only a
rule that names a segment reads these rows, so adding ``segment_config`` to an analysis never changes what an
existing gate decides.

XCom bound: segments multiply the metric entries (configs × segments × facet groups × metrics), so the XCom form
keeps whole segments, in file order, until :data:`XCOM_MAX_SEGMENT_METRICS` (200) metric entries are reached, and counts
the segments left out (``segments_truncated``); a gate rule that names a left-out segment fails with a message
saying so. The file itself always has them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from airflow_provider_clarify.contract import SEGMENTS_PATH
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.parse import parse_bias_section
from airflow_provider_clarify.results.sections import (
    SECTION_KEYS,
    STAGES,
    BiasMetricRow,
    BiasSection,
    SegmentResult,
)

XCOM_MAX_SEGMENT_METRICS = 200
"""Segment metric entries kept in the XCom form (about 85 bytes each with an interval: ~17 KiB)."""
XCOM_SEGMENTS_KEY = "segments"
XCOM_SEGMENTS_TRUNCATED_KEY = "segments_truncated"


def read_segments(local_dir: Path | None) -> Mapping[str, Any] | None:
    """The segments document beside a local analysis.json, or ``None`` when there is none."""
    if local_dir is None:
        return None
    path = local_dir / SEGMENTS_PATH
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ClarifyResultError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(document, Mapping):
        raise ClarifyResultError(f"{path}: expected a JSON object")
    return document


def parse_segments(document: Mapping[str, Any] | None) -> tuple[SegmentResult, ...]:
    """Every segment of every config in a segments document (``()`` for ``None``)."""
    if document is None:
        return ()
    configs = document.get("segment_configs")
    if not isinstance(configs, list):
        raise ClarifyResultError("segments: expected 'segment_configs', a list")
    results = []
    for k, config in enumerate(configs):
        where = f"segments.segment_configs[{k}]"
        if not isinstance(config, Mapping) or not isinstance(config.get("segments"), list):
            raise ClarifyResultError(f"{where}: expected an object with a 'segments' list")
        name = str(config.get("config_name") or config.get("column") or k)
        for j, segment in enumerate(config["segments"]):
            results.append(_parse_segment(segment, name, config.get("column"), f"{where}.segments[{j}]"))
    return tuple(results)


def _parse_segment(segment: object, config_name: str, column: object, where: str) -> SegmentResult:
    if not isinstance(segment, Mapping) or "name" not in segment:
        raise ClarifyResultError(f"{where}: expected an object with a 'name'")
    return SegmentResult(
        config_name=config_name,
        column=None if column is None else str(column),
        name=str(segment["name"]),
        values=tuple(str(v) for v in segment.get("values") or ()),
        is_default=bool(segment.get("is_default", False)),
        bias={
            stage: parse_bias_section(segment[key], f"{where}.{key}")
            for stage, key in SECTION_KEYS.items()
            if segment.get(key) is not None
        },
    )


def segment_rows(segments: Iterable[SegmentResult]) -> list[BiasMetricRow]:
    """Every metric of every segment as a flat row carrying ``segment_config`` and ``segment``."""
    rows = []
    for segment in segments:
        for stage in STAGES:
            section = segment.bias.get(stage)
            if section is not None:
                rows.extend(section_rows(stage, section, segment))
    return rows


def section_rows(
    stage: str, section: BiasSection, segment: SegmentResult | None = None
) -> list[BiasMetricRow]:
    """The rows of one bias section (of the whole dataset, or of ``segment``)."""
    level = section.confidence.level if section.confidence is not None else None
    return [
        BiasMetricRow(
            stage=stage,
            label=section.label,
            label_value=section.label_value_or_threshold,
            facet=facet,
            facet_value=group.value_or_threshold,
            metric=entry.name,
            description=entry.description,
            value=entry.value,
            error=entry.error,
            confidence_interval=entry.confidence_interval,
            confidence_level=level if entry.confidence_interval is not None else None,
            confidence_note=entry.confidence_note,
            segment_config=segment.config_name if segment is not None else None,
            segment=segment.name if segment is not None else None,
        )
        for facet, groups in section.facets.items()
        for group in groups
        for entry in group.metrics
    ]


OPTIONAL_ROW_KEYS = (
    "confidence_interval",
    "confidence_level",
    "confidence_note",
    "segment_config",
    "segment",
)


def row_dict(row: BiasMetricRow) -> dict[str, Any]:
    """A row as a plain dict; the interval and segment keys only when set."""
    return {
        key: value for key, value in asdict(row).items() if value is not None or key not in OPTIONAL_ROW_KEYS
    }


def describe_segments(segments: Iterable[SegmentResult]) -> str:
    """``config: [segment, ...]`` for error messages."""
    by_config: dict[str, list[str]] = {}
    for segment in segments:
        by_config.setdefault(segment.config_name, []).append(segment.name)
    return "; ".join(f"{config}: {names}" for config, names in by_config.items()) or "no segments"


# --------------------------------------------------------------------------------------------------- XCom form


def encode_segments(
    segments: tuple[SegmentResult, ...], encode_section: Callable[[BiasSection], dict[str, Any]]
) -> dict[str, Any]:
    """The XCom keys of the segments (none without segments), whole segments up to the metric-entry bound."""
    if not segments:
        return {}
    kept, entries = [], 0
    for segment in segments:
        size = sum(
            len(group.metrics) for s in segment.bias.values() for g in s.facets.values() for group in g
        )
        if entries + size > XCOM_MAX_SEGMENT_METRICS:
            break
        entries += size
        kept.append(
            {
                "config": segment.config_name,
                "column": segment.column,
                "name": segment.name,
                "values": list(segment.values),
                "default": segment.is_default,
                "bias": {stage: encode_section(section) for stage, section in segment.bias.items()},
            }
        )
    payload: dict[str, Any] = {XCOM_SEGMENTS_KEY: kept}
    if len(kept) < len(segments):
        payload[XCOM_SEGMENTS_TRUNCATED_KEY] = len(segments) - len(kept)
    return payload


def decode_segments(
    payload: Mapping[str, Any], decode_section: Callable[[Mapping[str, Any]], BiasSection]
) -> tuple[SegmentResult, ...]:
    return tuple(
        SegmentResult(
            config_name=item["config"],
            column=item.get("column"),
            name=item["name"],
            values=tuple(item.get("values") or ()),
            is_default=bool(item.get("default", False)),
            bias={stage: decode_section(section) for stage, section in item["bias"].items()},
        )
        for item in payload.get(XCOM_SEGMENTS_KEY) or ()
    )
