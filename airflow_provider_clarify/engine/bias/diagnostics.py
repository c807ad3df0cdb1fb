"""What a bias configuration means on this data, said before it silently misleads (reference §3.5, §3.6, §4, §16).

Clarify's rules are kept — the numbers never change — but where they read a configuration in a way its author
probably did not mean, the engine says so, naming the field, showing what it found and saying what to change:

- a predicted-label column holding values the label never takes (a 1–10 score named as the predicted label, while
  ``label_values_or_threshold: [1]`` makes only the score 1 positive);
- one value on a many-valued integer column, read as one category (``age == 40``) where a threshold was meant;
- configured label or facet values that match no row ("did you mean");
- predictions none of which is positive: blamed on ``label_values_or_threshold`` when no label is positive
  either (the value is wrong), on the predicted label otherwise.

Each check takes the column profiles of the first pass, so the run and the pre-flight check
(``config validate --dataset``) say the same thing about the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...config.metrics import metric_failure_warning
from ..errors import AnalysisError
from ..suggestions import did_you_mean_values, shown
from .encoding import FEW_DISTINCT_VALUES, UNIQUENESS_THRESHOLD, CategoricalEncoder
from .plan import MODEL_PREDICTION_COLUMN
from .profile import ColumnProfile

if TYPE_CHECKING:  # groups imports this module: the names are only needed for annotations
    from .counting import Encoders
    from .groups import FacetGroup

Encoder = Callable[[pd.Series], np.ndarray]


class ValuesNotFound(str):
    """A warning that configured values match no row. The run goes on (Clarify computes on, metrics become
    errors); the pre-flight check reports it as an error, since it is almost always a typo."""


def rows_matching(profile: ColumnProfile, encoder: Encoder) -> int | None:
    """How many non-missing rows of the profiled column the encoder selects (None when values were not kept)."""
    if profile.values is None:
        return None
    if not profile.values:
        return 0
    values = list(profile.values)
    selected = encoder(pd.Series(values, dtype=object))
    return int(sum(count for count, chosen in zip(profile.values.values(), selected, strict=True) if chosen))


def label_values_not_found(
    column: str, values: list[Any], profile: ColumnProfile, *, categorical: bool
) -> ValuesNotFound:
    """No label is positive: a categorical label's values do not occur, or no label is above the threshold."""
    seen = list(profile.values or {})
    return ValuesNotFound(
        f"label_values_or_threshold: no row of label column {column!r} is positive for {values} (label values "
        f"seen: {shown(seen)}); every label-based metric treats all rows as negative. Check the positive value(s) "
        "and their type" + (did_you_mean_values(values, seen) if categorical else "")
    )


def facet_values_not_found(
    field: str, column: str, values: list[Any], profile: ColumnProfile
) -> ValuesNotFound:
    """A facet's configured values select no row: facet d is empty."""
    seen = list(profile.values or {})
    return ValuesNotFound(
        f"{field}: no row of facet column {column!r} has value(s) {values} (values seen: {shown(seen)}); facet d "
        "is empty and its metrics are errors" + did_you_mean_values(values, seen)
    )


def categorical_reading(
    field: str, profile: ColumnProfile, values: list[Any], encoder: Encoder
) -> str | None:
    """A single value on an integer column with many distinct values, read as a category by the 5 % rule.

    Clarify reads ``value_or_threshold: [40]`` on an ``age`` column with 65 distinct values among 7,000 rows as
    ``age == 40``; the author usually meant ``age > 40``. The reading is kept; the warning states it, with the
    number of rows each reading selects, and the two ways to ask for the threshold that work in the managed job
    too: list the values above it, or store the column as decimals (a float column is always continuous).
    """
    integer_like = profile.kind == "int" or (profile.kind == "string" and profile.int_castable)
    if (
        len(values) != 1
        or not integer_like
        or profile.values is None
        or profile.distinct <= FEW_DISTINCT_VALUES
    ):
        return None
    threshold = _number(values[0])
    if threshold is None:
        return None
    column = profile.name
    numbers = {value: _number(value) for value in profile.values}
    above = sorted(value for value, number in numbers.items() if number is not None and number > threshold)
    above_rows = sum(profile.values[value] for value in above)
    chosen = rows_matching(profile, encoder)
    share = profile.distinct / profile.non_null if profile.non_null else 0.0
    return (
        f"{field}: {values} is read as the category {column} == {values[0]} ({chosen} of {profile.non_null} rows), "
        f"not as a threshold: {column!r} is an integer column with {profile.distinct} distinct values, and "
        f"Clarify reads such a column as categorical when fewer than {UNIQUENESS_THRESHOLD:.0%} of its values are "
        f"distinct ({profile.distinct} of {profile.non_null} = {percent(share)}). If you meant the threshold "
        f"{column} > {values[0]} ({above_rows} rows), list the {len(above)} values above it in {field} "
        f"({shown(above, count=False)}), or "
        f"store the column as decimals (e.g. {threshold!r}), which Clarify reads as continuous"
    )


def scores_as_labels(
    label_profile: ColumnProfile, predicted_profile: ColumnProfile, values: list[Any], encoder: Encoder
) -> str | None:
    """A predicted-label column holding values the label never takes (both read as categorical).

    Typical: a 1–10 risk score named as ``predicted_label`` with ``label_values_or_threshold: [1]``. Clarify
    compares each prediction with the positive values, so only the score 1 is positive and the disparity metrics
    describe "score == 1", not the model's decisions.
    """
    if predicted_profile.name == MODEL_PREDICTION_COLUMN:
        return None
    label_values, predicted_values = label_profile.values, predicted_profile.values
    if label_values is None or predicted_values is None:
        return None
    foreign = [value for value in predicted_values if value not in label_values]
    if not foreign:
        return None
    column, label = predicted_profile.name, label_profile.name
    positive = rows_matching(predicted_profile, encoder)
    if not positive:
        return None  # no prediction is positive at all: the job error of no_positive_predictions says it
    either = " or ".join(map(repr, values))
    return (
        f"predicted_label: column {column!r} holds {len(predicted_values)} distinct values "
        f"{shown(predicted_values)} but label {label!r} holds {shown(label_values)}; with "
        f"label_values_or_threshold {values} only a prediction equal to {either} counts as positive "
        f"({positive} of {predicted_profile.non_null} rows) and every other value ({shown(foreign)}) as "
        f"negative. If {column!r} is a score or a rank rather than a predicted label, map it to the label's values "
        f"first (e.g. a column that is 1 when {column} is above your cut-off, else 0) and name that column in "
        "predicted_label, or leave predicted_label out and let the model predict (predictor, "
        "probability_threshold)"
    )


def no_positive_predictions(
    label_profile: ColumnProfile,
    predicted_profile: ColumnProfile,
    values: list[Any],
    label_encoder: Encoder,
    label_positive_rows: int,
) -> AnalysisError:
    """The job error for predictions none of which is positive (smclarify's wording kept), blaming the field
    to fix: ``label_values_or_threshold`` when no label is positive either, else the predicted label."""
    clarify = (
        "No Label values are present in the predicted Label Column,Positive Predicted Index Series contains all "
        "False values"
    )
    label_seen = list(label_profile.values or {})
    predicted_seen = list(predicted_profile.values or {})
    from_model = predicted_profile.name == MODEL_PREDICTION_COLUMN
    predictions = (
        f"the model's predicted labels hold {shown(predicted_seen)}"
        if from_model
        else f"predicted_label column {predicted_profile.name!r} holds {shown(predicted_seen)}"
    )
    if label_positive_rows == 0:
        if isinstance(label_encoder, CategoricalEncoder):
            found = f"label {label_profile.name!r} holds {shown(label_seen)}"
            hint = did_you_mean_values(values, label_seen)
        else:
            found = f"label {label_profile.name!r} is continuous and its maximum is {label_profile.maximum}"
            hint = ""
        return AnalysisError(
            f"label_values_or_threshold: no label and no prediction is positive for {values}: {found} and "
            f"{predictions}; give the positive label value(s) as they appear in the label column{hint} ({clarify})"
        )
    if from_model:
        fix = (
            "make the model's predicted labels use the label's values: set predictor.label_headers or a label "
            "output"
        )
    else:
        fix = "predictions must use the label's values (label_values_or_threshold)"
    return AnalysisError(
        f"predicted_label: {clarify}; {predictions}, none of them in "
        f"label_values_or_threshold {values} (label {label_profile.name!r} holds {shown(label_seen)}); {fix}"
    )


def check_predictions(
    groups: list[FacetGroup],
    profiles: dict[str, ColumnProfile],
    label: str,
    predicted: str | None,
    label_values: list[Any],
    encoders: Encoders,
) -> None:
    """Predicted labels that are never positive mean the predictions (or the positive values) are wrong: a job
    error, as in Clarify, naming the field to fix (:func:`no_positive_predictions`)."""
    if not groups or groups[0].builder is None or predicted is None:
        return
    table = groups[0].builder.prediction_table().n
    if table.sum() and table[..., 1].sum() == 0:
        label_positive_rows = int(table[..., 1, :].sum())
        raise no_positive_predictions(
            profiles[label], profiles[predicted], label_values, encoders.label_encoder, label_positive_rows
        )


def metric_failures(section: Mapping[str, Any]) -> Iterator[str]:
    """The warning of every metric that failed in a bias section (reference §10.2), in output order."""
    for facet, groups in section.get("facets", {}).items():
        for group in groups:
            for entry in group["metrics"]:
                if entry.get("error") is not None:
                    yield metric_failure_warning(
                        entry["name"], facet, group["value_or_threshold"], str(entry["error"])
                    )


def percent(share: float) -> str:
    """A share as a percentage a reader can compare with 5 %: one decimal, or two significant digits below 1 %."""
    return f"{share:.1%}" if share >= 0.01 else f"{share * 100:.2g}%"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
