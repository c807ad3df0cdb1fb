"""The XCom form of a result: a small JSON-able dict, and the way back.

**Size bound.** Per metric entry about 40-60 bytes, per global SHAP feature about 30-40 bytes. Lists that could
grow without limit are capped; the rest of the data stays in ``analysis.json``:

- global SHAP values: at most :data:`XCOM_MAX_SHAP_FEATURES` features per target (the largest by absolute
  value; ``shap_truncated`` counts the features left out),
- NLP top text units: at most :data:`XCOM_MAX_TOP_TEXT` per target,
- PDP: no arrays, only counts and ranges (at most :data:`XCOM_MAX_CATEGORIES` category names per feature),
- warnings: at most :data:`XCOM_MAX_WARNINGS`, each at most :data:`XCOM_MAX_WARNING_CHARS` characters,
- output files: at most :data:`XCOM_MAX_OUTPUT_FILES` entries,
- segments (``segment_config``): whole segments up to ``XCOM_MAX_SEGMENT_METRICS`` (200) metric entries
  (:mod:`.segments`; ``segments_truncated`` counts the rest).

Confidence intervals add ``"ci": [low, high]`` (and, when there is no interval, a ``ci_note`` of at most 200
characters) to a metric entry and the settings once per section: about 40 bytes per metric.

A 50-feature, 10-facet-value analysis with both bias stages, all metrics, SHAP and PDP serialises to well under
:data:`XCOM_DOCUMENTED_BOUND_BYTES` (64 KiB) of JSON (tests/unit/results/test_xcom.py measures it).

**Numbers.** ±∞ are the strings ``"Infinity"`` / ``"-Infinity"`` as in ``analysis.json`` (strict JSON has no
infinity); a metric description equal to the registry's is left out and restored on the way back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.config.metrics import METRIC_DESCRIPTIONS
from airflow_provider_clarify.contract import encode_number
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.intervals import (
    decode_metric_interval,
    decode_settings,
    encode_metric_interval,
    encode_settings,
)
from airflow_provider_clarify.results.kinds import ImageSummary, TimeSeriesSummary
from airflow_provider_clarify.results.numbers import parse_number, required_number
from airflow_provider_clarify.results.parse import MAX_CATEGORIES
from airflow_provider_clarify.results.sections import (
    BiasSection,
    FacetGroup,
    MetricEntry,
    PdpSummary,
    ResultFields,
    ShapSummary,
)
from airflow_provider_clarify.results.segments import (
    XCOM_SEGMENTS_TRUNCATED_KEY,
    decode_segments,
    encode_segments,
)

if TYPE_CHECKING:
    from airflow_provider_clarify.results.model import ClarifyResult

XCOM_FORMAT = 1
"""Version of the XCom dict layout; the key ``clarify_result`` carries it and marks a dict as a Clarify result."""
XCOM_MARKER = "clarify_result"
XCOM_MAX_SHAP_FEATURES = 1000
XCOM_MAX_TOP_TEXT = 50
XCOM_MAX_CATEGORIES = MAX_CATEGORIES
XCOM_MAX_WARNINGS = 50
XCOM_MAX_WARNING_CHARS = 500
XCOM_MAX_OUTPUT_FILES = 200
XCOM_DOCUMENTED_BOUND_BYTES = 64 * 1024

XComPayload = dict[str, Any]
"""The XCom dict: JSON values, so its values really are arbitrary JSON."""


def encode_result(result: ClarifyResult) -> XComPayload:
    """The XCom dict of ``result`` (see the module docstring for its size bound)."""
    files = dict(list(result.output_files.items())[:XCOM_MAX_OUTPUT_FILES])
    payload: XComPayload = {
        XCOM_MARKER: XCOM_FORMAT,
        "engine": result.engine,
        "job_name": result.job_name,
        "job_status": result.job_status,
        "output_uri": result.output_uri,
        "analysis_uri": result.analysis_uri,
        "output_files": files,
        "version": result.version,
        "bias": {stage: _encode_bias_section(section) for stage, section in result.bias.items()},
        "shap": {target: _encode_shap(summary) for target, summary in result.shap.items()},
        "pdp": [_encode_pdp(entry) for entry in result.pdp],
        "warnings": [w[:XCOM_MAX_WARNING_CHARS] for w in result.warnings[:XCOM_MAX_WARNINGS]],
    }
    if len(result.warnings) > XCOM_MAX_WARNINGS:
        payload["warnings_truncated"] = len(result.warnings) - XCOM_MAX_WARNINGS
    if len(result.output_files) > XCOM_MAX_OUTPUT_FILES:
        payload["output_files_truncated"] = len(result.output_files) - XCOM_MAX_OUTPUT_FILES
    counts = {name: count for name, count in result.output_file_counts.items() if name in files}
    if counts:  # pattern entries of output_files (results/files.py)
        payload["output_file_counts"] = counts
    payload.update(
        encode_segments(result.segments, _encode_bias_section)
    )  # segment_config (results/segments.py)
    if result.time_series is not None:  # the other analysis kinds (results/kinds.py): only when present
        payload["time_series"] = result.time_series.to_dict()
    if result.computer_vision is not None:
        payload["computer_vision"] = result.computer_vision.to_dict()
    return payload


def decode_result(payload: object) -> ResultFields:
    """The fields of the result an XCom value (dict or its JSON text) holds; a clear error for anything else."""
    checked = _checked_payload(payload)
    try:
        return ResultFields(
            engine=checked.get("engine") or "local",
            job_name=checked.get("job_name"),
            job_status=checked.get("job_status"),
            output_uri=checked.get("output_uri"),
            analysis_uri=checked.get("analysis_uri"),
            output_files=dict(checked.get("output_files") or {}),
            output_file_counts={str(k): int(v) for k, v in (checked.get("output_file_counts") or {}).items()},
            version=checked.get("version"),
            bias={
                stage: _decode_bias_section(section) for stage, section in (checked.get("bias") or {}).items()
            },
            shap={
                target: _decode_shap(summary, target)
                for target, summary in (checked.get("shap") or {}).items()
            },
            pdp=tuple(_decode_pdp(entry) for entry in checked.get("pdp") or ()),
            warnings=tuple(checked.get("warnings") or ()),
            segments=decode_segments(checked, _decode_bias_section),
            segments_truncated=int(checked.get(XCOM_SEGMENTS_TRUNCATED_KEY, 0)),
            time_series=TimeSeriesSummary.from_dict(checked["time_series"])
            if "time_series" in checked
            else None,
            computer_vision=ImageSummary.from_dict(checked["computer_vision"])
            if "computer_vision" in checked
            else None,
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ClarifyResultError(f"malformed Clarify result XCom: {type(err).__name__}: {err}") from None


def _checked_payload(payload: object) -> Mapping[str, Any]:
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            raise ClarifyResultError("not a Clarify result: a string that is not JSON") from None
        except RecursionError:
            raise ClarifyResultError(
                "not a Clarify result: a JSON string nested too deeply to read"
            ) from None
    if payload is None:
        raise ClarifyResultError(
            "no Clarify result: the value is None (did the upstream task push its return value to XCom?)"
        )
    if not isinstance(payload, Mapping) or XCOM_MARKER not in payload:
        kind = type(payload).__name__
        keys = f" with keys {sorted(map(str, payload))[:10]}" if isinstance(payload, Mapping) else ""
        raise ClarifyResultError(
            f"not a Clarify result: got a {kind}{keys}; expected the XCom value of a ClarifyOperator or "
            f"LocalClarifyOperator (a dict with the key {XCOM_MARKER!r})"
        )
    if payload[XCOM_MARKER] != XCOM_FORMAT:
        raise ClarifyResultError(
            f"Clarify result format {payload[XCOM_MARKER]!r} is not supported (this provider reads "
            f"format {XCOM_FORMAT})"
        )
    return payload


# ------------------------------------------------------------------------------------------------ bias sections


def _encode_bias_section(section: BiasSection) -> dict[str, Any]:
    return {
        "label": section.label,
        "label_value": section.label_value_or_threshold,
        "facets": {
            facet: [
                {"value": group.value_or_threshold, "metrics": [_encode_metric(m) for m in group.metrics]}
                for group in groups
            ]
            for facet, groups in section.facets.items()
        },
        **encode_settings(section.confidence),  # confidence intervals (results/intervals.py)
    }


def _encode_metric(metric: MetricEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": metric.name, "value": encode_number(metric.value)}
    if metric.error is not None:
        entry["error"] = metric.error
    if metric.description != METRIC_DESCRIPTIONS.get(metric.name, ""):
        entry["description"] = metric.description
    entry.update(encode_metric_interval(metric))
    return entry


def _decode_bias_section(section: Mapping[str, Any]) -> BiasSection:
    return BiasSection(
        label=section.get("label"),
        label_value_or_threshold=section.get("label_value"),
        facets={
            facet: tuple(
                FacetGroup(group["value"], tuple(_decode_metric(m, facet) for m in group["metrics"]))
                for group in groups
            )
            for facet, groups in section["facets"].items()
        },
        confidence=decode_settings(section),
    )


def _decode_metric(metric: Mapping[str, Any], facet: str) -> MetricEntry:
    return MetricEntry(
        name=metric["name"],
        value=parse_number(metric.get("value"), f"bias.{facet}.{metric['name']}"),
        error=metric.get("error"),
        description=metric.get("description", METRIC_DESCRIPTIONS.get(metric["name"], "")),
        **decode_metric_interval(metric, f"bias.{facet}.{metric['name']}"),
    )


# ------------------------------------------------------------------------------------------------ SHAP and PDP


def _top_by_magnitude(values: Mapping[str, float], limit: int) -> dict[str, float]:
    if len(values) <= limit:
        return dict(values)
    keep = set(
        sorted(values, key=lambda name: -abs(values[name]) if not math.isnan(values[name]) else 0)[:limit]
    )
    return {name: value for name, value in values.items() if name in keep}


def _encode_shap(summary: ShapSummary) -> dict[str, Any]:
    kept = _top_by_magnitude(summary.global_shap_values, XCOM_MAX_SHAP_FEATURES)
    body: dict[str, Any] = {
        "expected_value": encode_number(summary.expected_value),
        "global_shap_values": {name: encode_number(value) for name, value in kept.items()},
    }
    truncated = summary.shap_truncated + len(summary.global_shap_values) - len(kept)
    if truncated:
        body["shap_truncated"] = truncated
    if summary.global_top_shap_text is not None:
        top = _top_by_magnitude(summary.global_top_shap_text, XCOM_MAX_TOP_TEXT)
        body["global_top_shap_text"] = {unit: encode_number(value) for unit, value in top.items()}
    return body


def _decode_shap(body: Mapping[str, Any], target: str) -> ShapSummary:
    where = f"shap.{target}"
    text = body.get("global_top_shap_text")
    return ShapSummary(
        global_shap_values={
            name: required_number(value, where) for name, value in body["global_shap_values"].items()
        },
        expected_value=parse_number(body.get("expected_value"), where),
        global_top_shap_text=None
        if text is None
        else {u: required_number(v, where) for u, v in text.items()},
        shap_truncated=int(body.get("shap_truncated", 0)),
    )


def _encode_pdp(entry: PdpSummary) -> dict[str, Any]:
    body: dict[str, Any] = {"feature_name": entry.feature_name, "data_type": entry.data_type}
    if entry.error is not None:
        body["error"] = entry.error
        return body
    body.update(
        {
            "label_headers": list(entry.label_headers),
            "num_values": entry.num_values,
            "prediction_min": encode_number(entry.prediction_min),
            "prediction_max": encode_number(entry.prediction_max),
        }
    )
    if entry.value_min is not None:
        body["value_min"] = encode_number(entry.value_min)
        body["value_max"] = encode_number(entry.value_max)
    else:
        body["categories"] = list(entry.categories)
    return body


def _decode_pdp(body: Mapping[str, Any]) -> PdpSummary:
    where = f"pdp.{body['feature_name']}"
    return PdpSummary(
        feature_name=body["feature_name"],
        data_type=body.get("data_type"),
        label_headers=tuple(body.get("label_headers") or ()),
        num_values=int(body.get("num_values", 0)),
        value_min=parse_number(body.get("value_min"), where),
        value_max=parse_number(body.get("value_max"), where),
        categories=tuple(body.get("categories") or ()),
        prediction_min=parse_number(body.get("prediction_min"), where),
        prediction_max=parse_number(body.get("prediction_max"), where),
        error=body.get("error"),
    )
