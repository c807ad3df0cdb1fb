"""Column roles of an analysis: which column is the label, the predicted label, each facet, the group variable,
the join key, and which columns are model features, in model order (reference §3.4).

Names are resolved once, against the columns the readers found, so every later step (bias counts, FT, model
requests, explanations) works by column name and a wrong name or index fails early with the available columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from ..config import AnalysisConfig
from ..config.model import NameOrIndex, Value
from ..contract import JSON_DATASET_TYPES, PARQUET
from .data.columns import DEFAULT_PREDICTED_LABEL_NAME, column_name
from .data.dataset import TabularDataset
from .data.file_source import FACET_DATASET, PREDICTED_LABEL_DATASET
from .errors import AnalysisError
from .segments import parse_segment_configs


@dataclass(frozen=True)
class FacetRole:
    """One configured facet: its resolved column and its ``value_or_threshold`` (None = one-vs-rest)."""

    column: str
    values: list[Value] | None
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
    facet_dataset_columns: list[str] = field(default_factory=list)
    segment_columns: list[str] = field(default_factory=list)
    """The column of each ``segment_config`` entry, in config order (engine/segments.py)."""

    @classmethod
    def of_features(cls, features: list[str]) -> ColumnRoles:
        """Roles of a table that holds model features only (explanations of an in-memory frame)."""
        return cls(None, None, [], None, None, [], list(features))

    @property
    def label_columns(self) -> list[str]:
        """The label and predicted-label columns that exist (never model features)."""
        return [name for name in (self.label, self.predicted_label) if name]


def resolve_roles(config: AnalysisConfig, dataset: TabularDataset) -> ColumnRoles:
    """Every role of ``config`` resolved against the columns ``dataset`` found (raises naming the field)."""
    is_json = config.dataset_type in JSON_DATASET_TYPES
    main = dataset.main_columns
    label = _role(config, "label", config.label, main)
    if is_json and config.label is not None and dataset.main.json_layout:
        label = dataset.main.json_layout.label_name
    predicted = _predicted_label(config, dataset, is_json)
    facets = [_facet(config, dataset, index) for index in range(len(config.facets))]
    group = _role(config, "group_variable", config.group_variable, dataset.columns, by_path=False)
    excluded = [
        column_name(item, main, f"excluded_columns[{position}]", "the dataset")
        for position, item in enumerate(config.excluded_columns or ())
    ]
    removed = {label, predicted, dataset.join_key, *excluded}
    features = [c for c in main if c not in removed]
    facet_columns = dataset.auxiliary_columns(FACET_DATASET)
    segments = _segment_columns(config, dataset)
    return ColumnRoles(
        label, predicted, facets, group, dataset.join_key, excluded, features, facet_columns, segments
    )


def _segment_columns(config: AnalysisConfig, dataset: TabularDataset) -> list[str]:
    """The column of each ``segment_config`` entry, by name or index like the group variable."""
    columns = []
    for spec in parse_segment_configs(config.segment_config):
        field_name = f"{spec.field}.name_or_index"
        column = _role(config, field_name, spec.name_or_index, dataset.columns, by_path=False)
        assert column is not None  # a parsed entry always names a column
        columns.append(column)
    return columns


def role_problems(config: AnalysisConfig, dataset: TabularDataset) -> list[str]:
    """The reason of every role that does not resolve against ``dataset``: :func:`resolve_roles` stops at the
    first, a pre-flight check (``config validate --dataset``) lists them all."""
    main = dataset.main_columns
    checks: list[Callable[[], object]] = [
        partial(_role, config, "label", config.label, main),
        partial(_predicted_label, config, dataset, config.dataset_type in JSON_DATASET_TYPES),
        *(partial(_facet, config, dataset, index) for index in range(len(config.facets))),
        partial(_role, config, "group_variable", config.group_variable, dataset.columns, by_path=False),
        *(
            partial(column_name, item, main, f"excluded_columns[{position}]", "the dataset")
            for position, item in enumerate(config.excluded_columns or ())
        ),
    ]
    problems = []
    for check in checks:
        try:
            check()
        except AnalysisError as error:
            problems.append(error.reason)
    return problems


def _predicted_label(config: AnalysisConfig, dataset: TabularDataset, is_json: bool) -> str | None:
    auxiliary = dataset.auxiliary(PREDICTED_LABEL_DATASET)
    if config.predicted_label_dataset_uri and auxiliary is not None:
        value = config.predicted_label
        if value is None and DEFAULT_PREDICTED_LABEL_NAME not in auxiliary.source.names:
            raise AnalysisError(unnamed_predicted_label(auxiliary.source.names, dataset.join_key))
        predicted = column_name(
            DEFAULT_PREDICTED_LABEL_NAME if value is None else value,
            auxiliary.source.names,
            "predicted_label",
            "the predicted-label dataset",
        )
        if predicted not in auxiliary.contributed:
            raise AnalysisError("predicted_label: it names the join column; name the predicted-label column")
        return predicted
    if is_json and config.predicted_label is not None:
        return dataset.main.json_layout.predicted_label_name if dataset.main.json_layout else None
    return _role(config, "predicted_label", config.predicted_label, dataset.main_columns)


def unnamed_predicted_label(columns: list[str], join_key: str | None) -> str:
    """The reason a predicted-label dataset without a ``predicted_label`` setting cannot be read (reference §2.1: the
    column named ``predicted_label`` is then the one read): say to set the field, and which columns it may name."""
    candidates = [name for name in columns if name != join_key]
    example = f"; here that is probably {candidates[0]!r}" if len(candidates) == 1 else ""
    return (
        f"predicted_label: not set, so the predicted-label column is the one named "
        f"{DEFAULT_PREDICTED_LABEL_NAME!r}, and the predicted-label dataset has no such column (its columns: "
        f"{columns}); set predicted_label to the name or index of the column that holds the predictions{example}"
    )


def _facet(config: AnalysisConfig, dataset: TabularDataset, index: int) -> FacetRole:
    facet = config.facets[index]
    field_name = f"facet[{index}].name_or_index"
    value = facet.name_or_index
    if config.dataset_type == PARQUET and isinstance(value, int):
        raise AnalysisError(
            f"{field_name}: Parquet columns are addressed by name; give the facet column name"
        )
    auxiliary = dataset.auxiliary(FACET_DATASET)
    if auxiliary is not None and (isinstance(value, int) or value in auxiliary.source.names):
        column = column_name(value, auxiliary.source.names, field_name, "the facet dataset")
    else:
        column = column_name(value, dataset.columns, field_name, "the dataset")
    values = list(facet.value_or_threshold) if facet.value_or_threshold is not None else None
    return FacetRole(column, values, index)


def _role(
    config: AnalysisConfig,
    field_name: str,
    value: NameOrIndex | None,
    names: list[str],
    *,
    by_path: bool = True,
) -> str | None:
    """A role column by name or index; for JSON data (``by_path``) the value is a JMESPath, kept as text."""
    if value is None:
        return None
    if by_path and config.dataset_type in JSON_DATASET_TYPES:
        return str(value)
    if config.dataset_type == PARQUET and isinstance(value, int):
        raise AnalysisError(
            f"{field_name}: Parquet columns are addressed by name, got index {value}; give the column name "
            f"(one of {names})"
        )
    return column_name(value, names, field_name, "the dataset")
