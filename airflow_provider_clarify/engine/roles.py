"""Column roles of an analysis: which column is the label, the predicted label, each facet, the group variable,
the join key, and which columns are model features, in model order (SPEC §3.4).

Names are resolved once, against the columns the readers found, so every later step (bias counts, FT, model
requests, explanations) works by column name and a wrong name or index fails early with the available columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .data.dataset import DEFAULT_PREDICTED_LABEL_NAME, PARQUET, TabularDataset, _column_name
from .errors import AnalysisError


@dataclass(frozen=True)
class FacetRole:
    """One configured facet: its resolved column and its ``value_or_threshold`` (None/[] = one-vs-rest)."""

    column: str
    values: list[Any] | None
    index: int  # position in the config's facet list (for messages: facet[i])


@dataclass(frozen=True)
class ColumnRoles:
    """Resolved column roles. ``features`` are the model inputs in model order."""

    label: str | None
    predicted_label: str | None
    facets: list[FacetRole]
    group_variable: str | None
    join_key: str | None
    excluded: list[str]
    features: list[str]
    facet_dataset_columns: list[str]


def resolve_roles(config: dict[str, Any], dataset: TabularDataset) -> ColumnRoles:
    dataset_type = str(config.get("dataset_type", "text/csv")).lower()
    is_json = dataset_type in ("application/jsonlines", "application/json")
    main = dataset.main_columns
    every = dataset.columns
    label = _role(config, "label", main, "the dataset", dataset_type, is_json)
    if is_json and config.get("label") is not None:
        label = dataset.main.json_layout.label_name if dataset.main.json_layout else label
    predicted: str | None
    if config.get("predicted_label_dataset_uri"):
        predicted_columns = dataset.auxiliary_columns("predicted_label_dataset_uri")
        source_names = next(
            a.source.names for a in dataset.auxiliaries if a.field == "predicted_label_dataset_uri"
        )
        value = config.get("predicted_label", DEFAULT_PREDICTED_LABEL_NAME)
        predicted = _column_name(value, source_names, "predicted_label", "the predicted-label dataset")
        if predicted not in predicted_columns:
            raise AnalysisError("predicted_label: it names the join column; name the predicted-label column")
    elif is_json and config.get("predicted_label") is not None:
        predicted = dataset.main.json_layout.predicted_label_name if dataset.main.json_layout else None
    else:
        predicted = _role(config, "predicted_label", main, "the dataset", dataset_type, is_json)
    facet_columns = dataset.auxiliary_columns("facet_dataset_uri")
    facet_source = next((a.source.names for a in dataset.auxiliaries if a.field == "facet_dataset_uri"), None)
    facets: list[FacetRole] = []
    for index, facet in enumerate(config.get("facet") or []):
        field_name = f"facet[{index}].name_or_index"
        value = facet.get("name_or_index")
        if dataset_type == PARQUET and isinstance(value, int) and not isinstance(value, bool):
            raise AnalysisError(
                f"{field_name}: Parquet columns are addressed by name; give the facet column name"
            )
        if facet_source is not None and (isinstance(value, int) or value in facet_source):
            column = _column_name(value, facet_source, field_name, "the facet dataset")
        else:
            column = _column_name(value, every, field_name, "the dataset")
        values = facet.get("value_or_threshold")
        if values is not None and not isinstance(values, list):
            values = [values]
        facets.append(FacetRole(column, values, index))
    group = _role(config, "group_variable", every, "the dataset", dataset_type, False)
    excluded: list[str] = []
    for position, item in enumerate(config.get("excluded_columns") or []):
        excluded.append(_column_name(item, main, f"excluded_columns[{position}]", "the dataset"))
    removed = {label, predicted, dataset.join_key, *excluded}
    features = [c for c in main if c not in removed]
    return ColumnRoles(label, predicted, facets, group, dataset.join_key, excluded, features, facet_columns)


def _role(
    config: dict[str, Any], field_name: str, names: list[str], where: str, dataset_type: str, is_json: bool
) -> str | None:
    value = config.get(field_name)
    if value is None:
        return None
    if is_json:
        return str(value)
    if dataset_type == PARQUET and isinstance(value, int) and not isinstance(value, bool):
        raise AnalysisError(
            f"{field_name}: Parquet columns are addressed by name, got index {value}; give the column name "
            f"(one of {names})"
        )
    return _column_name(value, names, field_name, where)
