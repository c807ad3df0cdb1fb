"""The parts a :class:`~airflow_provider_clarify.results.ClarifyResult` is made of, and how facet values and stages
are spelled.

Kept apart from the result itself so that the parser (``parse``) and the XCom codec (``xcom``) build these parts
without importing the result class, and the result class imports both of them without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.kinds import ImageSummary, TimeSeriesSummary

STAGES = ("pre_training", "post_training")
"""Bias stages, named as the analysis.json sections without the ``_bias_metrics`` suffix."""
SECTION_KEYS: dict[str, str] = {stage: f"{stage}_bias_metrics" for stage in STAGES}
"""Stage → its analysis.json section key."""


@dataclass(frozen=True)
class MetricEntry:
    """One bias metric of one facet group: ``value`` (None on failure) or ``error``."""

    name: str
    value: float | None
    error: str | None = None
    description: str = ""
    # --- confidence intervals (results/intervals.py) ---
    confidence_interval: tuple[float, float] | None = None
    """``(low, high)`` (either may be ±∞) when analysis.json holds an interval for this metric."""
    confidence_note: str | None = None
    """Why there is no interval (or what the interval had to fall back on), from ``confidence_interval_notes``."""

    @property
    def failed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class FacetGroup:
    """One element of a facet's list: the facet value(s)/threshold string (reference §4) and its metrics."""

    value_or_threshold: str
    metrics: tuple[MetricEntry, ...]


@dataclass(frozen=True)
class IntervalSettingsInfo:
    """A section's ``confidence_interval_settings``: the level, replicate count, method and seed."""

    level: float
    replicates: int
    method: str
    seed: int | None = None


@dataclass(frozen=True)
class BiasSection:
    """``pre_training_bias_metrics`` or ``post_training_bias_metrics``."""

    label: str | None
    label_value_or_threshold: str | None
    facets: dict[str, tuple[FacetGroup, ...]]
    confidence: IntervalSettingsInfo | None = None
    """How the section's intervals were computed; ``None`` when it has none (results/intervals.py)."""


@dataclass(frozen=True)
class ShapSummary:
    """Global SHAP of one target; ``shap_truncated`` counts features left out of the XCom form."""

    global_shap_values: dict[str, float]
    expected_value: float | None
    global_top_shap_text: dict[str, float] | None = None
    shap_truncated: int = 0


@dataclass(frozen=True)
class PdpSummary:
    """A PDP entry without its arrays: how many grid values, their range (numerical) or first categories."""

    feature_name: str
    data_type: str | None
    label_headers: tuple[str, ...] = ()
    num_values: int = 0
    value_min: float | None = None
    value_max: float | None = None
    categories: tuple[str, ...] = ()
    prediction_min: float | None = None
    prediction_max: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class BiasMetricRow:
    """A flat bias-metric row (see :meth:`ClarifyResult.rows`)."""

    stage: str
    label: str | None
    label_value: str | None
    facet: str
    facet_value: str
    metric: str
    description: str
    value: float | None
    error: str | None
    # --- confidence intervals and segments ---
    confidence_interval: tuple[float, float] | None = None
    confidence_level: float | None = None
    confidence_note: str | None = None
    segment_config: str | None = None
    """For a segment's row: the segment config's name (``config_name``, or its column)."""
    segment: str | None = None
    """For a segment's row: the segment's name (its alias, its values joined by commas, or ``__default__``)."""


@dataclass(frozen=True)
class SegmentResult:
    """The bias metrics of one segment of ``segment_config`` (segments/analysis_segments.json)."""

    config_name: str
    column: str | None
    name: str
    values: tuple[str, ...]
    is_default: bool
    bias: dict[str, BiasSection]


class ResultFields(TypedDict):
    """Every field of a ``ClarifyResult``, as the parser and the XCom decoder hand them over."""

    engine: str
    job_name: str | None
    job_status: str | None
    output_uri: str | None
    analysis_uri: str | None
    output_files: dict[str, str]
    version: str | None
    bias: dict[str, BiasSection]
    shap: dict[str, ShapSummary]
    pdp: tuple[PdpSummary, ...]
    warnings: tuple[str, ...]
    segments: tuple[SegmentResult, ...]
    segments_truncated: int
    time_series: TimeSeriesSummary | None
    computer_vision: ImageSummary | None
    output_file_counts: dict[str, int]


def normalise_stage(stage: str | None) -> str | None:
    """``"pre_training"`` / ``"post_training"`` from the spellings users write (``"Post-Training"``, the section key)."""
    if stage is None:
        return None
    key = stage.strip().lower().replace("-", "_").replace(" ", "_")
    key = key.removesuffix("_bias_metrics").removesuffix("_bias")
    if key not in STAGES:
        raise ClarifyResultError(f"unknown stage {stage!r}; use one of {list(STAGES)}")
    return key


def facet_value_text(value: object) -> str:
    """A facet value as analysis.json writes it: a list of values joined by commas, anything else as text."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def same_facet_value(recorded: str, wanted: str) -> bool:
    """Exact string match, or the same number (``1`` matches ``"1.0"``) for numeric facet values."""
    if recorded == wanted:
        return True
    try:
        return float(recorded) == float(wanted)
    except ValueError:
        return False
