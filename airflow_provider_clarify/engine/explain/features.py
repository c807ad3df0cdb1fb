"""Which columns the explanations see, and what kind each one is (SPEC §6.6 data types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import ExplanationError

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
FREE_TEXT = "free_text"


def column_kind(series: pd.Series, *, text: bool) -> str:
    """numeric dtype → numerical; string → free_text with text_config, else categorical (SPEC §6.6 engine rule)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return CATEGORICAL
    if pd.api.types.is_numeric_dtype(series.dtype):
        return NUMERICAL
    return FREE_TEXT if text else CATEGORICAL


@dataclass
class ExplanationData:
    """The model-feature matrix (columns in model order) plus the join key to append to out.csv."""

    features: pd.DataFrame
    join_key: pd.Series | None = None
    label_columns: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: Any, config: dict[str, Any] | None = None) -> ExplanationData:
        """From a DataFrame of model features, an ExplanationData, or the engine's dataset (``iter_frames``),
        whose model features and join key come from the column roles (SPEC §3.4)."""
        if isinstance(data, ExplanationData):
            return data
        if isinstance(data, pd.DataFrame):
            return cls(features=data)
        if hasattr(data, "iter_frames") and config is not None:
            from ..roles import resolve_roles

            roles = resolve_roles(config, data)
            wanted = [*roles.features, *([roles.join_key] if roles.join_key else [])]
            frame = pd.concat(list(data.iter_frames(columns=wanted)), ignore_index=True)
            join_key = frame[roles.join_key] if roles.join_key else None
            labels = [name for name in (roles.label, roles.predicted_label) if name]
            return cls(features=frame[list(roles.features)], join_key=join_key, label_columns=labels)
        features = getattr(data, "features", None)
        if isinstance(features, pd.DataFrame):
            return cls(features=features, join_key=getattr(data, "join_key", None))
        raise TypeError(f"expected a DataFrame of model features, got {type(data).__name__}")


def label_columns(config: dict[str, Any]) -> list[str]:
    """Names of the label and predicted-label columns (resolving integer indices through ``headers``)."""
    headers = config.get("headers") or []
    names = []
    for key in ("label", "predicted_label"):
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(headers):
            names.append(str(headers[value]))
        elif isinstance(value, str):
            names.append(value)
    return names


def resolve_features_to_explain(
    requested: list[Any] | None, feature_names: list[str], label_names: list[str]
) -> list[int]:
    """Positions (in model order) of the explained features; all of them when nothing is requested.
    Integer entries index the model features (the label is never one of them)."""
    if not requested:
        return list(range(len(feature_names)))
    positions = []
    for entry in requested:
        if isinstance(entry, int) and not isinstance(entry, bool):
            if not 0 <= entry < len(feature_names):
                raise ExplanationError(
                    f"methods.shap.features_to_explain index {entry} is out of range: the model has "
                    f"{len(feature_names)} features {feature_names}"
                )
            position = entry
        elif str(entry) in label_names:
            raise ExplanationError(
                f"methods.shap.features_to_explain names {entry!r}, the label/predicted-label column; "
                f"explain model features only: {feature_names}"
            )
        elif str(entry) not in feature_names:
            raise ExplanationError(
                f"methods.shap.features_to_explain names {entry!r}, which is not a model feature; valid: {feature_names}"
            )
        else:
            position = feature_names.index(str(entry))
        if position not in positions:
            positions.append(position)
    return sorted(positions)
