"""``check_dataset``: check an analysis config against its data before running it (``config validate --dataset``).

The config layer checks a document on its own; whether its column names, label values and facet values mean what
the author thinks depends on the data. This check reads the header and the first rows of the role columns (label,
predicted label, facets, group variable) and applies the engine's own rules to them — column resolution, type
inference (reference §3.5), value matching (§3.6), positive-label and facet construction (§4) — so it reports exactly
what the run would warn about or fail on, and states how each column is read (categorical or continuous, which
rows are facet d, which labels are positive). It computes no metric and never calls a model.

Configured values that match no row are errors here (the run only warns, as Clarify computes on): they are almost
always a typo, and a pre-flight check exists to catch those.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from ..config import AnalysisConfig
from .bias.counting import Encoders
from .bias.diagnostics import ValuesNotFound, no_positive_predictions, percent, rows_matching
from .bias.encoding import UNIQUENESS_THRESHOLD, CategoricalEncoder, ContinuousEncoder
from .bias.groups import Encoder, FacetGroup, facet_groups, group_codes, label_encoders
from .bias.plan import MODEL_PREDICTION_COLUMN, plan_bias
from .bias.profile import ColumnProfile
from .data.column_kinds import with_stable_column_types
from .data.dataset import TabularDataset
from .data.opening import open_dataset
from .data.sources import S3Client
from .errors import AnalysisError
from .options import EngineOptions
from .roles import ColumnRoles, FacetRole, resolve_roles, role_problems
from .run import AnalysisRun
from .suggestions import shown

DEFAULT_SAMPLE_ROWS: Final = 100_000
"""Rows read by default: enough for the value checks, quick on any dataset (only role columns are read)."""


@dataclass
class DatasetCheck:
    """What :func:`check_dataset` found: ``errors`` (the run would fail, or a configured value matches nothing),
    ``warnings`` (the run would warn), and ``readings`` (how each role column is read)."""

    dataset: str
    rows_read: int = 0
    complete: bool = True
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No error: the data fits the config (warnings may remain)."""
        return not self.errors

    def lines(self) -> list[str]:
        """Readings, then warnings, then errors, one per line, prefixed with their kind."""
        return (
            [f"reading: {text}" for text in self.readings]
            + [f"WARNING: {text}" for text in self.warnings]
            + [f"ERROR: {text}" for text in self.errors]
        )


def check_dataset(
    config: AnalysisConfig,
    dataset: str | Path | None = None,
    *,
    sample_rows: int | None = DEFAULT_SAMPLE_ROWS,
    s3_client: S3Client | None = None,
    options: EngineOptions | None = None,
) -> DatasetCheck:
    """Check ``config`` against ``dataset`` (default: the config's ``dataset_uri``) on its first ``sample_rows``
    rows (``None``: every row). Never raises for a data problem: every problem is in the returned check."""
    options = options or EngineOptions()
    uri = dataset if dataset is not None else config.dataset_uri
    check = DatasetCheck(str(uri))
    if uri is None:
        check.errors.append("dataset_uri: no dataset given; pass the dataset to check or set dataset_uri")
        return check
    with tempfile.TemporaryDirectory(prefix="clarify-check-") as scratch:
        try:
            chunk_rows = min(options.chunk_rows, sample_rows or options.chunk_rows)
            data = open_dataset(
                config, uri, s3_client=s3_client, scratch=Path(scratch), chunk_rows=chunk_rows
            )
        except AnalysisError as error:
            check.errors.append(error.reason)
            return check
        check.errors.extend(role_problems(config, data))
        if check.errors:
            check.readings.append(f"columns of the data: {data.columns}")
            return check
        roles = resolve_roles(config, data)
        check.readings.append(f"model features, in the order a model receives them: {roles.features}")
        if config.methods.pre_training_bias is None and config.methods.post_training_bias is None:
            return check
        try:
            _check_bias(check, config, data, roles, options, sample_rows)
        except AnalysisError as error:
            check.errors.append(error.reason)
    return check


def _check_bias(
    check: DatasetCheck,
    config: AnalysisConfig,
    data: TabularDataset,
    roles: ColumnRoles,
    options: EngineOptions,
    sample_rows: int | None,
) -> None:
    def warn(message: str) -> None:
        (check.errors if isinstance(message, ValuesNotFound) else check.warnings).append(message)

    run = AnalysisRun(config, roles, options, warn)
    plan = plan_bias(run, data.columns)
    columns = [name for name in plan.role_columns if name != MODEL_PREDICTION_COLUMN]
    profiles = _profiles(check, data, columns, options.max_distinct_values, sample_rows)
    if check.rows_read == 0:
        check.errors.append(
            "dataset_uri: the dataset is empty (no data rows); point it at a file with records"
        )
        return
    strict = options.strict_clarify_compat
    predicted = plan.predicted if plan.predicted != MODEL_PREDICTION_COLUMN else None
    label_profile = profiles[plan.label]
    try:
        encoders, _ = label_encoders(profiles, plan.label, predicted, plan.label_values, strict, warn)
    except AnalysisError as error:
        check.errors.append(error.reason)
        encoders = None
    if encoders is not None:
        check.readings.append(_label_reading(label_profile, plan.label_values, encoders.label_encoder))
        if predicted is not None and encoders.predicted_encoder is not None:
            _check_predictions(check, profiles, plan.label, predicted, plan.label_values, encoders)
    if plan.predicted == MODEL_PREDICTION_COLUMN:
        check.readings.append("predicted labels come from the model: not checked (no model is called)")
    for role in roles.facets:
        try:
            groups = facet_groups(replace(roles, facets=[role]), profiles, strict, warn)
        except AnalysisError as error:
            check.errors.append(error.reason)
            continue
        check.readings.append(_facet_reading(role, profiles[role.column], groups))
    if plan.group_variable:
        try:
            codes = group_codes(profiles[plan.group_variable])
            check.readings.append(f"group_variable {plan.group_variable!r}: {len(codes)} subgroups")
        except AnalysisError as error:
            check.errors.append(error.reason)
    if not check.complete:
        check.readings.append(
            f"only the first {check.rows_read} rows were read: a value that first appears later is reported as "
            "missing, and the categorical/continuous reading of an integer column depends on its share of "
            "distinct values over all rows, so the full run may read it differently (to read every row: "
            "--sample-rows 0, or sample_rows=None)"
        )


def _profiles(
    check: DatasetCheck, data: TabularDataset, columns: list[str], cap: int, sample_rows: int | None
) -> dict[str, ColumnProfile]:
    """Profiles of ``columns`` over the first ``sample_rows`` rows (all when None); records how many were read.
    A column whose values change kind between chunks is read again as text, as the run reads it."""
    return with_stable_column_types(
        lambda: _profiles_once(check, data, columns, cap, sample_rows), check.warnings.append
    )


def _profiles_once(
    check: DatasetCheck, data: TabularDataset, columns: list[str], cap: int, sample_rows: int | None
) -> dict[str, ColumnProfile]:
    check.rows_read, check.complete = 0, True
    profiles = {name: ColumnProfile(name, cap) for name in columns}
    for table in data.iter_tables(columns):
        if sample_rows is not None and check.rows_read + table.num_rows > sample_rows:
            table = table.slice(0, sample_rows - check.rows_read)
            check.complete = False
        _update(profiles, table)
        check.rows_read += table.num_rows
        if not check.complete:
            break
    return profiles


def _update(profiles: dict[str, ColumnProfile], table: pa.Table) -> None:
    for name, profile in profiles.items():
        profile.update(table.column(name))


def _check_predictions(
    check: DatasetCheck,
    profiles: dict[str, ColumnProfile],
    label: str,
    predicted: str,
    values: list[Any],
    encoders: Encoders,
) -> None:
    label_profile, predicted_profile = profiles[label], profiles[predicted]
    assert encoders.predicted_encoder is not None
    predicted_positive = rows_matching(predicted_profile, encoders.predicted_encoder)
    check.readings.append(
        f"predicted_label {predicted!r}: {_kind(predicted_profile)}; {predicted_positive} of "
        f"{predicted_profile.non_null} rows predicted positive"
    )
    label_positive = rows_matching(label_profile, encoders.label_encoder) or 0
    if predicted_positive == 0 and label_positive > 0:  # no positive label at all is already an error
        error = no_positive_predictions(
            label_profile, predicted_profile, values, encoders.label_encoder, label_positive
        )
        check.errors.append(error.reason)


def _kind(profile: ColumnProfile) -> str:
    """A column's stored kind and distinct values, as the type rule sees them."""
    names = {
        "int": "integer",
        "float": "float",
        "string": "text",
        "bool": "boolean",
        "category": "categorical",
    }
    distinct = f"{profile.distinct} distinct values" if profile.values is not None else "many distinct values"
    share = (
        f", {percent(profile.distinct / profile.non_null)} of {profile.non_null} rows"
        if profile.non_null
        else ""
    )
    return f"{names.get(profile.kind, profile.kind)} column, {distinct}{share}"


def _type_reason(profile: ColumnProfile, values: list[Any] | None, continuous: bool) -> str:
    """Why the type rule (reference §3.5) reads the column as it does."""
    if values is not None and len(values) > 1:
        return "categorical, because more than one value is given"
    if profile.kind == "float":
        return "continuous, because it is a float column"
    integer_like = profile.kind == "int" or (profile.kind == "string" and profile.int_castable)
    if integer_like:
        bound = f"{UNIQUENESS_THRESHOLD:.0%}"
        if continuous:
            return f"continuous, because at least {bound} of its values are distinct"
        return f"categorical, because fewer than {bound} of its values are distinct"
    kinds = {"category": "a categorical column", "bool": "a boolean column"}
    return f"categorical, because it is {kinds.get(profile.kind, 'a text column')}"


def _label_reading(profile: ColumnProfile, values: list[Any], encoder: Encoder) -> str:
    continuous = isinstance(encoder, ContinuousEncoder)
    positive = rows_matching(profile, encoder)
    rule = f"positive = value > {values[0]}" if continuous else f"positive = value in {values}"
    return (
        f"label {profile.name!r}: {_kind(profile)}; read as {_type_reason(profile, values, continuous)}; {rule}: "
        f"{positive} of {profile.non_null} rows positive"
    )


def _facet_reading(role: FacetRole, profile: ColumnProfile, groups: list[FacetGroup]) -> str:
    head = f"facet[{role.index}] {role.column!r}: {_kind(profile)}"
    if role.values is None or not role.values:
        return f"{head}; no value_or_threshold: one-vs-rest over {len(groups)} values {shown(g.text for g in groups)}"
    group = groups[0]
    continuous = isinstance(group.encoder, ContinuousEncoder)
    selected = rows_matching(profile, group.encoder)
    if continuous:
        rule = f"facet d = {role.column} > {role.values[0]} (the interval {group.text})"
    else:
        assert isinstance(group.encoder, CategoricalEncoder)
        rule = f"facet d = {role.column} in {role.values}"
    return (
        f"{head}; read as {_type_reason(profile, role.values, continuous)}; {rule}: {selected} of "
        f"{profile.non_null} rows"
    )
