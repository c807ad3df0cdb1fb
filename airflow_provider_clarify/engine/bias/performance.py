"""The counts behind the report's model-performance section: confusion matrices and label / predicted-label rates.

Why counts from the bias tables: the tables already hold, per facet group, how many rows of facet d and of facet
a have each (label, predicted label) pair, so the report needs no second look at the rows, and its numbers agree
with the metrics by construction (AD, RD, SD... are differences of these same ratios). One more table, with every
row in one group, gives the whole dataset's confusion matrix; it is filled from the same tuple counts or second
pass as the facet groups' (:func:`.contingency.count_tables`).

The result is plain JSON (ints and strings): the report embeds it beside ``analysis.json``, never inside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .counting import Encoders, TableBuilder
from .groups import FacetGroup

FACET_D, FACET_A = 1, 0
"""Index of the sensitive group (facet d) and of the rest (facet a) on a table's facet axis."""


def _nobody(series: pd.Series) -> np.ndarray:
    """Facet encoder of the whole-dataset table: no row is in facet d, so facet a holds every row."""
    return np.zeros(len(series), dtype=bool)


def overall_builder(encoders: Encoders) -> TableBuilder:
    """A table builder counting every row with a label (its facet "column" is the label, never missing there)."""
    return TableBuilder(encoders.label, _nobody, encoders)


def with_overall(
    extra: Mapping[str, Sequence[TableBuilder]] | None, facet_column: str, overall: TableBuilder
) -> dict[str, list[TableBuilder]]:
    """``extra`` builders by facet column, plus ``overall`` fed from ``facet_column``'s counts (any facet column
    holds the label and predicted-label columns in its tuple key, and counts rows whose facet is missing too)."""
    builders = {column: list(found) for column, found in (extra or {}).items()}
    builders.setdefault(facet_column, []).append(overall)
    return builders


def _side(label_counts: np.ndarray, prediction_counts: np.ndarray | None) -> dict[str, int]:
    """Counts of one side: ``label_counts`` is ``n[y]``, ``prediction_counts`` ``n[y, ŷ]`` (None without
    predictions)."""
    side = {"rows": int(label_counts.sum()), "label_positive": int(label_counts[1])}
    if prediction_counts is not None:
        side.update(
            {
                "rows_with_prediction": int(prediction_counts.sum()),
                "predicted_positive": int(prediction_counts[:, 1].sum()),
                "true_positive": int(prediction_counts[1, 1]),
                "false_positive": int(prediction_counts[0, 1]),
                "false_negative": int(prediction_counts[1, 0]),
                "true_negative": int(prediction_counts[0, 0]),
            }
        )
    return side


def _sides(builder: TableBuilder, with_predictions: bool) -> tuple[dict[str, int], dict[str, int]]:
    """(facet d, facet a) counts of one table."""
    labels = builder.label_table().by_facet_label()
    predictions = builder.prediction_table().by_facet() if with_predictions else None
    return tuple(  # type: ignore[return-value]  # always two sides
        _side(labels[side], None if predictions is None else predictions[side]) for side in (FACET_D, FACET_A)
    )


def performance_counts(
    label: str,
    label_text: str,
    groups: list[FacetGroup],
    overall: TableBuilder,
    *,
    with_predictions: bool,
) -> dict[str, Any]:
    """The report's performance data: the whole dataset's counts and, per facet group, facet d's and facet a's.

    ``{"label", "label_value_or_threshold", "predictions": bool, "overall": side, "groups": [{"facet",
    "value_or_threshold", "d": side, "a": side}]}`` where a side is ``{"rows", "label_positive"}`` plus, with
    predictions, ``{"rows_with_prediction", "predicted_positive", "true_positive", "false_positive",
    "false_negative", "true_negative"}``.
    """
    _, everything = _sides(overall, with_predictions)
    entries = []
    for group in groups:
        assert group.builder is not None, "tables are counted before the performance data is read"
        d, a = _sides(group.builder, with_predictions)
        entries.append({"facet": group.role.column, "value_or_threshold": group.text, "d": d, "a": a})
    return {
        "label": label,
        "label_value_or_threshold": label_text,
        "predictions": with_predictions,
        "overall": everything,
        "groups": entries,
    }
