"""Facet / predicted-label rows joined on a key (compared as text) or aligned by position with equal counts."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.data.file_source import AuxiliarySource, FileSource
from airflow_provider_clarify.engine.data.joins import RowTaker, align_by_position, join_on_key, key_text
from airflow_provider_clarify.engine.errors import AnalysisError


def test_keys_compare_as_text_whatever_their_type():
    keys = key_text(pd.Series([1.0, 2, "3", None]))
    assert keys[:3].tolist() == ["1", "2", "3"] and pd.isna(keys[3])


def test_inner_join_keeps_matching_rows_in_main_order():
    main = iter([pa.table({"id": [3, 1, 2], "x": [30, 10, 20]})])
    lookup = pd.DataFrame({"__join_key__": ["1", "3"], "g": ["a", "c"]})
    (joined,) = join_on_key(main, [lookup], "id", ["x", "g"])
    assert joined.to_pydict() == {"x": [30, 10], "g": ["c", "a"]}


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
