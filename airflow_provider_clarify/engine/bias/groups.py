"""Encoders and facet groups, fixed once the first pass has profiled the role columns (reference §3.5, §3.6, §4).

The label is read as categorical or continuous from its profile, its positive values matched against the values
seen (converted to the column's type when none matches, with a warning); each facet becomes one group (its
``value_or_threshold``) or one group per value (one-vs-rest, in order of first appearance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...config.model import Value
from ..errors import AnalysisError
from ..roles import ColumnRoles, FacetRole
from ..run import Warn
from .counting import Encoders, TableBuilder
from .diagnostics import (
    categorical_reading,
    facet_values_not_found,
    label_values_not_found,
    rows_matching,
    scores_as_labels,
)
from .encoding import (
    CONTINUOUS,
    CategoricalEncoder,
    ContinuousEncoder,
    infer_series_type,
    interval_breaks,
    interval_text,
    match_values,
    numeric_threshold,
    typed_max,
)
from .profile import ColumnProfile

Encoder = Callable[[pd.Series], np.ndarray]
"""Raw column values → booleans (facet d membership, positive label)."""


@dataclass
class FacetGroup:
    """One facet group: its facet, the ``value_or_threshold`` text analysis.json shows, the encoder of facet d
    membership, and (once the tables are counted) its table builder."""

    role: FacetRole
    text: str
    encoder: Encoder
    builder: TableBuilder | None = None


def label_encoders(
    profiles: dict[str, ColumnProfile],
    label: str,
    predicted: str | None,
    label_values: list[Value],
    strict: bool,
    warn: Warn,
) -> tuple[Encoders, str]:
    """The label (and predicted-label) encoders and the ``label_value_or_threshold`` text analysis.json shows."""
    values: list[Any] = list(label_values)
    profile = profiles[label]
    label_type = infer_series_type(profile, values, "label", strict=strict, warn=warn)
    if label_type == CONTINUOUS:
        threshold = numeric_threshold(
            values,
            "label_values_or_threshold",
            required_message="Threshold values must be provided for continuous features",
        )
        breaks = interval_breaks(threshold, typed_max(profile))
        label_encoder: Encoder = ContinuousEncoder(tuple(breaks))
        label_text = interval_text(breaks)
    else:
        matched = match_values(profile, values, "label_values_or_threshold", warn)
        label_encoder = CategoricalEncoder(matched)
        label_text = ",".join(map(str, values))
    if rows_matching(profile, label_encoder) == 0:
        categorical = isinstance(label_encoder, CategoricalEncoder)
        warn(label_values_not_found(label, values, profile, categorical=categorical))
    elif isinstance(label_encoder, CategoricalEncoder):
        _warn_if(warn, categorical_reading("label_values_or_threshold", profile, values, label_encoder))
    predicted_encoder = None
    if predicted is not None:
        predicted_encoder = _predicted_encoder(
            profile, profiles[predicted], label, label_type, values, strict, warn
        )
    return Encoders(label, label_encoder, predicted, predicted_encoder, None, {}), label_text


def _predicted_encoder(
    profile: ColumnProfile,
    predicted_profile: ColumnProfile,
    label: str,
    label_type: str,
    values: list[Any],
    strict: bool,
    warn: Warn,
) -> Encoder:
    """Predicted labels are read like the labels: of the same kind, with the same threshold or values."""
    predicted_type = infer_series_type(predicted_profile, values, "predicted label", strict=strict, warn=warn)
    if predicted_type != label_type:
        raise AnalysisError(
            f"predicted_label: Predicted Label Column series datatype is not the same as Label Column series "
            f"(label {label!r} is {label_type}, predicted label is {predicted_type}); give predicted labels of "
            "the same kind as the labels"
        )
    if label_type == CONTINUOUS:
        maximum = max(profile.maximum, predicted_profile.maximum)
        maximum = np.float64(maximum) if "float" in (profile.kind,) else np.int64(maximum)
        breaks = interval_breaks(
            numeric_threshold(values, "label_values_or_threshold", required_message=""), maximum
        )
        return ContinuousEncoder(tuple(breaks), cast_to_int=profile.kind != "float")
    encoder = CategoricalEncoder(
        match_values(predicted_profile, values, "label_values_or_threshold (predicted label)", warn)
    )
    _warn_if(warn, scores_as_labels(profile, predicted_profile, values, encoder))
    return encoder


def _warn_if(warn: Warn, message: str | None) -> None:
    if message is not None:
        warn(message)


def group_codes(profile: ColumnProfile) -> dict[Any, int]:
    """Group-variable values in ``np.unique`` (sorted) order → codes."""
    if profile.values is None:
        raise AnalysisError(
            f"group_variable: column {profile.name!r} has more than {profile.cap} distinct values; CDDL/CDDPL need a "
            "categorical subgroup column"
        )
    try:
        ordered = sorted(profile.values)
    except TypeError:
        ordered = sorted(profile.values, key=lambda v: (type(v).__name__, str(v)))
    return {value: code for code, value in enumerate(ordered)}


def facet_groups(
    roles: ColumnRoles, profiles: dict[str, ColumnProfile], strict: bool, warn: Warn
) -> list[FacetGroup]:
    """The facet groups of every configured facet: its d group, or one group per value (one-vs-rest)."""
    groups: list[FacetGroup] = []
    for role in roles.facets:
        profile = profiles[role.column]
        field = f"facet[{role.index}].value_or_threshold"
        values = list(role.values) if role.values else None
        facet_type = infer_series_type(profile, values, f"facet[{role.index}]", strict=strict, warn=warn)
        if facet_type == CONTINUOUS:
            threshold = numeric_threshold(
                values,
                field,
                required_message="Threshold values must be provided for continuous features; give one threshold "
                f"for continuous facet column {role.column!r}, e.g. [40]",
            )
            breaks = interval_breaks(threshold, typed_max(profile))
            groups.append(FacetGroup(role, interval_text(breaks), ContinuousEncoder(tuple(breaks))))
            continue
        if values:
            matched = match_values(profile, values, field, warn)
            encoder = CategoricalEncoder(matched)
            if rows_matching(profile, encoder) == 0:
                warn(facet_values_not_found(field, role.column, values, profile))
            else:
                _warn_if(warn, categorical_reading(field, profile, values, encoder))
            groups.append(FacetGroup(role, ",".join(map(str, values)), encoder))
            continue
        if profile.values is None:
            raise AnalysisError(
                f"{field}: facet column {role.column!r} has more than {profile.cap} distinct values, too many for "
                "one-vs-rest; give the sensitive value(s)"
            )
        for value in profile.values:  # one-vs-rest, in order of first appearance
            groups.append(FacetGroup(role, str(value), CategoricalEncoder((value,))))
    return groups
