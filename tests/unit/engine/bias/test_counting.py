"""Tuple counts and contingency tables: counting distinct tuples gives the tables row-by-row counting gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from airflow_provider_clarify.engine.bias.counting import Encoders, TableBuilder, TupleCounter, feed_rows
from airflow_provider_clarify.engine.bias.encoding import CategoricalEncoder

ROWS = pd.DataFrame(
    {
        "sex": ["f", "m", "f", "m", "m", None],
        "y": [1, 0, 0, 1, 1, 1],
        "p": [1, 1, 0, 0, 1, 1],
        "g": list("aabbab"),
    }
)


def encoders() -> Encoders:
    return Encoders("y", CategoricalEncoder((1,)), "p", CategoricalEncoder((1,)), "g", {"a": 0, "b": 1})


def test_tuple_counts_and_rows_give_the_same_tables():
    counter = TupleCounter(["sex", "y", "p", "g"], cap=100)
    counter.update(pa.Table.from_pandas(ROWS.iloc[:3], preserve_index=False))
    counter.update(pa.Table.from_pandas(ROWS.iloc[3:], preserve_index=False))
    from_counts = TableBuilder("sex", CategoricalEncoder(("f",)), encoders())
    from_counts.add(*counter.frame())
    from_rows = TableBuilder("sex", CategoricalEncoder(("f",)), encoders())
    feed_rows([from_rows], [ROWS])
    np.testing.assert_array_equal(from_counts.pre, from_rows.pre)
    np.testing.assert_array_equal(from_counts.post, from_rows.post)
    # By hand: the row with no facet value is left out; group a: f/y1, m/y0, m/y1; group b: f/y0, m/y1.
    label = from_rows.label_table().n
    assert label.tolist() == [[[1, 1], [0, 1]], [[0, 1], [1, 0]]]
    assert from_rows.prediction_table().n.sum() == 5


def test_counter_gives_up_past_the_cap():
    counter = TupleCounter(["sex"], cap=1)
    counter.update(pa.table({"sex": ["f", "m"]}))
    assert counter.counts is None
