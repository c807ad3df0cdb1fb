"""Which columns the explanations see, and what kind each one is (reference §6.6 data types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ...config import AnalysisConfig
from ...config.model import NameOrIndex
from ..data.dataset import TabularDataset
from ..roles import ColumnRoles
from .errors import ExplanationError

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
FREE_TEXT = "free_text"


def column_kind(series: pd.Series, *, text: bool) -> str:
    """numeric dtype → numerical; string → free_text with text_config, else categorical (reference §6.6 engine rule)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return CATEGORICAL
    if pd.api.types.is_numeric_dtype(series.dtype):
        return NUMERICAL
    return FREE_TEXT if text else CATEGORICAL


@dataclass(frozen=True)
class ExplanationData:
    """The model-feature matrix (columns in model order), the join key to append to out.csv, and the names of
    the label columns (never explained)."""

    features: pd.DataFrame
    join_key: pd.Series | None = None
    label_columns: list[str] = field(default_factory=list)


def read_explanation_data(dataset: TabularDataset, roles: ColumnRoles) -> ExplanationData:
    """The model features (and join key) of every record of ``dataset``, by the already-resolved ``roles``."""
    wanted = [*roles.features, *([roles.join_key] if roles.join_key else [])]
    frame = pd.concat(list(dataset.iter_frames(columns=wanted)), ignore_index=True)
    join_key = frame[roles.join_key] if roles.join_key else None
    return ExplanationData(frame[list(roles.features)], join_key, roles.label_columns)


def label_columns(config: AnalysisConfig) -> list[str]:
    """Names of the label and predicted-label columns as the document names them (indices through ``headers``)."""
    names = [config.column_name(config.label), config.column_name(config.predicted_label)]
    return [name for name in names if name is not None]


def feature_position(entry: NameOrIndex, feature_names: list[str], field: str) -> int:
    """Where a configured feature (a name, or an index into the model features) sits in model order; ``field``
    names the config field in the error."""
    if isinstance(entry, int) and not isinstance(entry, bool):
        if not 0 <= entry < len(feature_names):
            raise ExplanationError(
                f"{field} index {entry} is out of range: the model has {len(feature_names)} features {feature_names}"
            )
        return entry
    if str(entry) not in feature_names:
        raise ExplanationError(
            f"{field} names {entry!r}, which is not a model feature; valid: {feature_names}"
        )
    return feature_names.index(str(entry))


def resolve_features_to_explain(
    requested: Sequence[NameOrIndex] | None, feature_names: list[str], label_names: list[str]
) -> list[int]:
    """Positions (in model order) of the explained features; all of them when nothing is requested.
    Integer entries index the model features (the label is never one of them)."""
    if not requested:
        return list(range(len(feature_names)))
    field = "methods.shap.features_to_explain"
    positions = []
    for entry in requested:
        if not isinstance(entry, int) and str(entry) in label_names:
            raise ExplanationError(
                f"{field} names {entry!r}, the label/predicted-label column; explain model features only: "
                f"{feature_names}"
            )
        position = feature_position(entry, feature_names, field)
        if position not in positions:
            positions.append(position)
    return sorted(positions)
