"""The flip test (FT) across shards: every shard compares its own facet-d rows against all of facet a.

FT is the one bias metric computed from rows: each facet-d row is compared with its nearest facet-a neighbours
(reference §9.2). Which rows are facet a depends on the column types, decided from the whole dataset's profiles, so a
run with FT profiles the data in the plan (:mod:`.planning`, the first pass one shard at a time). Every shard then
derives the same encoders and facet groups from those profiles, builds facet a's neighbour index over every row of
the dataset — as one process does — and compares only the facet-d rows of its own range
(:meth:`~..bias.ft_rows.FlipTestRows.querying`). F+ and F− add up across shards; n_d is the whole data's, so the
merge's FT is (ΣF+ − ΣF−) / n_d: the value of one process, for every facet group and every segment.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ..bias.counting import Encoders
from ..bias.ft_rows import FlipCounts, FlipTestRows, flip_test_value, group_flip_counts
from ..bias.groups import FacetGroup, facet_groups, group_codes, label_encoders
from ..bias.plan import MODEL_PREDICTION_COLUMN, BiasPlan
from ..bias.sections import FlipTest
from ..bias.segment_tables import segment_rows
from ..bias.stream import FirstPass
from ..data.dataset import TabularDataset
from ..run import AnalysisRun
from ..segments import SegmentConfigSpec, resolve_memberships

Problem = tuple[int, str, "tuple[int, int] | None"]
"""An FT computation: facet group (its facet's position in the config, its ``value_or_threshold`` text) in the
whole data or in segment (config, code)."""


def ft_rows_state(rows: FlipTestRows) -> dict[str, Any]:
    """What a shard needs of the first pass's FT bookkeeping: the kinds of the FT columns, the row count, and the
    model's predicted labels of every row (when the model supplied them)."""
    return {
        "kinds": dict(rows.kinds),
        "rows": rows.rows,
        "role_columns": list(rows.role_columns),
        "stored": {name: _arrow_bytes(pa.chunked_array(arrays)) for name, arrays in rows.stored.items()},
    }


def merge_ft_rows_states(states: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The FT bookkeeping of the whole data from the parts' (in order)."""
    kinds: dict[str, str] = {}
    from ..data.column_kinds import unify_kinds

    for state in states:
        for name, kind in state["kinds"].items():
            kinds[name] = unify_kinds(kinds.get(name, "null"), kind)
    stored: dict[str, list[pa.Array]] = {}
    for state in states:
        for name, data in state["stored"].items():
            stored.setdefault(name, []).extend(_arrow_array(data).chunks)
    return {
        "kinds": kinds,
        "rows": sum(int(state["rows"]) for state in states),
        "role_columns": next((s["role_columns"] for s in states if s["role_columns"]), []),
        "stored": {name: _arrow_bytes(pa.chunked_array(arrays)) for name, arrays in stored.items()},
    }


def restored_ft_rows(
    state: dict[str, Any], bias_plan: BiasPlan, data: TabularDataset, progress_interval: float
) -> FlipTestRows:
    """The FT rows of the whole dataset as the first pass left them, reading ``data`` again."""
    assert bias_plan.ft_columns is not None
    stored = {name: list(_arrow_array(value).chunks) for name, value in state["stored"].items()}
    return FlipTestRows(
        bias_plan.ft_columns,
        set(bias_plan.facet_columns),
        kinds=dict(state["kinds"]),
        source=data.iter_tables,
        stored_columns=[MODEL_PREDICTION_COLUMN] if bias_plan.uses_model else [],
        progress_interval=progress_interval,
        rows=int(state["rows"]),
        role_columns=list(state["role_columns"]),
        stored=stored,
    )


def groups_of(run: AnalysisRun, bias_plan: BiasPlan, found: FirstPass) -> tuple[Encoders, list[FacetGroup]]:
    """The encoders and facet groups the merge will decide from the same profiles (warnings are the merge's)."""
    strict = run.options.strict_clarify_compat
    encoders, _ = label_encoders(
        found.profiles, bias_plan.label, bias_plan.predicted, bias_plan.label_values, strict, _quiet
    )
    if bias_plan.group_variable:
        encoders.group = bias_plan.group_variable
        encoders.group_codes = group_codes(found.profiles[bias_plan.group_variable])
    return encoders, facet_groups(run.roles, found.profiles, strict, _quiet)


def shard_flip_tests(
    run: AnalysisRun,
    bias_plan: BiasPlan,
    found: FirstPass,
    rows: FlipTestRows,
    queried: tuple[int, int],
    segment_specs: Sequence[SegmentConfigSpec],
) -> list[list[Any]]:
    """F+, F− and n_d (or the error) of every FT problem, comparing the facet-d rows at positions ``queried``."""
    encoders, groups = groups_of(run, bias_plan, found)
    mine = rows.querying(*queried)
    memberships = (
        resolve_memberships(list(segment_specs), run.roles.segment_columns, found.profiles, _quiet)
        if segment_specs
        else []
    )
    results: list[list[Any]] = []
    n_jobs = run.options.ft_n_jobs
    for group in groups:
        key = [group.role.index, group.text]
        results.append([*key, None, _counts(group, mine, encoders, n_jobs)])
        for k, membership in enumerate(memberships):
            for code in range(len(membership.segments)):
                part = segment_rows(mine, membership, code)
                results.append([*key, [k, code], _counts(group, part, encoders, n_jobs)])
    return results


def merged_flip_test(shard_results: Sequence[Sequence[Sequence[Any]]]) -> FlipTest:
    """FT of every problem from the shards' counts (the first shard's error, in shard order, when any failed)."""
    totals: dict[Problem, list[Any]] = {}
    for results in shard_results:
        for index, text, segment, outcome in results:
            key: Problem = (
                int(index),
                str(text),
                None if segment is None else (int(segment[0]), int(segment[1])),
            )
            totals.setdefault(key, []).append(outcome)

    def flip_test(group: FacetGroup, segment: tuple[int, int] | None) -> float:
        outcomes = totals.get((group.role.index, group.text, segment))
        if outcomes is None:
            raise ValueError("FT rows were not collected")
        for outcome in outcomes:
            if "error" in outcome:
                raise ValueError(outcome["error"])
        return flip_test_value(
            FlipCounts(
                sum(int(o["flipped_to_negative"]) for o in outcomes),
                sum(int(o["flipped_to_positive"]) for o in outcomes),
                int(outcomes[0]["facet_d"]),
            )
        )

    return flip_test


def _counts(group: FacetGroup, rows: FlipTestRows | None, encoders: Encoders, n_jobs: int) -> dict[str, Any]:
    try:
        counts = group_flip_counts(group, rows, encoders, n_jobs)
    except Exception as error:  # as bias_section records a failing metric (reference §10.2)
        return {"error": str(error)}
    return {
        "flipped_to_negative": counts.flipped_to_negative,
        "flipped_to_positive": counts.flipped_to_positive,
        "facet_d": counts.facet_d,
    }


def _quiet(message: str) -> None:
    """Warnings of decisions the merge takes again (and warns about) itself."""


def _arrow_bytes(values: pa.ChunkedArray) -> np.ndarray:
    sink = io.BytesIO()
    table = pa.table({"values": values})
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return np.frombuffer(sink.getvalue(), dtype=np.uint8)


def _arrow_array(data: np.ndarray) -> pa.ChunkedArray:
    with pa.ipc.open_stream(pa.py_buffer(np.asarray(data, dtype=np.uint8).tobytes())) as reader:
        return reader.read_all().column("values")
