"""Profiles and tuple counts merged across shards equal the ones of one pass over all the chunks in order."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.bias.counting import TupleCounter
from airflow_provider_clarify.engine.bias.profile import ColumnProfile
from airflow_provider_clarify.engine.bias.stream import FirstPass
from airflow_provider_clarify.engine.distributed import codec
from airflow_provider_clarify.engine.distributed.bias_state import first_pass_state, merge_first_passes

CHUNKS = [
    pa.table({"x": pa.array(["b", "a", None]), "y": pa.array([1, 2, 2])}),
    pa.table({"x": pa.array(["a", "c", "c"]), "y": pa.array([2.5, None, 1.0])}),
    pa.table({"x": pa.array(["7", "a", "b"]), "y": pa.array([3, 3, 4])}),
    pa.table({"x": pa.array(["d"]).dictionary_encode(), "y": pa.array([True])}),
]


def _pass(chunks: list[pa.Table], cap: int = 100) -> FirstPass:
    profiles = {name: ColumnProfile(name, cap) for name in ("x", "y")}
    counter = TupleCounter(["x", "y"], cap)
    for chunk in chunks:
        for name, profile in profiles.items():
            profile.update(chunk.column(name))
        counter.update(chunk)
    return FirstPass(profiles, {"x": counter}, None, sum(c.num_rows for c in chunks))


def _through_file(found: FirstPass) -> dict:
    """The state as a shard writes it and the merge reads it."""
    return codec.decode(codec.encode({}, first_pass_state(found)), "test")[1]


def _same(left: ColumnProfile, right: ColumnProfile) -> None:
    assert (left.kind, left.rows, left.non_null, left.maximum, left.int_castable) == (
        right.kind, right.rows, right.non_null, right.maximum, right.int_castable,
    )  # fmt: skip
    assert left.values == right.values
    if left.values is not None:
        assert list(left.values) == list(right.values)  # order of first appearance
        assert [type(v) for v in left.values] == [type(v) for v in right.values]


@pytest.mark.parametrize("cuts", [[1], [2], [1, 2, 3], [3]])
@pytest.mark.parametrize("cap", [100, 4])
def test_merged_shards_equal_one_pass(cuts, cap):
    whole = _pass(CHUNKS, cap)
    bounds = [0, *cuts, len(CHUNKS)]
    parts = [_through_file(_pass(CHUNKS[a:b], cap)) for a, b in itertools.pairwise(bounds)]
    merged = merge_first_passes(parts)
    assert merged.rows == whole.rows == 10
    for name in ("x", "y"):
        _same(merged.profiles[name], whole.profiles[name])
    assert merged.counters["x"].counts == whole.counters["x"].counts


def test_kinds_fold_like_chunks():
    """A column whose first chunk is dictionary-encoded stays categorical; a later one makes text."""
    first = pa.table({"x": pa.array(["a"]).dictionary_encode(), "y": pa.array([1])})
    later = pa.table({"x": pa.array([1]), "y": pa.array(["z"])})
    whole = _pass([first, later])
    merged = merge_first_passes([_through_file(_pass([first])), _through_file(_pass([later]))])
    assert merged.profiles["x"].kind == whole.profiles["x"].kind == "category"
    assert merged.profiles["y"].kind == whole.profiles["y"].kind == "string"


def test_values_keep_their_types():
    found = _pass(
        [pa.table({"x": pa.array(["1"]), "y": pa.array([1.0])}), pa.table({"x": ["2"], "y": [2.5]})]
    )
    merged = merge_first_passes([_through_file(found)])
    assert [type(v) for v in merged.profiles["y"].values] == [float, float]
    assert list(merged.profiles["x"].values) == ["1", "2"]
