"""The per-segment results of ``segment_config``, collected during a run and written as
``segments/analysis_segments.json`` beside analysis.json (analysis.json itself is unchanged).

The file (docs/segments.md)::

    {"version": "1.0",
     "segment_configs": [
       {"config_name": "age_bands", "name_or_index": "age", "column": "age",
        "segments": [
          {"name": "young", "values": ["[0, 30)"], "is_default": false,
           "pre_training_bias_metrics": {...}, "post_training_bias_metrics": {...},
           "explanations": {"kernel_shap": {...}}},
          ...,
          {"name": "__default__", "values": [], "is_default": true, ...}]}]}

Each section has exactly the shape of its analysis.json counterpart (intervals included when asked for), so
whatever reads analysis.json reads a segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from .bias.profile import ColumnProfile
from .run import Warn
from .segments import SegmentConfigSpec, SegmentMembership, resolve_memberships

SEGMENTS_VERSION = "1.0"
PROFILE_CAP = 1_000_000


class SegmentResults:
    """What every step of a run adds per segment, and the resolved row-to-segment memberships they share."""

    def __init__(
        self, specs: Sequence[SegmentConfigSpec], columns: Sequence[str], warn: Warn, cap: int = PROFILE_CAP
    ) -> None:
        self.specs = list(specs)
        self.columns = list(columns)
        self.warn = warn
        self.cap = cap
        self._memberships: list[SegmentMembership] | None = None
        self._entries: dict[tuple[int, int], dict[str, Any]] = {}

    @property
    def memberships(self) -> list[SegmentMembership] | None:
        return self._memberships

    def resolve(self, profiles: dict[str, ColumnProfile]) -> list[SegmentMembership]:
        """The memberships, matched against the segment columns' profiles (once per run)."""
        if self._memberships is None:
            self._memberships = resolve_memberships(self.specs, self.columns, profiles, self.warn)
        return self._memberships

    def resolve_from(self, frame: pd.DataFrame) -> list[SegmentMembership]:
        """The memberships, profiling the segment columns of ``frame`` when no bias pass profiled them."""
        if self._memberships is None:
            profiles = {}
            for column in dict.fromkeys(self.columns):
                profile = ColumnProfile(column, self.cap)
                profile.update(pa.Array.from_pandas(frame[column]))
                profiles[column] = profile
            self.resolve(profiles)
        assert self._memberships is not None
        return self._memberships

    def add(self, config: int, code: int, part: dict[str, Any]) -> None:
        """Merge ``part`` (bias sections, ``explanations``) into segment ``code`` of config ``config``."""
        entry = self._entries.setdefault((config, code), {})
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(entry.get(key), dict):
                entry[key].update(value)
            else:
                entry[key] = value

    def document(self) -> dict[str, Any]:
        """The ``segments/analysis_segments.json`` document."""
        memberships = self._memberships or []
        configs = []
        for k, spec in enumerate(self.specs):
            name = memberships[k].name if k < len(memberships) else spec.config_name or self.columns[k]
            segments = [
                {
                    "name": segment.name,
                    "values": list(segment.items),
                    "is_default": segment.is_default,
                    **self._entries.get((k, code), {}),
                }
                for code, segment in enumerate(spec.segments)
            ]
            configs.append(
                {
                    "config_name": name,
                    "name_or_index": spec.name_or_index,
                    "column": self.columns[k],
                    "segments": segments,
                }
            )
        return {"version": SEGMENTS_VERSION, "segment_configs": configs}
