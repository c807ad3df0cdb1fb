"""Tables are filled from tuple counts, or by a second pass for the facet columns whose counter gave up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from airflow_provider_clarify.engine.bias.contingency import count_tables
from airflow_provider_clarify.engine.bias.counting import Encoders, TupleCounter
from airflow_provider_clarify.engine.bias.encoding import CategoricalEncoder
from airflow_provider_clarify.engine.bias.groups import FacetGroup
from airflow_provider_clarify.engine.roles import FacetRole

ROWS = pd.DataFrame({"sex": ["f", "m", "f", "m"], "age": [1, 2, 3, 4], "y": [1, 0, 1, 1]})


def _groups() -> list[FacetGroup]:
    return [
        FacetGroup(FacetRole("sex", ["f"], 0), "f", CategoricalEncoder(("f",))),
        FacetGroup(FacetRole("age", [3], 1), "3", CategoricalEncoder((3,))),
    ]


def test_counted_columns_and_the_second_pass_give_the_same_tables():
    encoders = Encoders("y", CategoricalEncoder((1,)), None, None, None, {})
    counters = {"sex": TupleCounter(["sex", "y"], cap=10), "age": TupleCounter(["age", "y"], cap=1)}
    for counter in counters.values():
        counter.update(pa.Table.from_pandas(ROWS, preserve_index=False))
    assert counters["age"].counts is None  # four ages > cap 1: counted again, row by row
    passes: list[int] = []

    def second_pass():
        passes.append(1)
        return [ROWS]

    groups = _groups()
    count_tables(groups, encoders, counters, second_pass)
    assert passes == [1]
    # sex: facet a = m (y: 0, 1), facet d = f (y: 1, 1); age: a = {1, 2, 4} (y: 1, 0, 1), d = {3} (y: 1).
    np.testing.assert_array_equal(groups[0].builder.label_table().by_facet_label(), [[1, 1], [0, 2]])
    np.testing.assert_array_equal(groups[1].builder.label_table().by_facet_label(), [[1, 2], [0, 1]])
