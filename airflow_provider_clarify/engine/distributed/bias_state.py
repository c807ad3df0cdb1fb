"""The bias first pass as a mergeable partial state: column profiles and distinct-tuple counts.

Every count-based metric (and the 5 % type rule, the one-vs-rest facet values, the report's distributions) is
decided from the first pass's profiles and tuple counts. Both are sums over rows, so the pass over shard 0, then
shard 1, … merged in shard order is the pass over the whole dataset:

- a profile's row and non-null counts add; its distinct values keep the order of first appearance (shard order is
  dataset order) and their counts add; past the bound (``max_distinct_values``) the values are given up exactly when
  one process would have given them up (the set only grows); the column kind folds with the same rule a chunk
  applies; the maximum is the larger one (it is read only for integer-like columns, whose every chunk counted);
- tuple counts add, and are given up past the bound the same way (the merge then counts those facets in a second
  pass over the data, as one process does).

The state carries cell values exactly (``1`` stays an int, ``1.0`` a float: analysis.json prints them), see
:mod:`.codec`.
"""

from __future__ import annotations

from typing import Any

from ..bias.counting import TupleCounter
from ..bias.profile import ColumnProfile
from ..bias.stream import FirstPass
from ..data.column_kinds import unify_kinds
from .codec import plain


def first_pass_state(found: FirstPass) -> dict[str, Any]:
    """The JSON-able state of a first pass (its FT rows are not carried: see the flip-test state)."""
    return {
        "rows": found.rows,
        "profiles": {name: _profile_state(profile) for name, profile in found.profiles.items()},
        "counters": {facet: _counter_state(counter, facet) for facet, counter in found.counters.items()},
    }


def merge_first_passes(states: list[dict[str, Any]]) -> FirstPass:
    """The first pass of the whole dataset from the states of its shards, in shard order."""
    first, *rest = states
    profiles = {name: _profile(value) for name, value in first["profiles"].items()}
    counters = {facet: _counter(value) for facet, value in first["counters"].items()}
    rows = int(first["rows"])
    for state in rest:
        rows += int(state["rows"])
        for name, value in state["profiles"].items():
            _merge_profile(profiles[name], _profile(value))
        for facet, value in state["counters"].items():
            _merge_counter(counters[facet], _counter(value))
    return FirstPass(profiles, counters, None, rows)


def _profile_state(profile: ColumnProfile) -> dict[str, Any]:
    where = f"column {profile.name!r}"
    values = None
    if profile.values is not None:
        values = [[plain(value, where), count] for value, count in profile.values.items()]
    return {
        "name": profile.name,
        "cap": profile.cap,
        "kind": profile.kind,
        "rows": profile.rows,
        "non_null": profile.non_null,
        "values": values,
        "maximum": plain(profile.maximum, where),
        "int_castable": profile.int_castable,
    }


def _profile(state: dict[str, Any]) -> ColumnProfile:
    profile = ColumnProfile(str(state["name"]), int(state["cap"]))
    profile.kind = str(state["kind"])
    profile.rows = int(state["rows"])
    profile.non_null = int(state["non_null"])
    values = state["values"]
    profile.values = None if values is None else {value: int(count) for value, count in values}
    profile.maximum = state["maximum"]
    profile.int_castable = bool(state["int_castable"])
    return profile


def _merge_profile(into: ColumnProfile, later: ColumnProfile) -> None:
    """``into`` becomes the profile of its rows followed by ``later``'s (as :meth:`ColumnProfile.update` folds)."""
    into.kind = unify_kinds(into.kind, later.kind) if into.kind != "category" else "category"
    into.rows += later.rows
    into.non_null += later.non_null
    if into.values is not None and later.values is not None:
        store = into.values
        for value, count in later.values.items():
            store[value] = store.get(value, 0) + count
        if len(store) > into.cap:
            into.values = None
    else:
        into.values = None
    if later.maximum is not None:
        into.maximum = later.maximum if into.maximum is None else max(into.maximum, later.maximum)
    into.int_castable = into.int_castable and later.int_castable


def _counter_state(counter: TupleCounter, facet: str) -> dict[str, Any]:
    where = f"the role columns of facet {facet!r}"
    counts = None
    if counter.counts is not None:
        counts = [[[plain(v, where) for v in key], count] for key, count in counter.counts.items()]
    return {"keys": list(counter.keys), "cap": counter.cap, "counts": counts}


def _counter(state: dict[str, Any]) -> TupleCounter:
    counter = TupleCounter(list(state["keys"]), int(state["cap"]))
    counts = state["counts"]
    counter.counts = None if counts is None else {tuple(key): int(count) for key, count in counts}
    return counter


def _merge_counter(into: TupleCounter, later: TupleCounter) -> None:
    if into.counts is None or later.counts is None:
        into.counts = None
        return
    store = into.counts
    for key, count in later.counts.items():
        store[key] = store.get(key, 0) + count
    if len(store) > into.cap:
        into.counts = None
