"""FT's rows: collected as a numeric matrix while streaming; a text feature stops them (FT becomes an error)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from airflow_provider_clarify.engine.bias.counting import Encoders
from airflow_provider_clarify.engine.bias.encoding import CategoricalEncoder
from airflow_provider_clarify.engine.bias.ft import NON_NUMERIC
from airflow_provider_clarify.engine.bias.ft_rows import FlipTestRows, group_flip_test
from airflow_provider_clarify.engine.bias.groups import FacetGroup
from airflow_provider_clarify.engine.roles import FacetRole

ENCODERS = Encoders("y", CategoricalEncoder((1,)), "p", CategoricalEncoder((1,)), None, {})
GROUP = FacetGroup(FacetRole("s", [1], 0), "1", CategoricalEncoder((1,)))


def test_one_neighbour_flip_test_by_hand():
    # facet a (s=0): x=0 → ŷ 0, x=10 → ŷ 1; facet d (s=1): x=1 (ŷ 1, nearest a says 0), x=9 (ŷ 1, a says 1).
    table = pa.table({"x": [0, 10, 1, 9], "s": [0, 0, 1, 1], "y": [0, 1, 1, 1], "p": [0, 1, 1, 1]})
    rows = FlipTestRows(["x", "s"], {"s"})
    rows.add(table, ["y", "s", "p"])
    assert len(rows.chunks) == 1 and rows.usable
    assert group_flip_test(GROUP, rows, ENCODERS, n_jobs=1) == pytest.approx((1 - 0) / 2)


def test_a_text_feature_outside_the_facet_makes_ft_an_error():
    rows = FlipTestRows(["x", "s", "note"], {"s"})
    rows.add(pa.table({"x": [1], "s": [1], "note": ["a"], "y": [1], "p": [1]}), ["y", "s", "p"])
    assert not rows.usable and rows.chunks == []
    with pytest.raises(ValueError, match=NON_NUMERIC):
        group_flip_test(GROUP, rows, ENCODERS, n_jobs=1)
    with pytest.raises(ValueError, match="FT rows were not collected"):
        group_flip_test(GROUP, None, ENCODERS, n_jobs=1)


def test_with_a_source_nothing_is_kept_and_the_rows_are_read_twice():
    table = pa.table({"x": [0, 10, 1, 9], "s": [0, 0, 1, 1], "y": [0, 1, 1, 1], "p": [0, 1, 1, 1]})
    reads: list[list[str]] = []

    def source(columns):
        reads.append(list(columns))
        return iter([table.slice(0, 3).select(columns), table.slice(3).select(columns)])

    rows = FlipTestRows(["x", "s"], {"s"}, source=source)
    rows.add(table, ["y", "s", "p"])
    assert rows.chunks == [] and rows.rows == 4
    assert group_flip_test(GROUP, rows, ENCODERS, n_jobs=1) == pytest.approx((1 - 0) / 2)
    assert len(reads) == 2 and set(reads[0]) == {"x", "s", "y", "p"}  # facet a's pass, then facet d's


def test_stored_model_predictions_are_put_back_beside_the_rows_read_again():
    # p is not in the data (the model's answers): kept from the first pass, aligned by row position.
    data = pa.table({"x": [0, 10, 1, 9], "s": [0, 0, 1, 1], "y": [0, 1, 1, 1]})
    predictions = pa.table({"p": [0, 1, 1, 1]})
    rows = FlipTestRows(["x", "s"], {"s"}, source=lambda columns: iter([data.slice(0, 1), data.slice(1)]),
                        stored_columns=["p"])  # fmt: skip
    rows.add(pa.table({**data.to_pydict(), **predictions.to_pydict()}).slice(0, 2), ["y", "s", "p"])
    rows.add(pa.table({**data.to_pydict(), **predictions.to_pydict()}).slice(2), ["y", "s", "p"])
    assert [t.column("p").to_pylist() for t in rows.tables()] == [[0], [1, 1, 1]]
    assert group_flip_test(GROUP, rows, ENCODERS, n_jobs=1) == pytest.approx((1 - 0) / 2)
