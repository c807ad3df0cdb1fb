"""Kernel SHAP across shards: the plan's baseline, each shard's local values, the merge's summaries.

Every record's coalitions are drawn from its own random stream, named by its position in the whole dataset
(``record_rng(seed, position)``), so a shard explaining records 5,000–9,999 gets, for each of them, the values one
process gets: a record's values never depend on which other records share its batch. The plan computes the
baseline once (clustering reads every record, reference §6.3); each shard explains its records against it and stores
their local values and text units; the merge joins the parts in record order and runs what one process runs after
its local values (global values, intervals, segments, the local-value files).

Frames travel as Arrow IPC (types exact) except the baseline, whose pandas dtypes the estimator sees, stored
column by column with its dtype.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..explain.kernel_shap import LocalShap, Unit
from ..explain.shap_output import Units
from .codec import plain


def local_state(local: LocalShap) -> dict[str, Any]:
    """The local values of a shard's records (per-record arrays of different lengths stored flat)."""
    targets = local.expected.shape[1] if local.expected.ndim == 2 else 0
    return {
        "counts": np.asarray([len(v) for v in local.values], dtype=np.int64),
        "values": _flat(local.values, targets),
        "expected": np.asarray(local.expected, dtype=float),
        "prediction": np.asarray(local.prediction, dtype=float),
        "errors": None if local.standard_errors is None else _flat(local.standard_errors, targets),
        "targets": list(local.target_names),
        "algorithm": local.algorithm,
    }


def merged_local(states: Sequence[dict[str, Any]]) -> LocalShap:
    """The local values of every record, the shards' in order."""
    values: list[np.ndarray] = []
    errors: list[np.ndarray] | None = [] if all(s["errors"] is not None for s in states) else None
    expected, prediction = [], []
    for state in states:
        values.extend(_split(state["values"], state["counts"]))
        if errors is not None:
            errors.extend(_split(state["errors"], state["counts"]))
        expected.append(np.asarray(state["expected"], dtype=float))
        prediction.append(np.asarray(state["prediction"], dtype=float))
    algorithms = {str(state["algorithm"]) for state in states if len(state["counts"])}
    return LocalShap(
        values=values,
        expected=np.concatenate(expected) if expected else np.zeros((0, 1)),
        prediction=np.concatenate(prediction) if prediction else np.zeros((0, 1)),
        target_names=next((list(s["targets"]) for s in states if s["targets"]), []),
        standard_errors=errors,
        algorithm=algorithms.pop() if len(algorithms) == 1 else next(iter(sorted(algorithms)), "kernel"),
    )


def _flat(arrays: Sequence[np.ndarray], targets: int) -> np.ndarray:
    if not arrays:
        return np.zeros((0, max(targets, 1)))
    return np.concatenate([np.asarray(a, dtype=float).reshape(len(a), -1) for a in arrays])


def _split(flat: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int)
    return [flat[start:end] for start, end in itertools.pairwise(bounds)]


def units_state(units: Units, records: int) -> list[Any]:
    """Each record's text units by text column (``[[column, [[text, start, end], ...]], ...]`` per record)."""
    return (
        [
            [
                [column, [[u.text, u.start, u.end] for u in found]]
                for column, found in units.get(i, {}).items()
            ]
            for i in range(records)
        ]
        if units
        else []
    )


def merged_units(states: Sequence[list[Any]]) -> Units:
    """The text units of every record, keyed by position among all records."""
    units: Units = {}
    position = 0
    for state in states:
        for record in state:
            units[position] = {
                int(column): [Unit(str(t), int(s), int(e)) for t, s, e in found] for column, found in record
            }
            position += 1
    return units


def table_bytes(frame: pd.DataFrame) -> np.ndarray:
    """A frame as Arrow IPC bytes (column types exact)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return np.frombuffer(sink.getvalue(), dtype=np.uint8)


def frame_from_bytes(data: np.ndarray) -> pd.DataFrame:
    with pa.ipc.open_stream(pa.py_buffer(np.asarray(data, dtype=np.uint8).tobytes())) as reader:
        frame: pd.DataFrame = reader.read_all().to_pandas()
    return frame


def frame_state(frame: pd.DataFrame, where: str) -> dict[str, Any]:
    """A small frame column by column with its pandas dtype (the baseline the estimator reads)."""
    return {
        "columns": [str(name) for name in frame.columns],
        "dtypes": [str(dtype) for dtype in frame.dtypes],
        "values": [
            [plain(v, f"{where} column {name!r}") for v in frame[name].tolist()] for name in frame.columns
        ],
    }


def restore_frame(state: dict[str, Any]) -> pd.DataFrame:
    columns = {
        name: pd.Series(values, dtype=pd.api.types.pandas_dtype(dtype))
        for name, dtype, values in zip(state["columns"], state["dtypes"], state["values"], strict=True)
    }
    return pd.DataFrame(columns, columns=state["columns"])
