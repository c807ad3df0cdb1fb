"""Facet / predicted-label rows joined on a key (compared as text) or aligned by position with equal counts."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.data.file_source import AuxiliarySource, FileSource
from airflow_provider_clarify.engine.data.joins import (
    JoinCounts,
    RowTaker,
    align_by_position,
    join_on_key,
    key_text,
    load_for_join,
)
from airflow_provider_clarify.engine.errors import AnalysisError


def test_keys_compare_as_text_whatever_their_type():
    keys = key_text(pd.Series([1.0, 2, "3", None]))
    assert keys[:3].tolist() == ["1", "2", "3"] and pd.isna(keys[3])


def test_inner_join_keeps_matching_rows_in_main_order():
    main = iter([pa.table({"id": [3, 1, 2], "x": [30, 10, 20]})])
    lookup = pd.DataFrame({"__join_key__": ["1", "3"], "g": ["a", "c"]})
    (joined,) = join_on_key(main, {"facet_dataset_uri": lookup}, "id", ["x", "g"])
    assert joined.to_pydict() == {"x": [30, 10], "g": ["c", "a"]}


def test_the_rows_each_lookup_lacks_are_counted_once_the_whole_stream_was_read():
    main = iter([pa.table({"id": [1, 2, 3]}), pa.table({"id": [4, 5, 6]})])
    facets = pd.DataFrame({"__join_key__": ["1", "2", "3", "4"], "g": list("abcd")})
    predictions = pd.DataFrame({"__join_key__": ["2", "3", "5", "6"], "p": [0, 1, 0, 1]})
    seen: list[JoinCounts] = []
    stream = join_on_key(
        main,
        {"facet_dataset_uri": facets, "predicted_label_dataset_uri": predictions},
        "id",
        ["id", "g", "p"],
        seen.append,
    )
    first = next(stream)
    assert first.to_pydict() == {"id": [2, 3], "g": ["b", "c"], "p": [0, 1]}
    assert seen == []  # a read stopped here would report nothing
    rest = list(stream)
    assert pa.concat_tables([first, *rest]).column("id").to_pylist() == [2, 3]
    # Ids 1..6: the facets lack 5 and 6, the predictions lack 1 and 4; 1, 4, 5, 6 are dropped.
    assert seen == [
        JoinCounts(
            read=6, kept=2, dropped=4, unmatched={"facet_dataset_uri": 2, "predicted_label_dataset_uri": 2}
        )
    ]
    message = seen[0].warning("id")
    assert message.startswith("Inner join on 'id' (joinsource_name_or_index) dropped 4 of 6 dataset row(s) ")
    assert (
        "(2 without a match in facet_dataset_uri; 2 without a match in predicted_label_dataset_uri)"
        in message
    )
    assert "uses the 2 joined row(s)" in message


def test_a_key_repeated_in_a_lookup_is_not_counted_as_dropped():
    main = iter([pa.table({"id": [1, 2]})])
    lookup = pd.DataFrame({"__join_key__": ["1", "1"], "g": ["a", "b"]})
    seen: list[JoinCounts] = []
    (joined,) = join_on_key(main, {"facet_dataset_uri": lookup}, "id", ["id", "g"], seen.append)
    assert joined.to_pydict() == {"id": [1, 1], "g": ["a", "b"]}  # an inner join, as Clarify's
    assert seen == [JoinCounts(read=2, kept=2, dropped=1, unmatched={"facet_dataset_uri": 1})]


def test_a_join_that_drops_nothing_has_no_warning():
    assert JoinCounts(read=3, kept=3, dropped=0, unmatched={"facet_dataset_uri": 0}).warning("id") is None


def test_a_lookup_of_keys_only(tmp_path):
    path = tmp_path / "facets.csv"
    path.write_text("id,g\n1,a\n2.0,b\n")
    auxiliary = AuxiliarySource(
        "facet_dataset_uri", FileSource("text/csv", [path], ["id", "g"], [True]), ["g"]
    )
    assert load_for_join(auxiliary, "id", 10, []).to_dict("list") == {"__join_key__": ["1", "2"]}
    assert load_for_join(auxiliary, "id", 10).to_dict("list") == {"g": ["a", "b"], "__join_key__": ["1", "2"]}


def test_row_taker_crosses_chunk_boundaries():
    taker = RowTaker(iter([pa.table({"v": [1, 2]}), pa.table({"v": [3, 4, 5]})]))
    assert taker.take(3).column("v").to_pylist() == [1, 2, 3]
    assert taker.remaining() == 2


def _auxiliary(tmp_path, values: list[str]) -> AuxiliarySource:
    path = tmp_path / "facets.csv"
    path.write_text("g\n" + "\n".join(values) + "\n")
    return AuxiliarySource("facet_dataset_uri", FileSource("text/csv", [path], ["g"], [True]), ["g"])


def test_alignment_by_position(tmp_path):
    main = iter([pa.table({"x": [1, 2]}), pa.table({"x": [3]})])
    tables = list(align_by_position(main, [_auxiliary(tmp_path, ["a", "b", "c"])], ["x", "g"], 10))
    assert pa.concat_tables(tables).to_pydict() == {"x": [1, 2, 3], "g": ["a", "b", "c"]}


@pytest.mark.parametrize("facets", [["a", "b"], ["a", "b", "c", "d"]])
def test_row_counts_that_differ_fail_with_both_counts(tmp_path, facets):
    main = iter([pa.table({"x": [1, 2, 3]})])
    with pytest.raises(
        AnalysisError, match=r"facet_dataset_uri: the facet dataset has .* row\(s\) but the dataset"
    ):
        list(align_by_position(main, [_auxiliary(tmp_path, facets)], ["x", "g"], 10))
