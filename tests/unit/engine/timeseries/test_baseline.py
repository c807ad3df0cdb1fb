"""The baseline of each item (what replaces an input left out of a coalition): zero, the mean of the item's own
series (worked out by hand), static values per item id; a baseline file read and checked before any model call."""

from __future__ import annotations

import json

import numpy as np
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.config.time_series import TimeSeriesBaseline
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.timeseries.baseline import (
    check_static_baselines,
    item_baseline,
    resolve_baseline,
)
from airflow_provider_clarify.engine.timeseries.series import ItemSeries
from tests.unit.engine.timeseries.forecasting import analysis_config


def settings(baseline=None, **options):
    time_series = load_config(analysis_config(baseline=baseline, **options)).time_series
    assert time_series is not None
    return time_series


def item(item_id="store-1", statics=(7,)) -> ItemSeries:
    return ItemSeries(
        item_id,
        ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"),
        np.array([3.0, 5.0, 4.0]),  # T = 3: the fourth step is a known-future step
        np.array([[1.0, 0.0, 2.0, 1.5], [2.0, 2.0, 2.0, 6.0]]),
        statics,
    )


# ------------------------------------------------------------------------------------------- resolving
def test_no_baseline_means_zero_for_both_series_and_no_statics():
    assert resolve_baseline(settings()) == TimeSeriesBaseline("zero", "zero", None)


def test_an_inline_baseline_is_taken_as_given():
    baseline = {"target_time_series": "mean", "static_covariates": {"store-1": [3]}}
    assert resolve_baseline(settings(baseline)) == TimeSeriesBaseline("mean", "zero", {"store-1": (3,)})


def test_a_baseline_file_is_read(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"related_time_series": "mean", "static_covariates": {"42": [1.5]}}))
    assert resolve_baseline(settings(str(path))) == TimeSeriesBaseline("zero", "mean", {"42": (1.5,)})


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("{not json", ["is not a JSON file"]),
        ("[1, 2]", ["must hold an object like"]),
        (
            json.dumps({"target_time_series": "last", "static_covariates": {"a": [1, 2]}}),
            [
                "methods.asymmetric_shapley_value.baseline.target_time_series: 'last' is not valid",
                "methods.asymmetric_shapley_value.baseline.static_covariates.a: has 2 value(s)",
            ],
        ),
        (json.dumps({"targets": "zero"}), ["baseline.targets: unknown key"]),
    ],
)
def test_a_bad_baseline_file_is_named_with_what_is_wrong(tmp_path, content, fragments):
    path = tmp_path / "baseline.json"
    path.write_text(content)
    with pytest.raises(AnalysisError) as caught:
        resolve_baseline(settings(str(path)))
    assert str(path) in str(caught.value)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_baseline_folder_must_hold_one_file(tmp_path):
    (tmp_path / "baselines").mkdir()
    for name in ("a.json", "b.json"):
        (tmp_path / "baselines" / name).write_text("{}")
    with pytest.raises(AnalysisError, match="holds 2 files; point it at one JSON file"):
        resolve_baseline(settings(str(tmp_path / "baselines")))


# --------------------------------------------------------------------------------------- static values
def test_fine_grained_with_statics_needs_a_baseline_entry_for_every_item():
    items = [item(f"item-{k}") for k in range(8)]
    given = TimeSeriesBaseline(static_covariates={"item-0": (0,)})
    with pytest.raises(AnalysisError) as caught:
        check_static_baselines(items, given, fine_grained=True)
    message = str(caught.value)
    assert "'item-1', 'item-2', 'item-3', 'item-4', 'item-5' and 2 more" in message
    assert "one list of 1 value(s) per item id" in message
    with pytest.raises(AnalysisError, match="static_covariates: required with granularity fine_grained"):
        check_static_baselines(items, TimeSeriesBaseline(), fine_grained=True)


def test_integer_item_ids_are_looked_up_by_their_json_key():
    check_static_baselines([item(42)], TimeSeriesBaseline(static_covariates={"42": (0,)}), fine_grained=True)


@pytest.mark.parametrize(
    ("items", "fine"),
    [([item()], False), ([item(statics=())], True), ([], True)],  # timewise; no statics; no items
)
def test_no_static_baseline_is_needed(items, fine):
    check_static_baselines(items, TimeSeriesBaseline(), fine_grained=fine)


# ------------------------------------------------------------------------------------- per-item values
def test_zero_baselines_have_the_shape_of_the_inputs():
    values = item_baseline(item(), TimeSeriesBaseline(), fine_grained=False)
    assert values.target.tolist() == [0.0, 0.0, 0.0]  # one per observed target step
    assert values.related.tolist() == [[0.0] * 4, [0.0] * 4]  # one per step, future steps included
    assert values.statics is None  # timewise explanations keep the statics as they are


def test_mean_baselines_are_the_means_of_the_items_own_series():
    values = item_baseline(item(), TimeSeriesBaseline("mean", "mean"), fine_grained=False)
    assert values.target.tolist() == [4.0, 4.0, 4.0]  # (3 + 5 + 4) / 3
    # each related series over its own four steps: (1 + 0 + 2 + 1.5) / 4 and (2 + 2 + 2 + 6) / 4
    assert values.related.tolist() == [[1.125] * 4, [3.0] * 4]


def test_fine_grained_statics_come_from_the_items_entry():
    baseline = TimeSeriesBaseline(static_covariates={"store-1": (0,), "store-2": (9,)})
    assert item_baseline(item(), baseline, fine_grained=True).statics == (0,)
    assert item_baseline(item(statics=()), baseline, fine_grained=True).statics is None
    with pytest.raises(AnalysisError, match="no entry for item id 'store-3'"):
        item_baseline(item("store-3"), baseline, fine_grained=True)
