"""Reading forecasting datasets: every layout gives the same items, and every bad input names what is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.timeseries.reader import read_items
from tests.unit.engine.timeseries.forecasting import ITEMS, Item, analysis_config, write_dataset

LAYOUTS = ["columns", "timestamp_records", "item_records", "indexes"]


def settings_for(layout: str, **options):
    return load_config(analysis_config(layout, **options)).time_series


def read(tmp_path, layout, items=ITEMS, **options):
    return read_items(settings_for(layout, **options), [write_dataset(tmp_path, layout, items)])


def test_items_as_written_by_hand(tmp_path):
    first, second, third = read(tmp_path, "timestamp_records")
    assert first.item_id == "store-1"
    assert first.timestamps == ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04")  # sorted
    np.testing.assert_array_equal(first.target, [3.0, 5.0, 4.0])  # the null target is the future step
    np.testing.assert_array_equal(first.related, [[1.0, 0.0, 2.0, 1.5]])  # related reach into the future
    assert first.statics == (7,)
    assert (first.history_length, first.length) == (3, 4)
    assert second.item_id == "store-2" and second.history_length == second.length == 3
    assert third.item_id == 42 and isinstance(third.item_id, int)


@pytest.mark.parametrize("layout", LAYOUTS[1:])
def test_every_layout_gives_identical_items(tmp_path, layout):
    (tmp_path / "columns").mkdir()
    (tmp_path / layout).mkdir()
    reference = read(tmp_path / "columns", "columns")
    items = read(tmp_path / layout, layout)
    assert len(items) == len(reference)
    for ours, theirs in zip(items, reference, strict=True):
        assert ours.same_as(theirs), (ours, theirs)


def test_several_files_are_concatenated_and_an_item_may_span_files(tmp_path):
    settings = settings_for("timestamp_records")
    early = Item("store-1", ["2024-01-01", "2024-01-02"], [3.0, 5.0], [[1.0, 0.0]], [7])
    late = Item("store-1", ["2024-01-03", "2024-01-04"], [4.0, None], [[2.0, 1.5]], [7])
    files = [write_dataset(tmp_path, "timestamp_records", [late], "part-0.json")]
    files.append(write_dataset(tmp_path, "timestamp_records", [early, ITEMS[1]], "part-1.json"))
    merged = read_items(settings, files)
    assert [item.item_id for item in merged] == ["store-1", "store-2"]
    assert merged[0].same_as(read(tmp_path, "timestamp_records")[0])


def test_integer_timestamps_and_no_related_or_static(tmp_path):
    items = [Item("a", [3, 1, 2], [30.0, 10.0, 20.0]), Item("b", [0], [5.0])]
    (only,) = [read(tmp_path, "timestamp_records", items, related=0, statics=0)[0]]
    assert only.timestamps == (1, 2, 3)
    np.testing.assert_array_equal(only.target, [10.0, 20.0, 30.0])
    assert only.related.shape == (0, 3) and only.statics == ()


def bad(tmp_path, layout, document, **options):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(AnalysisError) as caught:
        read_items(settings_for(layout, **options), [path])
    return str(caught.value)


def records(*rows):
    return [dict(zip(("item", "time", "sales", "rel0", "stat0"), row, strict=True)) for row in rows]


GOOD = ("a", "2024-01-01", 1.0, 0.5, 1)


@pytest.mark.parametrize(
    ("layout", "document", "fragments"),
    [
        (
            "timestamp_records",
            records(GOOD, (None, "2024-01-02", 2.0, 0.5, 1)),
            ["row 1", "item_id", "missing"],
        ),
        ("timestamp_records", records(GOOD, ("a", None, 2.0, 0.5, 1)), ["'a'", "timestamp", "missing"]),
        (
            "timestamp_records",
            [*records(GOOD), {"item": "a", "time": "2024-01-02", "rel0": 1, "stat0": 1}],
            ["target_time_series", "1 value(s)", "2"],
        ),
        (
            "columns",
            {
                "ids": ["a", "a"],
                "timestamps": ["2024-01-01", "2024-01-02"],
                "sales": [1, 2, 3],
                "rel0": [1, 1],
                "stat0": [1, 1],
            },
            ["sales", "3 value(s)", "gives 2"],
        ),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-13-45", 2.0, 0.5, 1)),
            ["'a'", "'2024-13-45'", "not a timestamp", "ISO 8601"],
        ),
        ("timestamp_records", records(GOOD, ("a", 5, 2.0, 0.5, 1)), ["mixes strings and integers"]),
        ("timestamp_records", records(GOOD, ("a", 1.5, 2.0, 0.5, 1)), ["1.5", "not a timestamp"]),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-01-01", 2.0, 0.5, 1)),
            ["'2024-01-01'", "more than once"],
        ),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-01-02", None, 0.5, 1), ("a", "2024-01-03", 3.0, 0.5, 1)),
            ["null at '2024-01-02'", "value at '2024-01-03'"],
        ),
        (
            "timestamp_records",
            records(("a", "2024-01-01", None, 0.5, 1)),
            ["no value at its first timestamp"],
        ),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-01-02", 2.0, None, 1)),
            ["related_time_series[0]", "'2024-01-02'", "missing"],
        ),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-01-02", "2.0", 0.5, 1)),
            ["target_time_series", "the string '2.0'", "finite JSON numbers"],
        ),
        ("timestamp_records", records(GOOD, ("a", "2024-01-02", True, 0.5, 1)), ["a boolean"]),
        (
            "timestamp_records",
            records(GOOD, ("a", "2024-01-02", 2.0, 0.5, 2)),
            ["static_covariates[0]", "1 at", "2 at", "one value per item"],
        ),
        (
            "timestamp_records",
            records(GOOD, (True, "2024-01-02", 2.0, 0.5, 1)),
            ["item ids must be strings or integers"],
        ),
        ("timestamp_records", {"item": "a"}, ["gives", "list"]),
        ("item_records", {"id": "a"}, ["JSON array of item objects"]),
        (
            "item_records",
            [
                {
                    "id": "a",
                    "stat0": 1,
                    "timeseries": [
                        {"t": "2024-01-01", "sales": 1, "rel0": 1},
                        {"t": "2024-01-02", "rel0": 2},
                    ],
                }
            ],
            ["item 'a'", "target_time_series", "1 value(s)", "2"],
        ),
        (
            "item_records",
            [
                {"id": "a", "stat0": 1, "timeseries": [{"t": "2024-01-01", "sales": 1, "rel0": 1}]},
                {"id": "a", "stat0": 1, "timeseries": []},
            ],
            ["item 'a' appears in two item records"],
        ),
        ("indexes", [[0.5, 1.0, 1, "a"]], ["row 0 has 4 field(s)", "index 4"]),
        ("indexes", {"rows": []}, ["JSON array of rows"]),
        ("timestamp_records", [], ["holds no records"]),
    ],
    ids=[
        "missing-item-id",
        "missing-timestamp",
        "field-left-out",
        "ragged-columns",
        "unparseable-timestamp",
        "mixed-timestamp-kinds",
        "float-timestamp",
        "duplicate-timestamp",
        "target-gap",
        "target-starts-null",
        "related-null",
        "string-number",
        "boolean-number",
        "static-varies",
        "boolean-item-id",
        "not-a-list",
        "item-records-not-array",
        "item-records-ragged",
        "item-records-duplicate-item",
        "index-out-of-range",
        "index-rows-not-array",
        "empty",
    ],
)
def test_bad_input_names_item_field_and_fix(tmp_path, layout, document, fragments):
    message = bad(tmp_path, layout, document)
    for fragment in fragments:
        assert fragment in message, message


def test_future_steps_need_related_series(tmp_path):
    document = [{"item": "a", "time": 1, "sales": 1.0}, {"item": "a", "time": 2, "sales": None}]
    message = bad(tmp_path, "timestamp_records", document, related=0, statics=0)
    assert "no related time series to cover those future steps" in message


def test_invalid_json_file_is_named(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"item": "a",', encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"broken\.json is not valid JSON"):
        read_items(settings_for("timestamp_records"), [path])


def test_names_come_from_headers(tmp_path):
    headers = ["store", "day", "units", "price", "size"]
    document = records(GOOD, ("a", "2024-01-02", 2.0, None, 1))
    message = bad(tmp_path, "timestamp_records", document, headers=headers)
    assert "related_time_series[0] (price)" in message
