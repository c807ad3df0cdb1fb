"""What the bias pass reads and counts, decided from the config and the roles before any row is read.

The plan fixes the metric lists, the role columns (label, facets, group variable, predicted label), the columns
streamed from the data (plus the model features when the model supplies the predicted labels, plus every feature
when the flip test runs), and the key of the distinct-tuple counter of each facet column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ...config.model import Value
from ..run import AnalysisRun

MODEL_PREDICTION_COLUMN: Final = "__clarify_model_predicted_label__"
"""The column of model-predicted labels appended to each chunk when the data holds none."""


@dataclass(frozen=True)
class BiasPlan:
    """``pre_metrics`` / ``post_metrics`` are ``None`` when the section is not requested. ``predicted`` is the
    predicted-label column of post-training bias (:data:`MODEL_PREDICTION_COLUMN` when the model supplies it),
    ``None`` without post-training bias."""

    pre_metrics: tuple[str, ...] | None
    post_metrics: tuple[str, ...] | None
    label_values: list[Value]
    label: str
    predicted: str | None
    group_variable: str | None
    facet_columns: list[str]
    role_columns: list[str]
    read_columns: list[str]
    tuple_keys: dict[str, list[str]]
    ft_columns: list[str] | None
    model_features: list[str]

    @property
    def uses_model(self) -> bool:
        """Whether the model predicts the labels (each streamed chunk gets them appended)."""
        return self.predicted == MODEL_PREDICTION_COLUMN


def plan_bias(run: AnalysisRun, dataset_columns: list[str]) -> BiasPlan:
    """The plan of ``run`` over a dataset with ``dataset_columns``."""
    methods, roles = run.config.methods, run.roles
    pre = methods.pre_training_bias.metric_names if methods.pre_training_bias else None
    post = methods.post_training_bias.metric_names if methods.post_training_bias else None
    label = roles.label or ""  # bias methods require a label (validated)
    predicted = (roles.predicted_label or MODEL_PREDICTION_COLUMN) if post is not None else None
    facet_columns = list(dict.fromkeys(f.column for f in roles.facets))
    group = roles.group_variable
    segments = list(
        roles.segment_columns
    )  # segment_config: counted like the group variable (engine/segments.py)
    role_columns = list(dict.fromkeys([label, *facet_columns, *(c for c in [group] if c), *segments]))
    if predicted is not None and predicted not in role_columns:
        role_columns.append(predicted)
    ft_columns = None
    if post is not None and "FT" in post:
        removed = {label, roles.predicted_label, roles.join_key, *roles.excluded}
        ft_columns = [c for c in dataset_columns if c not in removed]
    read_columns = [c for c in role_columns if c != MODEL_PREDICTION_COLUMN]
    read_columns += [c for c in ft_columns or () if c not in read_columns]
    if predicted == MODEL_PREDICTION_COLUMN:
        read_columns += [c for c in roles.features if c not in read_columns]
    tuple_keys = {
        facet: list(dict.fromkeys([facet, label, *(c for c in [predicted, group] if c), *segments]))
        for facet in facet_columns
    }
    return BiasPlan(
        pre_metrics=pre,
        post_metrics=post,
        label_values=list(run.config.label_values_or_threshold),
        label=label,
        predicted=predicted,
        group_variable=group,
        facet_columns=facet_columns,
        role_columns=role_columns,
        read_columns=read_columns,
        tuple_keys=tuple_keys,
        ft_columns=ft_columns,
        model_features=list(roles.features),
    )
