"""What the ``confidence`` option and ``segment_config`` add to Kernel SHAP: intervals of the global values, and
the global values per segment.

**Intervals.** A global SHAP value aggregates the local values of the explained records (mean |φ|, mean φ² or
the median). Its interval is a bootstrap over records: each replicate draws N records with replacement from the
N explained ones and aggregates their local values again; the endpoints are the same order statistics as the bias
metrics' percentile interval (``ReplicateSummary``). The local values themselves are not recomputed (that would
need the model again): the interval says how much the global value depends on which records were explained, not
how noisy Kernel SHAP's sampling was (``num_samples`` controls that). ``bca`` and ``newcombe`` are defined for the
count-based metrics only; SHAP intervals are always percentile intervals, and say so (``method``). Written beside
``global_shap_values`` as ``global_shap_confidence_intervals`` (feature → ``[low, high]``) with the settings as
``confidence_interval_settings``, only when intervals are asked for.

**Segments.** The explained records of each segment, aggregated like the whole set: ``kernel_shap`` per segment
in ``segments/analysis_segments.json`` (with intervals when asked for).

Determinism: the replicates depend only on the local values, ``seed`` and ``replicates`` — target t of the whole
set draws from child stream (2, t) of ``SeedSequence(seed)`` (the bias tables use streams 0 and 1), segment j of
config k from (2, t, k + 1, j + 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...contract import CONFIDENCE_SETTINGS_KEY, SHAP_INTERVALS_KEY
from ..bias.intervals import PERCENTILE, IntervalSettings, ReplicateSummary
from ..bias.metric_values import MetricValues
from ..errors import AnalysisError
from ..segment_results import SegmentResults
from .aggregate import aggregate
from .kernel_shap import LocalShap
from .plan import ExplanationPlan
from .shap_output import Units, feature_attributions, summaries

SHAP_STREAM = 2
REPLICATE_CELLS = 4_000_000
"""Replicates are aggregated in blocks of at most this many (replicate × record × feature) values."""
EMPTY_SEGMENT = "no explained record belongs to this segment"


@dataclass
class ShapExtras:
    """The run's interval settings and segments, and the segment columns of the explained records (in order)."""

    settings: IntervalSettings | None = None
    segments: SegmentResults | None = None
    segment_frame: pd.DataFrame | None = None

    def apply(
        self,
        plan: ExplanationPlan,
        local: LocalShap,
        units: Units,
        targets: list[str],
        method: str,
        kernel_shap: dict[str, Any],
    ) -> None:
        """Add intervals to ``kernel_shap`` (the analysis.json section) and the per-segment sections."""
        if self.settings is not None:
            add_shap_intervals(kernel_shap, plan, local, units, targets, method, self.settings, ())
        if self.segments is not None and self.segment_frame is not None:
            if len(self.segment_frame) != len(local.values):
                raise AnalysisError(
                    f"segment_config: the segment columns have {len(self.segment_frame)} record(s) but "
                    f"{len(local.values)} were explained; the dataset changed while it was read"
                )
            memberships = self.segments.resolve_from(self.segment_frame)
            for k, membership in enumerate(memberships):
                codes = membership.codes(self.segment_frame[membership.column])
                for code in range(len(membership.segments)):
                    positions = np.flatnonzero(codes == code)
                    section = self._segment_section(plan, local, units, targets, method, positions, (k, code))
                    self.segments.add(k, code, {"explanations": section})

    def _segment_section(
        self,
        plan: ExplanationPlan,
        local: LocalShap,
        units: Units,
        targets: list[str],
        method: str,
        positions: np.ndarray,
        segment: tuple[int, int],
    ) -> dict[str, Any]:
        if len(positions) == 0:
            return {"error": EMPTY_SEGMENT}
        subset = LocalShap(
            values=[local.values[i] for i in positions],
            expected=local.expected[positions],
            prediction=local.prediction[positions],
            target_names=local.target_names,
        )
        subset_units = {new: units[int(old)] for new, old in enumerate(positions) if int(old) in units}
        kernel_shap, _ = summaries(plan, subset, subset_units, targets, method)
        if self.settings is not None:
            stream = (segment[0] + 1, segment[1] + 1)
            add_shap_intervals(
                kernel_shap, plan, subset, subset_units, targets, method, self.settings, stream
            )
        return {"kernel_shap": kernel_shap}


def add_shap_intervals(
    kernel_shap: dict[str, Any],
    plan: ExplanationPlan,
    local: LocalShap,
    units: Units,
    targets: list[str],
    method: str,
    settings: IntervalSettings,
    stream: tuple[int, ...],
) -> None:
    """``global_shap_confidence_intervals`` and ``confidence_interval_settings`` for every target."""
    columns = plan.non_text + plan.text_columns
    position = {plan.names[column]: c for c, column in enumerate(columns)}
    attributions = feature_attributions(plan, local, units)
    for t, target in enumerate(targets):
        entry = kernel_shap[target]
        rng = np.random.default_rng(
            np.random.SeedSequence(settings.seed, spawn_key=(SHAP_STREAM, t, *stream))
        )
        bounds = bootstrap_bounds(attributions[:, :, t], method, settings, rng)
        entry[SHAP_INTERVALS_KEY] = {
            name: list(bounds[position[name]]) for name in entry["global_shap_values"] if name in position
        }
        entry[CONFIDENCE_SETTINGS_KEY] = {
            "level": settings.level,
            "replicates": settings.replicates,
            "method": PERCENTILE,
            "seed": settings.seed,
        }


def bootstrap_bounds(
    values: np.ndarray, method: str, settings: IntervalSettings, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """Percentile interval of each column's aggregate over records resampled with replacement (N × F → F)."""
    records, features = values.shape
    if records == 0:
        return [(0.0, 0.0)] * features
    replicated = np.empty((settings.replicates, features))
    block = max(1, REPLICATE_CELLS // max(records * features, 1))
    for start in range(0, settings.replicates, block):
        size = min(block, settings.replicates - start)
        draws = rng.integers(0, records, size=(size, records))
        replicated[start : start + size] = np.stack([aggregate(values[row], method) for row in draws])
    bounds = []
    for f in range(features):
        column = replicated[:, f]
        summary = ReplicateSummary(
            MetricValues(column, np.zeros(len(column), dtype=np.int8), ()), settings.level
        )
        bounds.append(summary.bounds(*summary.percentile_probabilities()))
    return bounds
