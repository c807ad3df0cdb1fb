"""One item as the engine sees it: its shape in T (observed target steps) and N (all steps), and value equality."""

from __future__ import annotations

import numpy as np

from airflow_provider_clarify.engine.timeseries.series import ItemSeries


def item(**changes) -> ItemSeries:
    fields = {
        "item_id": "store-1",
        "timestamps": ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"),
        "target": np.array([3.0, 5.0, 4.0]),  # the fourth step is in the forecast horizon
        "related": np.array([[1.0, 0.0, 2.0, 1.5], [0.0, 0.0, 1.0, 1.0]]),
        "statics": (7, "north"),
    }
    fields.update(changes)
    return ItemSeries(**fields)


def test_shape_of_an_item_with_a_known_future_step():
    series = item()
    assert series.history_length == 3  # T
    assert series.length == 4  # N
    assert series.related_count == 2
    assert series.static_count == 2


def test_an_item_without_related_series_or_statics():
    series = item(timestamps=(1, 2), target=np.array([1.0, 2.0]), related=np.zeros((0, 2)), statics=())
    assert (series.history_length, series.length, series.related_count, series.static_count) == (2, 2, 0, 0)


def test_label_shows_the_id_as_json_does():
    assert item().label == "'store-1'"
    assert item(item_id=42).label == "42"


def test_same_as_compares_values_and_the_kind_of_the_id():
    assert item().same_as(item())
    assert item().same_as(item(target=np.array([3, 5, 4])))  # the same numbers
    assert not item().same_as(item(target=np.array([3.0, 5.0, 4.5])))
    assert not item().same_as(item(related=np.array([[1.0, 0.0, 2.0, 1.5], [0.0, 0.0, 1.0, 2.0]])))
    assert not item().same_as(item(statics=(7, "south")))
    assert not item().same_as(item(timestamps=("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05")))
    assert not item(item_id=1).same_as(item(item_id="1"))  # id 1 and id "1" are different items
    assert not item().same_as("store-1")


def test_items_are_not_hashable_by_value():
    # eq=False: two items with equal values are still two objects (items hold arrays, which have no equality)
    first, second = item(), item()
    assert first != second and first == first
