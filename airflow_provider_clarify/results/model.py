"""``ClarifyResult``: one compact, engine-independent view of a Clarify ``analysis.json``.

Both engines (the managed processing job and the in-worker engine) write the same ``analysis.json`` (reference §8), so
downstream tasks — gates, dashboards, templates — read this one model and never care which engine ran. Building
it is the parser's job (:mod:`.parse`) and the XCom codec's (:mod:`.xcom`); this module holds the result and the
look-ups on it.

**Numbers.** In the Python objects ±∞ are ``float("inf")``; a failed metric keeps ``value=None`` and its
``error`` string. NaN never survives parsing: it becomes ``None`` like in the container.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_clarify.config.metrics import METRIC_STAGES
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.kinds import ImageSummary, TimeSeriesSummary
from airflow_provider_clarify.results.parse import RunFacts, parse_analysis
from airflow_provider_clarify.results.sections import (
    STAGES,
    BiasMetricRow,
    BiasSection,
    PdpSummary,
    SegmentResult,
    ShapSummary,
    facet_value_text,
    normalise_stage,
    same_facet_value,
)
from airflow_provider_clarify.results.segments import describe_segments, row_dict, section_rows, segment_rows
from airflow_provider_clarify.results.xcom import XComPayload, decode_result, encode_result


@dataclass(frozen=True)
class ClarifyResult:
    """The summary of one Clarify analysis. Build it with :meth:`from_analysis` or :meth:`from_xcom`."""

    engine: str = "local"
    job_name: str | None = None
    job_status: str | None = None
    output_uri: str | None = None
    analysis_uri: str | None = None
    output_files: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    bias: dict[str, BiasSection] = field(default_factory=dict)
    shap: dict[str, ShapSummary] = field(default_factory=dict)
    pdp: tuple[PdpSummary, ...] = ()
    warnings: tuple[str, ...] = ()
    # --- segment_config (results/segments.py) ---
    segments: tuple[SegmentResult, ...] = ()
    """Per-segment bias metrics (segments/analysis_segments.json); empty without ``segment_config``."""
    segments_truncated: int = 0
    """Segments left out of the XCom form this result was rebuilt from (its size bound)."""
    # --- the other analysis kinds (results/kinds.py) ---
    time_series: TimeSeriesSummary | None = None
    """Time-series explanations in brief (``explanations.asymmetric_shapley_value``); None for other kinds."""
    computer_vision: ImageSummary | None = None
    """Computer-vision explanations in brief (``explanations.computer_vision``); None for other kinds."""
    output_file_counts: dict[str, int] = field(default_factory=dict)
    """For each pattern entry of ``output_files`` (``"*.jpeg"``), how many files it stands for (results/files.py)."""

    # ---------------------------------------------------------------------------------------------- building

    @classmethod
    def from_analysis(
        cls,
        path_or_dict: str | Path | Mapping[str, Any],
        *,
        engine: str = "local",
        job_name: str | None = None,
        job_status: str | None = None,
        output_uri: str | None = None,
        output_files: Mapping[str, str] | Iterable[str] | None = None,
        warnings: Iterable[str] | None = None,
        segments: Mapping[str, Any] | None = None,
        explanation_summaries: Mapping[str, Any] | None = None,
    ) -> ClarifyResult:
        """Parse an ``analysis.json`` (a dict, a local file, or a local output directory holding one).

        ``output_uri`` is the output location (local directory or ``s3://`` prefix); for a local path it defaults
        to the file's directory. ``output_files`` maps file names relative to the output location to URIs, or
        lists relative names (joined to ``output_uri``); for a local path it defaults to every file of
        that directory (analysis.json, report, ``explanations_shap/*``; hidden files excepted). ``segments`` is the
        ``segments/analysis_segments.json`` document (``segment_config``); for a local path it is read from beside
        analysis.json when it exists. ``explanation_summaries`` holds summaries of explanation files read by the
        caller: ``{"time_series": <summarize_explanations dict of out.jsonl>}`` (the local operator passes it).
        """
        run = RunFacts(
            engine, job_name, job_status, output_uri, output_files, warnings, segments, explanation_summaries
        )
        return cls(**parse_analysis(path_or_dict, run))

    @classmethod
    def from_xcom(cls, payload: object) -> ClarifyResult:
        """Rebuild a result from :meth:`to_xcom` output (also accepts a ClarifyResult or its JSON string)."""
        if isinstance(payload, ClarifyResult):
            return payload
        return cls(**decode_result(payload))

    def to_xcom(self) -> XComPayload:
        """A small JSON-able dict (size bound: :mod:`airflow_provider_clarify.results.xcom`); see :meth:`from_xcom`."""
        return encode_result(self)

    # ---------------------------------------------------------------------------------------------- look-ups

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(stage for stage in STAGES if stage in self.bias)

    def facets(self, stage: str | None = None) -> list[str]:
        """Facet column names, in analysis.json order, over one stage or all."""
        names: dict[str, None] = {}
        for section_stage, section in self.bias.items():
            if stage in (None, section_stage):
                names.update(dict.fromkeys(section.facets))
        return list(names)

    def facet_values(self, facet: str, stage: str | None = None) -> list[str]:
        values: dict[str, None] = {}
        for section_stage, section in self.bias.items():
            if stage in (None, section_stage):
                values.update(
                    dict.fromkeys(group.value_or_threshold for group in section.facets.get(facet, ()))
                )
        return list(values)

    def metric_names(self, stage: str | None = None) -> list[str]:
        return sorted({row.metric for row in self.rows() if stage in (None, row.stage)})

    def rows(self) -> list[BiasMetricRow]:
        """Every bias metric as a flat row, stage → facet → facet value → metric order.

        Key names avoid the clash of "value": ``facet_value`` is the facet group string (reference §4, e.g.
        ``"Female"`` or ``"(40, 68]"``), ``value`` is the metric's number (None on error, ±inf as float).
        """
        rows: list[BiasMetricRow] = []
        for stage in self.stages:
            rows.extend(section_rows(stage, self.bias[stage]))  # with intervals when analysis.json has them
        return rows

    def row_dicts(self) -> list[dict[str, Any]]:
        """:meth:`rows` as plain dicts (JSON-able once ±inf is encoded; see ``contract.encode_number``).

        The interval and segment keys appear only when set, so a result without them gives the same dicts as
        before those existed.
        """
        return [row_dict(row) for row in self.rows()]

    def find_metrics(
        self,
        name: str | None = None,
        facet: str | None = None,
        facet_value: object = None,
        stage: str | None = None,
        *,
        value: object = None,
    ) -> list[BiasMetricRow]:
        """Rows matching every given filter (``facet_value``: numbers match their string form; ``value`` is its
        deprecated alias)."""
        facet_value = _facet_value_argument(facet_value, value)
        wanted = _MetricFilter.of(name, facet, facet_value, stage)
        return [row for row in self.rows() if wanted.matches(row)]

    def metric_entry(
        self,
        name: str,
        facet: str | None = None,
        facet_value: object = None,
        stage: str | None = None,
        *,
        value: object = None,
    ) -> BiasMetricRow:
        """The one row that matches; a clear :class:`ClarifyResultError` when none or several do."""
        facet_value = _facet_value_argument(facet_value, value)
        matches = self.find_metrics(name, facet, facet_value, stage)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ClarifyResultError(self.explain_missing(name, facet, facet_value, stage))
        listed = ", ".join(f"{m.stage}/{m.facet}={m.facet_value}" for m in matches[:10])
        raise ClarifyResultError(
            f"metric {name} matches {len(matches)} entries ({listed}); pass facet=, facet_value= and/or stage= "
            "to pick one"
        )

    def metric(
        self,
        name: str,
        facet: str | None = None,
        facet_value: object = None,
        stage: str | None = None,
        *,
        value: object = None,
    ) -> float | None:
        """The value of one bias metric, e.g. ``result.metric("DI", facet="sex", facet_value="Female")``.

        ``facet_value`` is named as in gate rules and :meth:`rows`; ``value=`` is its deprecated alias. Returns
        None when that metric failed (see :meth:`metric_entry` for its ``error``). Filters that are left out must
        not be needed to single out one entry.
        """
        facet_value = _facet_value_argument(facet_value, value)
        return self.metric_entry(name, facet, facet_value, stage).value

    def describe_contents(self, stage: str | None = None) -> str:
        """What exists, for error messages: stages, facets with their values, metric names."""
        parts = []
        for section_stage in self.stages:
            if stage not in (None, section_stage):
                continue
            section = self.bias[section_stage]
            facets = "; ".join(
                f"{facet}: {[group.value_or_threshold for group in groups]}"
                for facet, groups in section.facets.items()
            )
            parts.append(
                f"{section_stage} (facets {facets or 'none'}; metrics {self.metric_names(section_stage)})"
            )
        return ", ".join(parts) if parts else "no bias metrics"

    def explain_missing(
        self, name: str | None, facet: str | None, facet_value: object, stage: str | None
    ) -> str:
        """Why no entry matches these filters, naming what the result holds instead (for error messages)."""
        stage = normalise_stage(stage)
        if name is not None and not self.find_metrics(name=name):
            known = (
                ""
                if name.upper() in METRIC_STAGES
                else f" (not a Clarify bias metric; known: {sorted(METRIC_STAGES)})"
            )
            return (
                f"metric {name!r} is not in this result{known}. The result holds: {self.describe_contents()}"
            )
        if stage is not None and stage not in self.bias:
            return f"stage {stage!r} is not in this result. The result holds: {self.describe_contents()}"
        # List facets and values of the stage that computes this metric, not of both stages.
        stage = stage or (METRIC_STAGES.get(name.upper()) if name is not None else None)
        if facet is not None and facet not in self.facets(stage):
            return f"facet {facet!r} is not in this result; facets: {self.facets(stage)}"
        if facet is not None and facet_value is not None:
            values = self.facet_values(facet, stage)
            if not any(same_facet_value(v, facet_value_text(facet_value)) for v in values):
                return f"facet {facet!r} has no value {facet_value!r} in this result; its values: {values}"
        return (
            f"no metric {name!r} for facet={facet!r}, facet_value={facet_value!r}, stage={stage!r}. "
            f"The result holds: {self.describe_contents()}"
        )

    # ------------------------------------------------------------------------- intervals and segments (provider)

    def metric_interval(
        self, name: str, facet: str | None = None, facet_value: object = None, stage: str | None = None
    ) -> tuple[float, float] | None:
        """The confidence interval ``(low, high)`` of one bias metric, like :meth:`metric` picks it; ``None`` when
        the analysis has no interval for it (run without the ``confidence`` option, or see the row's
        ``confidence_note``)."""
        return self.metric_entry(name, facet, facet_value, stage).confidence_interval

    def segment_rows(self) -> list[BiasMetricRow]:
        """Every metric of every segment as a flat row (``segment_config`` and ``segment`` set)."""
        return segment_rows(self.segments)

    def find_segment_metrics(
        self,
        segment: str,
        name: str | None = None,
        facet: str | None = None,
        facet_value: object = None,
        stage: str | None = None,
        segment_config: str | None = None,
    ) -> list[BiasMetricRow]:
        """Segment rows matching every given filter; an error naming what exists when the segment does not."""
        known = [s for s in self.segments if segment_config in (None, s.config_name)]
        if not any(s.name == segment for s in known):
            truncated = (
                f"; {self.segments_truncated} segment(s) were left out of the XCom form (size bound): gate on "
                "the analysis output instead"
                if self.segments_truncated
                else ""
            )
            scope = f" of config {segment_config!r}" if segment_config else ""
            raise ClarifyResultError(
                f"segment {segment!r}{scope} is not in this result; segments: {describe_segments(self.segments)}"
                f"{truncated}"
            )
        wanted = _MetricFilter.of(name, facet, facet_value, stage)
        return [
            row
            for row in self.segment_rows()
            if row.segment == segment
            and (segment_config is None or row.segment_config == segment_config)
            and wanted.matches(row)
        ]

    def segment_metric(
        self,
        segment: str,
        name: str,
        facet: str | None = None,
        facet_value: object = None,
        stage: str | None = None,
        segment_config: str | None = None,
    ) -> float | None:
        """The value of one bias metric in one segment, e.g. ``result.segment_metric("young", "DI", "sex")``."""
        matches = self.find_segment_metrics(segment, name, facet, facet_value, stage, segment_config)
        if len(matches) != 1:
            listed = ", ".join(
                f"{m.segment_config}/{m.stage}/{m.facet}={m.facet_value}" for m in matches[:10]
            )
            raise ClarifyResultError(
                f"metric {name} in segment {segment!r} matches {len(matches)} entries ({listed or 'none'}); pass "
                "facet=, facet_value=, stage= and/or segment_config= to pick one"
            )
        return matches[0].value


@dataclass(frozen=True)
class _MetricFilter:
    """The look-ups' filters on a metric row (None: any): metric name without case, facet, facet value by its
    string form, stage."""

    name: str | None
    facet: str | None
    facet_value: str | None
    stage: str | None

    @classmethod
    def of(cls, name: str | None, facet: str | None, facet_value: object, stage: str | None) -> _MetricFilter:
        value = None if facet_value is None else facet_value_text(facet_value)
        return cls(name, facet, value, normalise_stage(stage))

    def matches(self, row: BiasMetricRow) -> bool:
        return (
            (self.name is None or row.metric.upper() == self.name.upper())
            and (self.facet is None or row.facet == self.facet)
            and (self.facet_value is None or same_facet_value(row.facet_value, self.facet_value))
            and (self.stage is None or row.stage == self.stage)
        )


def _facet_value_argument(facet_value: object, value: object) -> object:
    """``facet_value``, or its deprecated alias ``value`` (the look-ups' first name for it, which clashed with the
    metric's own value); giving both with different values is an error."""
    if value is None:
        return facet_value
    warnings.warn(
        "ClarifyResult look-ups take facet_value= (as gate rules and rows name it); value= is deprecated",
        DeprecationWarning,
        stacklevel=3,
    )
    if facet_value is not None and facet_value != value:
        raise ClarifyResultError(
            f"facet_value={facet_value!r} and its deprecated alias value={value!r} disagree; pass facet_value only"
        )
    return value
