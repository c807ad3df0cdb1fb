"""Bias metrics per segment of ``segment_config``: one contingency table per (segment, facet group).

Why tables and not filtered data: the segment column is counted with the role columns (it joins each facet
column's tuple key), so a segment's table is filled from the same tuple counts (or the same second pass) as the
whole dataset's, by builders that keep only their segment's rows. The tables add up like every other table, so a
run counted in shards and merged gets the same per-segment metrics. Only FT, which is computed from feature
rows, filters the rows the flip test already keeps.

The metric objects are the ones analysis.json holds (``bias_section``), so a segment's section reads exactly like
the whole dataset's, intervals included when they were asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ...config.metrics import POST_TRAINING_DESCRIPTIONS, PRE_TRAINING_DESCRIPTIONS
from ..segments import SegmentMembership
from .counting import Encoders, TableBuilder
from .ft_rows import FlipTestRows
from .groups import FacetGroup
from .interval_entries import POST_TRAINING, PRE_TRAINING, add_section_intervals
from .intervals import IntervalSettings
from .plan import BiasPlan
from .sections import FlipTest, bias_section, post_training_metric, pre_training_metric


class SegmentTableBuilder(TableBuilder):
    """A facet group's table builder that counts only the rows of one segment."""

    def __init__(
        self,
        facet: str,
        facet_encoder: Callable[[pd.Series], np.ndarray],
        encoders: Encoders,
        membership: SegmentMembership,
        code: int,
    ) -> None:
        super().__init__(facet, facet_encoder, encoders)
        self.membership = membership
        self.code = code

    def add(self, frame: pd.DataFrame, weights: np.ndarray | None = None) -> None:
        keep = self.membership.frame_codes(frame) == self.code
        if weights is None:
            weights = np.ones(len(frame), dtype=np.int64)
        super().add(frame[keep], weights[keep])


@dataclass
class SegmentTables:
    """Per segment config and segment, the facet groups with builders of that segment's rows."""

    memberships: list[SegmentMembership]
    groups: dict[tuple[int, int], list[FacetGroup]]

    @classmethod
    def plan(
        cls, memberships: list[SegmentMembership], groups: list[FacetGroup], encoders: Encoders
    ) -> SegmentTables:
        planned: dict[tuple[int, int], list[FacetGroup]] = {}
        for k, membership in enumerate(memberships):
            for code in range(len(membership.segments)):
                planned[(k, code)] = [
                    replace(
                        group,
                        builder=SegmentTableBuilder(
                            group.role.column, group.encoder, encoders, membership, code
                        ),
                    )
                    for group in groups
                ]
        return cls(memberships, planned)

    def by_column(self) -> dict[str, list[TableBuilder]]:
        """Every segment builder by the facet column whose tuple counts (or rows) feed it."""
        builders: dict[str, list[TableBuilder]] = {}
        for groups in self.groups.values():
            for group in groups:
                assert group.builder is not None
                builders.setdefault(group.role.column, []).append(group.builder)
        return builders

    def sections(
        self,
        plan: BiasPlan,
        label_text: str,
        ft_rows: FlipTestRows | None,
        encoders: Encoders,
        n_jobs: int,
        settings: IntervalSettings | None,
        flip_test: FlipTest | None = None,
    ) -> dict[tuple[int, int], dict[str, Any]]:
        """The bias sections of each segment, keyed like :attr:`groups` (``flip_test``: FT from elsewhere, e.g.
        a sharded run's counts)."""
        documents: dict[tuple[int, int], dict[str, Any]] = {}
        for (k, code), groups in self.groups.items():
            document: dict[str, Any] = {}
            if plan.pre_metrics is not None:
                section = bias_section(
                    plan.label,
                    label_text,
                    groups,
                    plan.pre_metrics,
                    PRE_TRAINING_DESCRIPTIONS,
                    pre_training_metric,
                )
                if settings is not None:
                    add_section_intervals(section, groups, PRE_TRAINING, settings)
                document["pre_training_bias_metrics"] = section
            if plan.post_metrics is not None:
                rows = segment_rows(ft_rows, self.memberships[k], code)
                compute = post_training_metric(rows, encoders, n_jobs, flip_test, (k, code))
                section = bias_section(
                    plan.label, label_text, groups, plan.post_metrics, POST_TRAINING_DESCRIPTIONS, compute
                )
                if settings is not None:
                    add_section_intervals(section, groups, POST_TRAINING, settings)
                document["post_training_bias_metrics"] = section
            documents[(k, code)] = document
        return documents


def segment_rows(rows: FlipTestRows | None, membership: SegmentMembership, code: int) -> FlipTestRows | None:
    """The flip test's rows of one segment (FT is the one metric computed from rows, not tables): the same rows,
    read again, keeping those whose segment column falls in segment ``code``."""
    if rows is None:
        return None

    def in_segment(table: pa.Table) -> pa.Table:
        codes = membership.codes(table.column(membership.column).to_pandas())
        return table.filter(pa.array(codes == code))

    return replace(rows, row_filter=in_segment)
