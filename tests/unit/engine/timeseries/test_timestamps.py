"""The timestamps of one item: sorted by time (the permutation worked out by hand), kept as written, and every
kind of bad timestamp named with the item, the field and the value."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.timeseries.timestamps import sort_order


def order_of(values):
    stamps, order = sort_order(values, "'a'", "date")
    assert stamps == tuple(values[i] for i in order)  # the documented relation between the two results
    return stamps, order.tolist()


def test_iso_dates_sort_by_time_not_by_text():
    # As text "2024-10-01" < "2024-9-30" would be wrong; ISO 8601 parsing puts September first.
    stamps, order = order_of(["2024-10-01", "2024-09-30", "2024-01-05 12:00:00", "2024-01-05"])
    assert order == [3, 2, 1, 0]
    assert stamps == ("2024-01-05", "2024-01-05 12:00:00", "2024-09-30", "2024-10-01")


def test_integer_timestamps_sort_numerically_and_stay_integers():
    stamps, order = order_of([10, 2, -1, 7])
    assert order == [2, 1, 3, 0]
    assert stamps == (-1, 2, 7, 10) and all(type(stamp) is int for stamp in stamps)


def test_aware_timestamps_compare_as_instants():
    # 01:00 at +02:00 is 23:00 UTC the day before: it comes first although its text sorts last.
    stamps, order = order_of(["2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00+02:00"])
    assert order == [1, 0]
    assert stamps == ("2024-01-01T01:00:00+02:00", "2024-01-01T00:00:00+00:00")


def test_an_offset_change_at_daylight_saving_time_keeps_the_items_hours_in_order():
    # Europe/Berlin on 2024-03-31: 01:30 at +01:00 (00:30 UTC), then 03:30 at +02:00 (01:30 UTC), one hour apart.
    _, order = order_of(["2024-03-31T03:30:00+02:00", "2024-03-31T01:30:00+01:00"])
    assert order == [1, 0]


def test_sorted_input_keeps_its_order_and_one_timestamp_is_fine():
    assert order_of(["2024-01-01", "2024-01-02"])[1] == [0, 1]
    assert order_of([5])[1] == [0]


def test_the_order_is_an_integer_permutation_usable_as_an_index():
    _, order = sort_order(["2024-01-03", "2024-01-01", "2024-01-02"], "'a'", "date")
    assert order.dtype.kind == "i"
    assert np.array([30, 10, 20])[order].tolist() == [10, 20, 30]


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        (
            ["2024-01-01", "someday"],
            ["item 'a'", "time_series_data_config.timestamp (date)", "'someday'", "ISO"],
        ),
        (["2024-01-01", 3], ["mixes strings and integers", "'2024-01-01'", "3", "one kind per item"]),
        ([1, True], ["True is not a timestamp"]),
        ([1.5, 2.5], ["1.5 is not a timestamp"]),
        ([1, 2, 1], ["1 appears more than once", "one record per timestamp"]),
        # the same instant written two ways is the same timestamp
        (["2024-01-01", "2024-01-01T00:00:00"], ["'2024-01-01T00:00:00' appears more than once"]),
        (
            ["2024-01-01T00:00:00+01:00", "2024-01-02T00:00:00"],
            ["time-zone-aware and naive timestamps are mixed"],
        ),
    ],
)
def test_bad_timestamps_name_the_item_the_field_and_the_value(values, fragments):
    with pytest.raises(AnalysisError) as caught:
        sort_order(values, "'a'", "date")
    for fragment in fragments:
        assert fragment in str(caught.value)
