"""The compact summary of a result: what an Airflow asset event carries in its ``extra``.

An asset event's ``extra`` is stored in the metadata database with every event and handed to every consumer
run, so it must stay small whatever the analysis holds; yet a gate in another DAG should be able to decide from
it alone. The summary is therefore the result's XCom dict (:mod:`.xcom`, so ``ClarifyResult.from_xcom`` reads it
back and the gate accepts it as is) with what a gate never reads left out and a hard size bound:

- every bias metric value per stage, facet and facet value (failed metrics keep their error, cut to
  :data:`SUMMARY_MAX_ERROR_CHARS` characters) — the numbers threshold rules and bias drift checks read;
- the global SHAP values of at most :data:`SUMMARY_MAX_SHAP_FEATURES` features per target (the largest by
  absolute value; SHAP drift is ranked on them) and the expected value;
- the run facts (engine, job name and status, output and ``analysis.json`` URIs), top-level output files
  (analysis.json and the report, not the per-record SHAP files), at most :data:`SUMMARY_MAX_WARNINGS` warnings
  of at most :data:`SUMMARY_MAX_WARNING_CHARS` characters; no PDP.

**Bound.** The summary's compact JSON is at most :data:`SUMMARY_MAX_BYTES` (16 KiB) — about 300 metric entries
(e.g. both stages, every metric, 15 facet values) plus the SHAP top features. Past the bound, facet groups are
dropped from the end (post-training before pre-training), then SHAP targets, then the output-file list and
warnings. What was dropped is counted under the ``clarify_summary`` key; ``complete`` says whether every metric
entry and every global SHAP value is there, so a reader knows when to read the full ``analysis.json``
(``analysis_uri``) instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_clarify.results.model import ClarifyResult
from airflow_provider_clarify.results.sections import BiasSection, FacetGroup, MetricEntry, ShapSummary
from airflow_provider_clarify.results.xcom import XCOM_MARKER, XComPayload

SUMMARY_KEY = "clarify_summary"
"""The key of the summary's own bookkeeping (bound, counts of what was left out); marks a dict as a summary."""
SUMMARY_MAX_BYTES = 16 * 1024
SUMMARY_MAX_SHAP_FEATURES = 20
SUMMARY_MAX_WARNINGS = 5
SUMMARY_MAX_WARNING_CHARS = 200
SUMMARY_MAX_ERROR_CHARS = 200
SUMMARY_MAX_OUTPUT_FILES = 10

_GroupKey = tuple[str, str, int]
"""(stage, facet, position of the facet group): one unit of bias entries the bound drops at a time."""


@dataclasses.dataclass(frozen=True)
class _Dropped:
    """How much of the result a summary left out."""

    bias_entries: int = 0
    shap_features: int = 0
    shap_targets: int = 0
    pdp_entries: int = 0
    warnings: int = 0
    output_files: int = 0


def compact_summary(result: ClarifyResult, *, max_bytes: int = SUMMARY_MAX_BYTES) -> XComPayload:
    """The summary dict of ``result`` (see the module docstring), at most ``max_bytes`` of compact JSON.

    ``ClarifyResult.from_xcom(summary)`` rebuilds a result holding what the summary kept.
    """
    trimmed, dropped = _trimmed(result)
    groups = _group_keys(trimmed)
    keep_groups, keep_targets = len(groups), len(trimmed.shap)
    payload = _payload(trimmed, groups, keep_groups, keep_targets, dropped, max_bytes)
    if _size(payload) <= max_bytes:
        return payload
    keep_groups = _largest_fitting(
        len(groups), lambda n: _payload(trimmed, groups, n, keep_targets, dropped, max_bytes), max_bytes
    )
    payload = _payload(trimmed, groups, keep_groups, keep_targets, dropped, max_bytes)
    if keep_groups or _size(payload) <= max_bytes:
        return payload
    keep_targets = _largest_fitting(
        len(trimmed.shap), lambda n: _payload(trimmed, groups, 0, n, dropped, max_bytes), max_bytes
    )
    payload = _payload(trimmed, groups, 0, keep_targets, dropped, max_bytes)
    if _size(payload) <= max_bytes:
        return payload
    # Only the run facts are left: drop the lists that can still be long.
    bare = dataclasses.replace(trimmed, output_files={}, warnings=())
    dropped = dataclasses.replace(
        dropped,
        output_files=dropped.output_files + len(trimmed.output_files),
        warnings=dropped.warnings + len(trimmed.warnings),
    )
    return _payload(bare, groups, 0, 0, dropped, max_bytes)


def is_summary(value: object) -> bool:
    """Whether ``value`` is a dict made by :func:`compact_summary` (an asset event's ``extra``, say)."""
    return isinstance(value, Mapping) and XCOM_MARKER in value and SUMMARY_KEY in value


def summary_is_complete(summary: Mapping[str, Any]) -> bool:
    """Whether the summary holds every bias metric entry and every global SHAP value of its result."""
    facts = summary.get(SUMMARY_KEY)
    return isinstance(facts, Mapping) and facts.get("complete") is True


# ------------------------------------------------------------------------------------------------ trimming


def _trimmed(result: ClarifyResult) -> tuple[ClarifyResult, _Dropped]:
    """The result without what a summary never carries (PDP, long texts, SHAP past the top features)."""
    shap = {target: _top_shap(summary) for target, summary in result.shap.items()}
    files = {name: uri for name, uri in result.output_files.items() if "/" not in name}
    kept_files = dict(list(files.items())[:SUMMARY_MAX_OUTPUT_FILES])
    trimmed = dataclasses.replace(
        result,
        output_files=kept_files,
        bias={stage: _short_errors(section) for stage, section in result.bias.items()},
        shap=shap,
        pdp=(),
        warnings=tuple(w[:SUMMARY_MAX_WARNING_CHARS] for w in result.warnings[:SUMMARY_MAX_WARNINGS]),
    )
    dropped = _Dropped(
        shap_features=sum(
            len(result.shap[t].global_shap_values) - len(shap[t].global_shap_values) for t in shap
        ),
        pdp_entries=len(result.pdp),
        warnings=max(len(result.warnings) - SUMMARY_MAX_WARNINGS, 0),
        output_files=len(result.output_files) - len(kept_files),
    )
    return trimmed, dropped


def _top_shap(summary: ShapSummary) -> ShapSummary:
    values = summary.global_shap_values
    if len(values) <= SUMMARY_MAX_SHAP_FEATURES:
        return summary
    ranked = sorted(values, key=lambda name: (math.isnan(values[name]), -abs(values[name])))
    keep = set(ranked[:SUMMARY_MAX_SHAP_FEATURES])
    return dataclasses.replace(
        summary,
        global_shap_values={name: value for name, value in values.items() if name in keep},
        global_top_shap_text=None,
        shap_truncated=summary.shap_truncated + len(values) - len(keep),
    )


def _short_errors(section: BiasSection) -> BiasSection:
    return dataclasses.replace(
        section,
        facets={
            facet: tuple(
                FacetGroup(group.value_or_threshold, tuple(_short_error(m) for m in group.metrics))
                for group in groups
            )
            for facet, groups in section.facets.items()
        },
    )


def _short_error(metric: MetricEntry) -> MetricEntry:
    if metric.error is None or len(metric.error) <= SUMMARY_MAX_ERROR_CHARS:
        return metric
    return dataclasses.replace(metric, error=metric.error[:SUMMARY_MAX_ERROR_CHARS])


# ------------------------------------------------------------------------------------------------ the bound


def _group_keys(result: ClarifyResult) -> list[_GroupKey]:
    """Every facet group in result order: stage → facet → group (the order the bound keeps them in)."""
    return [
        (stage, facet, index)
        for stage in result.stages
        for facet, groups in result.bias[stage].facets.items()
        for index in range(len(groups))
    ]


def _payload(
    result: ClarifyResult,
    groups: list[_GroupKey],
    keep_groups: int,
    keep_targets: int,
    dropped: _Dropped,
    max_bytes: int,
) -> XComPayload:
    kept = set(groups[:keep_groups])
    bias: dict[str, BiasSection] = {}
    entries_dropped = 0
    for stage, section in result.bias.items():
        facets: dict[str, tuple[FacetGroup, ...]] = {}
        for facet, facet_groups in section.facets.items():
            chosen = tuple(g for i, g in enumerate(facet_groups) if (stage, facet, i) in kept)
            entries_dropped += sum(len(g.metrics) for g in facet_groups) - sum(len(g.metrics) for g in chosen)
            if chosen:
                facets[facet] = chosen
        if facets:
            bias[stage] = dataclasses.replace(section, facets=facets)
    targets = list(result.shap)[:keep_targets]
    shap = {target: result.shap[target] for target in targets}
    left_out = [t for t in result.shap if t not in shap]
    counts = dataclasses.replace(
        dropped,
        bias_entries=dropped.bias_entries + entries_dropped,
        shap_targets=dropped.shap_targets + len(left_out),
        shap_features=dropped.shap_features + sum(len(result.shap[t].global_shap_values) for t in left_out),
    )
    payload = dataclasses.replace(result, bias=bias, shap=shap).to_xcom()
    complete = counts.bias_entries == 0 and counts.shap_features == 0 and counts.shap_targets == 0
    payload[SUMMARY_KEY] = {"max_bytes": max_bytes, "complete": complete, **_nonzero(counts)}
    return payload


def _nonzero(dropped: _Dropped) -> dict[str, int]:
    return {f"{name}_dropped": count for name, count in dataclasses.asdict(dropped).items() if count}


def _largest_fitting(upper: int, build: Callable[[int], XComPayload], max_bytes: int) -> int:
    """The largest n in [0, upper] whose ``build(n)`` fits ``max_bytes`` (sizes grow with n); 0 if none."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if _size(build(middle)) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    return low


def _size(payload: XComPayload) -> int:
    """Bytes of the compact JSON Airflow stores (UTF-8)."""
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
