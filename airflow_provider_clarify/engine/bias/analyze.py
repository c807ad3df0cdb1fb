"""The bias sections of analysis.json from a streamed dataset (reference §4, §8.1, §9, §10.2): plan, stream, tables,
sections.

One pass over the role columns builds the profiles and tuple counts (plus the FT rows when FT is asked for,
:mod:`.stream`); the column types, encoders and facet groups are fixed from the profiles (:mod:`.groups`); the
contingency tables follow from the tuple counts or a second pass (:mod:`.contingency`); every metric is computed
from its table and wrapped as the managed job writes it (:mod:`.sections`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...config.metrics import POST_TRAINING_DESCRIPTIONS, PRE_TRAINING_DESCRIPTIONS
from ..data.dataset import TabularDataset
from ..models import LabelModel
from ..run import AnalysisRun
from .contingency import count_tables
from .counting import Encoders
from .diagnostics import check_predictions, metric_failures
from .groups import FacetGroup, facet_groups, group_codes, label_encoders
from .interval_entries import add_section_intervals
from .performance import overall_builder, performance_counts, with_overall
from .plan import BiasPlan, plan_bias
from .sections import FlipTest, bias_section, post_training_metric, pre_training_metric, value_counts
from .segment_tables import SegmentTables
from .stream import FirstPass, first_pass, stream_chunks

if TYPE_CHECKING:
    from ..segment_results import SegmentResults

Distributions = dict[str, Any]
"""``{"label": {value: count}, "facets": {column: {value: count}}, "rows": rows read, "performance": counts}`` for
the report (``performance``: :func:`.performance.performance_counts`); none of it goes into analysis.json."""


def compute_bias_sections(
    run: AnalysisRun,
    dataset: TabularDataset,
    model: LabelModel | None = None,
    segments: SegmentResults | None = None,
) -> tuple[dict[str, Any], Distributions]:
    """The ``pre_training_bias_metrics`` / ``post_training_bias_metrics`` sections and the value distributions.

    With ``segments`` (``segment_config``), every requested metric is also computed per segment and added there.
    """
    plan = plan_bias(run, dataset.columns)
    found = first_pass(plan, dataset, model, run.options, run.warn)
    return bias_sections(
        run, plan, found, lambda: (t.to_pandas() for t in stream_chunks(plan, dataset, model)), segments
    )


# --- sharded runs (engine/distributed): the merge step computes everything after the first pass here ---
def bias_sections(
    run: AnalysisRun,
    plan: BiasPlan,
    found: FirstPass,
    second_pass: Callable[[], Iterable[pd.DataFrame]],
    segments: SegmentResults | None = None,
    flip_test: FlipTest | None = None,
) -> tuple[dict[str, Any], Distributions]:
    """The sections and distributions from a first pass (of one process, or merged from a sharded run's
    shards); ``second_pass`` streams the role columns again when a facet's tuple counts outgrew their bound;
    ``flip_test`` gives FT when the rows were compared elsewhere (a sharded run's shards)."""
    options, warn, strict = run.options, run.warn, run.options.strict_clarify_compat
    # --- end sharded runs ---
    encoders, label_text = label_encoders(
        found.profiles, plan.label, plan.predicted, plan.label_values, strict, warn
    )
    if plan.group_variable:
        encoders.group = plan.group_variable
        encoders.group_codes = group_codes(found.profiles[plan.group_variable])
    groups = facet_groups(run.roles, found.profiles, strict, warn)
    # --- segment_config (segment_tables.py) ---
    segment_tables = None
    if segments is not None:
        segment_tables = SegmentTables.plan(segments.resolve(found.profiles), groups, encoders)
    # --- end segment_config ---
    overall = overall_builder(encoders)  # the whole dataset's table, for the report (performance.py)
    count_tables(
        groups,
        encoders,
        found.counters,
        second_pass,
        with_overall(
            segment_tables.by_column() if segment_tables is not None else None, plan.facet_columns[0], overall
        ),
    )
    sections = _metric_sections(plan, found, groups, encoders, label_text, options.ft_n_jobs, flip_test)
    for section in sections.values():
        for message in metric_failures(section):
            warn(message)
    # --- confidence intervals and segment_config (interval_entries.py, segment_tables.py) ---
    settings = options.interval_settings
    if settings is not None:
        for key, section in sections.items():
            add_section_intervals(section, groups, key.removesuffix("_bias_metrics"), settings)
    if segments is not None and segment_tables is not None:
        per_segment = segment_tables.sections(
            plan, label_text, found.ft_rows, encoders, options.ft_n_jobs, settings, flip_test
        )
        for (config, code), document in per_segment.items():
            segments.add(config, code, document)
    # --- end confidence intervals and segment_config ---
    distributions = {
        "label": value_counts(found.profiles[plan.label]),
        "facets": {column: value_counts(found.profiles[column]) for column in plan.facet_columns},
        "rows": found.rows,
        "performance": performance_counts(
            plan.label, label_text, groups, overall, with_predictions=plan.post_metrics is not None
        ),
    }
    return sections, distributions


def _metric_sections(
    plan: BiasPlan,
    found: FirstPass,
    groups: list[FacetGroup],
    encoders: Encoders,
    label_text: str,
    ft_n_jobs: int,
    flip_test: FlipTest | None,
) -> dict[str, Any]:
    """The ``pre_training_bias_metrics`` and ``post_training_bias_metrics`` sections the config asks for, from the
    counted tables (post-training checks the predicted labels first)."""
    sections: dict[str, Any] = {}
    if plan.pre_metrics is not None:
        sections["pre_training_bias_metrics"] = bias_section(
            plan.label, label_text, groups, plan.pre_metrics, PRE_TRAINING_DESCRIPTIONS, pre_training_metric
        )
    if plan.post_metrics is not None:
        check_predictions(groups, found.profiles, plan.label, plan.predicted, plan.label_values, encoders)
        compute = post_training_metric(found.ft_rows, encoders, ft_n_jobs, flip_test)
        sections["post_training_bias_metrics"] = bias_section(
            plan.label, label_text, groups, plan.post_metrics, POST_TRAINING_DESCRIPTIONS, compute
        )
    return sections
