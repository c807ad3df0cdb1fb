"""The first streaming pass of the bias analysis: profile the role columns, count the distinct role-value tuples
per facet column and keep the flip test's rows, chunk by chunk (reference §4, §10.2).

When the model supplies the predicted labels, each chunk is sent to it and its answers are appended as
:data:`~.plan.MODEL_PREDICTION_COLUMN` before anything is counted; a second pass (if one is needed) streams the
same chunks again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from ..data.dataset import TabularDataset
from ..errors import AnalysisError
from ..models import LabelModel
from ..options import EngineOptions
from ..run import Warn
from .counting import TupleCounter
from .ft_rows import FlipTestRows
from .plan import MODEL_PREDICTION_COLUMN, BiasPlan
from .profile import ColumnProfile

log = logging.getLogger("airflow_provider_clarify.engine")

SMALL_DATASET_ROWS = 10


@dataclass
class FirstPass:
    """What the first pass found: a profile per role column, a tuple counter per facet column, FT's rows."""

    profiles: dict[str, ColumnProfile]
    counters: dict[str, TupleCounter]
    ft_rows: FlipTestRows | None
    rows: int


def stream_chunks(plan: BiasPlan, dataset: TabularDataset, model: LabelModel | None) -> Iterator[pa.Table]:
    """The columns of the plan, chunk by chunk, with the model's predicted labels appended when it supplies them."""
    for table in dataset.iter_tables(plan.read_columns):
        if plan.uses_model:
            if model is None:
                raise AnalysisError("internal: predicted labels from the model were planned without a model")
            table = append_model_predictions(table, model, plan.model_features)
        yield table


def first_pass(
    plan: BiasPlan, dataset: TabularDataset, model: LabelModel | None, options: EngineOptions, warn: Warn
) -> FirstPass:
    """Profile, count and collect over the whole dataset, then check what only the whole dataset can tell."""
    found = scan(plan, dataset, model, options)
    check_first_pass(plan, found, warn)
    return found


# --- sharded runs (engine/distributed): the pass over a part of the data, and the checks of the whole ---
def scan(
    plan: BiasPlan, dataset: TabularDataset, model: LabelModel | None, options: EngineOptions
) -> FirstPass:
    """The first pass over ``dataset`` (all of it, or one shard's rows): nothing is checked about its size, so
    the parts of a sharded run merge (:mod:`..distributed.bias_state`) into what one pass would have found."""
    cap = options.max_distinct_values
    profiles = {name: ColumnProfile(name, cap) for name in plan.role_columns}
    counters = {facet: TupleCounter(keys, cap) for facet, keys in plan.tuple_keys.items()}
    ft_rows = None
    if plan.ft_columns is not None:  # FT reads its rows again once the groups are known (see ft_rows)
        ft_rows = FlipTestRows(
            plan.ft_columns,
            set(plan.facet_columns),
            source=dataset.iter_tables,
            stored_columns=[MODEL_PREDICTION_COLUMN] if plan.uses_model else [],
            progress_interval=options.progress_interval_seconds,
        )
    rows = 0
    for table in stream_chunks(plan, dataset, model):
        rows += table.num_rows
        for name, profile in profiles.items():
            profile.update(table.column(name))
        for counter in counters.values():
            counter.update(table)
        if ft_rows is not None:
            ft_rows.add(table, plan.role_columns)
    return FirstPass(profiles, counters, ft_rows, rows)


def check_first_pass(plan: BiasPlan, found: FirstPass, warn: Warn) -> None:
    """What the first pass of the whole dataset must be: not empty; warned about when tiny."""
    rows, profiles = found.rows, found.profiles
    if rows == 0:
        raise AnalysisError(
            "dataset_uri: the dataset is empty (no data rows); point it at a file with records"
        )
    if rows < SMALL_DATASET_ROWS:
        warn(
            f"the dataset has only {rows} row(s) (< {SMALL_DATASET_ROWS}); bias metrics on so few rows are unstable "
            "and some will be errors"
        )
    label_profile = profiles[plan.label]
    dropped = label_profile.rows - label_profile.non_null
    if dropped:
        log.info("%d row(s) with a missing label are left out of the bias metrics", dropped)


# --- end sharded runs ---


def append_model_predictions(table: pa.Table, model: LabelModel, features: list[str]) -> pa.Table:
    frame = table.select(features).to_pandas()
    predicted = model.predict_labels(frame)
    values = pd.Series(predicted).reset_index(drop=True)
    if len(values) != table.num_rows:
        raise AnalysisError(
            f"predictor: the model returned {len(values)} predicted label(s) for {table.num_rows} record(s); it must "
            "return one per record"
        )
    return table.append_column(MODEL_PREDICTION_COLUMN, pa.array(values.tolist()))
