"""The bias sections of analysis.json from a streamed dataset (SPEC §4, §8.1, §9, §10.2): plan, stream, tables,
sections.

One pass over the role columns builds the profiles and tuple counts (plus the FT rows when FT is asked for,
:mod:`.stream`); the column types, encoders and facet groups are fixed from the profiles (:mod:`.groups`); the
contingency tables follow from the tuple counts or a second pass (:mod:`.contingency`); every metric is computed
from its table and wrapped as the managed job writes it (:mod:`.sections`).
"""

from __future__ import annotations

from typing import Any

from ...config.metrics import POST_TRAINING_DESCRIPTIONS, PRE_TRAINING_DESCRIPTIONS
from ..data.dataset import TabularDataset
from ..models import LabelModel
from ..run import AnalysisRun
from .contingency import count_tables
from .diagnostics import check_predictions, metric_failures
from .groups import facet_groups, group_codes, label_encoders
from .plan import plan_bias
from .sections import bias_section, post_training_metric, pre_training_metric, value_counts
from .stream import first_pass, stream_chunks

Distributions = dict[str, Any]
"""``{"label": {value: count}, "facets": {column: {value: count}}}`` for the report's charts."""


def compute_bias_sections(
    run: AnalysisRun, dataset: TabularDataset, model: LabelModel | None = None
) -> tuple[dict[str, Any], Distributions]:
    """The ``pre_training_bias_metrics`` / ``post_training_bias_metrics`` sections and the value distributions."""
    plan = plan_bias(run, dataset.columns)
    options, warn, strict = run.options, run.warn, run.options.strict_clarify_compat
    found = first_pass(plan, dataset, model, options, warn)
    encoders, label_text = label_encoders(
        found.profiles, plan.label, plan.predicted, plan.label_values, strict, warn
    )
    if plan.group_variable:
        encoders.group = plan.group_variable
        encoders.group_codes = group_codes(found.profiles[plan.group_variable])
    groups = facet_groups(run.roles, found.profiles, strict, warn)
    count_tables(
        groups, encoders, found.counters, lambda: (t.to_pandas() for t in stream_chunks(plan, dataset, model))
    )
    sections: dict[str, Any] = {}
    if plan.pre_metrics is not None:
        sections["pre_training_bias_metrics"] = bias_section(
            plan.label, label_text, groups, plan.pre_metrics, PRE_TRAINING_DESCRIPTIONS, pre_training_metric
        )
    if plan.post_metrics is not None:
        check_predictions(groups, found.profiles, plan.label, plan.predicted, plan.label_values, encoders)
        compute = post_training_metric(found.ft_rows, encoders, options.ft_n_jobs)
        sections["post_training_bias_metrics"] = bias_section(
            plan.label, label_text, groups, plan.post_metrics, POST_TRAINING_DESCRIPTIONS, compute
        )
    for section in sections.values():
        for message in metric_failures(section):
            warn(message)
    distributions = {
        "label": value_counts(found.profiles[plan.label]),
        "facets": {column: value_counts(found.profiles[column]) for column in plan.facet_columns},
    }
    return sections, distributions
