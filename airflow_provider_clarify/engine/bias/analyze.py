"""The bias sections of analysis.json from a streamed dataset (SPEC §4, §8.1, §9, §10.2).

One pass over the role columns builds the profiles and tuple counts (plus the FT rows when FT is asked for); the
column types, encoders and facet groups are fixed from the profiles; the contingency tables follow from the
tuple counts (or a second pass); every metric is computed from its table and wrapped as the managed job writes
it, failures becoming per-metric ``error`` entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..data.dataset import TabularDataset
from ..errors import AnalysisError
from ..options import EngineOptions
from ..roles import ColumnRoles, FacetRole
from .counting import Encoders, TableBuilder, TupleCounter, feed_rows
from .descriptions import (
    POST_TRAINING_DESCRIPTIONS,
    POST_TRAINING_METRICS,
    PRE_TRAINING_DESCRIPTIONS,
    PRE_TRAINING_METRICS,
    select_metrics,
)
from .encoding import (
    CONTINUOUS,
    CategoricalEncoder,
    ContinuousEncoder,
    _typed_max,
    infer_series_type,
    interval_breaks,
    interval_text,
    match_values,
    numeric_threshold,
)
from .ft import NON_NUMERIC, flip_test
from .posttraining import POST_TRAINING_FUNCTIONS
from .pretraining import PRE_TRAINING_FUNCTIONS
from .profile import ColumnProfile, arrow_kind, unify_kinds

log = logging.getLogger("airflow_provider_clarify.engine")

MODEL_PREDICTION_COLUMN = "__clarify_model_predicted_label__"
SMALL_DATASET_ROWS = 10


@dataclass
class BiasRequest:
    """What the config asks of the bias engine."""

    pre_metrics: list[str] | None  # None = section not requested
    post_metrics: list[str] | None
    label_values: list[Any]


@dataclass
class FacetGroup:
    role: FacetRole
    text: str
    encoder: Callable[[pd.Series], np.ndarray]
    builder: TableBuilder | None = None


@dataclass
class FlipTestRows:
    """The rows FT needs, kept per chunk: numeric feature matrix plus the raw facet/label/prediction values.

    ``columns`` are every column but the label, predicted label, join key and excluded columns. A text column
    makes FT an error (as in the reference) unless it is the facet column of the group being tested, which FT
    drops anyway; once a text column outside ``facet_columns`` appears, rows stop being collected.
    """

    columns: list[str]
    facet_columns: set[str]
    kinds: dict[str, str] = field(default_factory=dict)
    chunks: list[tuple[np.ndarray, pd.DataFrame]] = field(default_factory=list)

    @property
    def text_columns(self) -> set[str]:
        return {name for name, kind in self.kinds.items() if kind not in ("int", "float", "bool", "null")}

    @property
    def usable(self) -> bool:
        return not (self.text_columns - self.facet_columns)

    def add(self, table: pa.Table, role_columns: list[str]) -> None:
        for name in self.columns:
            self.kinds[name] = unify_kinds(self.kinds.get(name, "null"), arrow_kind(table.column(name).type))
        if not self.usable:
            self.chunks = []
            return
        matrix = np.full((table.num_rows, len(self.columns)), np.nan, dtype=np.float64)
        for position, name in enumerate(self.columns):
            column = table.column(name)
            if arrow_kind(column.type) not in ("int", "float", "bool", "null"):
                continue
            if pa.types.is_boolean(column.type) or pa.types.is_null(column.type):
                column = column.cast(pa.float64())
            matrix[:, position] = column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        self.chunks.append((matrix, table.select(role_columns).to_pandas()))


def request_from_config(config: dict[str, Any]) -> BiasRequest:
    methods = config.get("methods") or {}
    pre = post = None
    if "pre_training_bias" in methods:
        pre = select_metrics(
            (methods["pre_training_bias"] or {}).get("methods", "all"),
            PRE_TRAINING_METRICS,
            "methods.pre_training_bias.methods",
        )
    if "post_training_bias" in methods:
        post = select_metrics(
            (methods["post_training_bias"] or {}).get("methods", "all"),
            POST_TRAINING_METRICS,
            "methods.post_training_bias.methods",
        )
    values = config.get("label_values_or_threshold")
    if values is not None and not isinstance(values, list):
        values = [values]
    return BiasRequest(pre, post, list(values or []))


def compute_bias_sections(
    dataset: TabularDataset,
    roles: ColumnRoles,
    request: BiasRequest,
    options: EngineOptions,
    warn: Callable[[str], None],
    *,
    model: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``pre_training_bias_metrics`` / ``post_training_bias_metrics`` sections and the value distributions."""
    if roles.label is None:
        raise AnalysisError("label: bias metrics need the label column; set `label` to its name or index")
    if not roles.facets:
        raise AnalysisError(
            "facet: bias metrics need at least one facet; add {'name_or_index': ...} to `facet`"
        )
    if not request.label_values:
        raise AnalysisError(
            "label_values_or_threshold: Positive label values or thresholds are empty for Label column; give the "
            "positive label value(s) or a threshold"
        )
    need_post = request.post_metrics is not None
    predicted = roles.predicted_label
    if need_post and predicted is None:
        if model is None:
            raise AnalysisError(
                "predicted_label: post_training_bias needs predicted labels; set `predicted_label` (a column of the "
                "dataset), `predicted_label_dataset_uri`, or a `predictor` (model)"
            )
        predicted = MODEL_PREDICTION_COLUMN
    facet_columns = list(dict.fromkeys(f.column for f in roles.facets))
    role_columns = list(
        dict.fromkeys([roles.label, *facet_columns, *(c for c in [roles.group_variable] if c)])
    )
    if need_post and predicted is not None:
        role_columns.append(predicted)
    want_ft = need_post and "FT" in (request.post_metrics or [])
    ft_rows: FlipTestRows | None = None
    if want_ft:
        removed = {roles.label, roles.predicted_label, roles.join_key, *roles.excluded}
        ft_rows = FlipTestRows([c for c in dataset.columns if c not in removed], set(facet_columns))
    read_columns = [c for c in role_columns if c != MODEL_PREDICTION_COLUMN]
    if ft_rows is not None:
        read_columns += [c for c in ft_rows.columns if c not in read_columns]
    if predicted == MODEL_PREDICTION_COLUMN:
        read_columns += [c for c in roles.features if c not in read_columns]

    cap = options.max_distinct_values
    profiles = {name: ColumnProfile(name, cap) for name in role_columns}
    keys_for = {
        facet: list(
            dict.fromkeys(
                [
                    facet,
                    roles.label,
                    *(c for c in [predicted if need_post else None, roles.group_variable] if c),
                ]
            )
        )
        for facet in facet_columns
    }
    counters = {facet: TupleCounter(keys, cap) for facet, keys in keys_for.items()}

    def tables() -> Iterator[pa.Table]:
        for table in dataset.iter_tables(read_columns):
            if predicted == MODEL_PREDICTION_COLUMN:
                table = _append_model_predictions(table, model, roles.features)
            yield table

    rows = 0
    for table in tables():
        rows += table.num_rows
        for name, profile in profiles.items():
            profile.update(table.column(name))
        for counter in counters.values():
            counter.update(table)
        if ft_rows is not None:
            ft_rows.add(table, role_columns)
    if rows == 0:
        raise AnalysisError(
            "dataset_uri: the dataset is empty (no data rows); point it at a file with records"
        )
    if rows < SMALL_DATASET_ROWS:
        warn(
            f"the dataset has only {rows} row(s) (< {SMALL_DATASET_ROWS}); bias metrics on so few rows are unstable "
            "and some will be errors"
        )
    label_profile = profiles[roles.label]
    dropped = label_profile.rows - label_profile.non_null
    if dropped:
        log.info("%d row(s) with a missing label are left out of the bias metrics", dropped)

    encoders, label_text = _label_encoders(
        profiles, roles.label, predicted if need_post else None, request, options, warn
    )
    if roles.group_variable:
        encoders.group = roles.group_variable
        encoders.group_codes = _group_codes(profiles[roles.group_variable])
    groups = _facet_groups(roles, profiles, options, warn)
    for group in groups:
        group.builder = TableBuilder(group.role.column, group.encoder, encoders)
    by_column: dict[str, list[FacetGroup]] = {}
    for group in groups:
        by_column.setdefault(group.role.column, []).append(group)
    second_pass: list[TableBuilder] = []
    for column, members in by_column.items():
        counter = counters[column]
        if counter.counts is None:
            second_pass.extend(g.builder for g in members if g.builder)
            continue
        frame, weights = counter.frame()
        for group in members:
            assert group.builder is not None
            group.builder.add(frame, weights)
    if second_pass:
        log.info("Role columns have many distinct values: counting in a second pass over the data")
        feed_rows(second_pass, (t.to_pandas() for t in tables()))

    sections: dict[str, Any] = {}
    if request.pre_metrics is not None:
        sections["pre_training_bias_metrics"] = _section(
            roles,
            label_text,
            groups,
            request.pre_metrics,
            PRE_TRAINING_DESCRIPTIONS,
            lambda name, group: PRE_TRAINING_FUNCTIONS[name](group.builder.label_table()),
        )
    if request.post_metrics is not None:
        if predicted is not None:
            _check_predictions(groups)

        def post_metric(name: str, group: FacetGroup) -> float:
            if name == "FT":
                return _flip_test(group, ft_rows, encoders, options)
            return POST_TRAINING_FUNCTIONS[name](group.builder.prediction_table())

        sections["post_training_bias_metrics"] = _section(
            roles, label_text, groups, request.post_metrics, POST_TRAINING_DESCRIPTIONS, post_metric
        )
    distributions = {
        "label": _counts_text(label_profile),
        "facets": {column: _counts_text(profiles[column]) for column in facet_columns},
    }
    return sections, distributions


def _counts_text(profile: ColumnProfile) -> dict[str, int]:
    return {str(value): count for value, count in (profile.values or {}).items()}


def _append_model_predictions(table: pa.Table, model: Any, features: list[str]) -> pa.Table:
    frame = table.select(features).to_pandas()
    predicted = model.predict_labels(frame)
    values = pd.Series(predicted).reset_index(drop=True)
    if len(values) != table.num_rows:
        raise AnalysisError(
            f"predictor: the model returned {len(values)} predicted label(s) for {table.num_rows} record(s); it must "
            "return one per record"
        )
    return table.append_column(MODEL_PREDICTION_COLUMN, pa.array(values.tolist()))


def _label_encoders(
    profiles: dict[str, ColumnProfile],
    label: str,
    predicted: str | None,
    request: BiasRequest,
    options: EngineOptions,
    warn: Callable[[str], None],
) -> tuple[Encoders, str]:
    values = list(request.label_values)
    profile = profiles[label]
    strict = options.strict_clarify_compat
    label_type = infer_series_type(profile, values, "label", strict=strict, warn=warn)
    predicted_encoder = None
    if label_type == CONTINUOUS:
        threshold = numeric_threshold(
            values,
            "label_values_or_threshold",
            required_message="Threshold values must be provided for continuous features",
        )
        breaks = interval_breaks(threshold, _typed_max(profile))
        label_encoder: Callable[[pd.Series], np.ndarray] = ContinuousEncoder(tuple(breaks))
        label_text = interval_text(breaks)
    else:
        matched = match_values(profile, values, "label_values_or_threshold", warn)
        label_encoder = CategoricalEncoder(matched)
        label_text = ",".join(map(str, values))
    positives = (
        sum(
            count
            for value, count in (profile.values or {}).items()
            if label_encoder(pd.Series([value], dtype=object))[0]
        )
        if profile.values is not None
        else None
    )
    if positives == 0:
        warn(
            f"label_values_or_threshold: no row of label column {label!r} is positive for {values} (label values "
            f"seen: {list(profile.values or {})[:10]}); every label-based metric treats all rows as negative. "
            "Check the positive value(s) and their type"
        )
    if predicted is not None:
        predicted_profile = profiles[predicted]
        predicted_type = infer_series_type(
            predicted_profile, values, "predicted label", strict=strict, warn=warn
        )
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
            predicted_encoder = ContinuousEncoder(tuple(breaks), cast_to_int=profile.kind != "float")
        else:
            predicted_encoder = CategoricalEncoder(
                match_values(predicted_profile, values, "label_values_or_threshold (predicted label)", warn)
            )
    group_codes: dict[Any, int] = {}
    return Encoders(label, label_encoder, predicted, predicted_encoder, None, group_codes), label_text


def _group_codes(profile: ColumnProfile) -> dict[Any, int]:
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


def _facet_groups(
    roles: ColumnRoles,
    profiles: dict[str, ColumnProfile],
    options: EngineOptions,
    warn: Callable[[str], None],
) -> list[FacetGroup]:
    groups: list[FacetGroup] = []
    for role in roles.facets:
        profile = profiles[role.column]
        field = f"facet[{role.index}].value_or_threshold"
        values = list(role.values) if role.values else None
        facet_type = infer_series_type(
            profile, values, f"facet[{role.index}]", strict=options.strict_clarify_compat, warn=warn
        )
        if facet_type == CONTINUOUS:
            threshold = numeric_threshold(
                values,
                field,
                required_message="Threshold values must be provided for continuous features; give one threshold "
                f"for continuous facet column {role.column!r}, e.g. [40]",
            )
            breaks = interval_breaks(threshold, _typed_max(profile))
            groups.append(FacetGroup(role, interval_text(breaks), ContinuousEncoder(tuple(breaks))))
            continue
        if values:
            matched = match_values(profile, values, field, warn)
            encoder = CategoricalEncoder(matched)
            if profile.values is not None and not any(
                encoder(pd.Series([v], dtype=object))[0] for v in profile.values
            ):
                warn(
                    f"{field}: no row of facet column {role.column!r} has value(s) {values} (values seen: "
                    f"{list(profile.values)[:10]}); facet d is empty and its metrics are errors"
                )
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


def _check_predictions(groups: list[FacetGroup]) -> None:
    if not groups or groups[0].builder is None:
        return
    table = groups[0].builder.prediction_table().n
    if table.sum() and table[..., 1].sum() == 0:
        raise AnalysisError(
            "predicted_label: No Label values are present in the predicted Label Column,Positive Predicted Index "
            "Series contains all False values; predictions must use the label's values (label_values_or_threshold)"
        )


def _flip_test(
    group: FacetGroup, rows: FlipTestRows | None, encoders: Encoders, options: EngineOptions
) -> float:
    if rows is None:
        raise ValueError("FT rows were not collected")
    if rows.text_columns - {group.role.column}:
        raise ValueError(NON_NUMERIC)
    keep = [i for i, name in enumerate(rows.columns) if name != group.role.column]
    parts_a: list[np.ndarray] = []
    parts_d: list[np.ndarray] = []
    yhat_a: list[np.ndarray] = []
    yhat_d: list[np.ndarray] = []
    for matrix, frame in rows.chunks:
        valid = (
            frame[group.role.column].notna().to_numpy()
            & frame[encoders.label].notna().to_numpy()
            & frame[encoders.predicted].notna().to_numpy()
        )
        d = group.encoder(frame[group.role.column]) & valid
        a = ~group.encoder(frame[group.role.column]) & valid
        yhat = encoders.predicted_encoder(frame[encoders.predicted]) if encoders.predicted_encoder else None
        assert yhat is not None
        parts_a.append(matrix[a][:, keep])
        parts_d.append(matrix[d][:, keep])
        yhat_a.append(yhat[a])
        yhat_d.append(yhat[d])
    features_a = np.concatenate(parts_a) if parts_a else np.empty((0, len(keep)))
    features_d = np.concatenate(parts_d) if parts_d else np.empty((0, len(keep)))
    return flip_test(
        features_a, np.concatenate(yhat_a), features_d, np.concatenate(yhat_d), n_jobs=options.ft_n_jobs
    )


def _section(
    roles: ColumnRoles,
    label_text: str,
    groups: list[FacetGroup],
    metrics: list[str],
    descriptions: dict[str, str],
    compute: Callable[[str, FacetGroup], float],
) -> dict[str, Any]:
    facets: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        results = []
        for name in sorted(metrics):
            entry: dict[str, Any] = {"name": name, "description": descriptions[name]}
            try:
                value = float(compute(name, group))
                entry["value"] = None if np.isnan(value) else value
            except Exception as error:  # a failing metric never fails the job (SPEC §10.2)
                log.warning("%s failed for facet %s=%s: %s", name, group.role.column, group.text, error)
                entry["value"] = None
                entry["error"] = str(error)
            results.append(entry)
        facets.setdefault(group.role.column, []).append(
            {"value_or_threshold": group.text, "metrics": results}
        )
    return {"label": roles.label, "label_value_or_threshold": label_text, "facets": facets}
