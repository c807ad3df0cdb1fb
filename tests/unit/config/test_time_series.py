"""Typed views of the time-series parts: documented defaults in one place, names from headers or locations."""

from __future__ import annotations

import dataclasses

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.config.time_series import (
    AsymmetricShapleyValueMethod,
    TimeSeriesBaseline,
    TimeSeriesForecast,
    default_feature_name,
)
from airflow_provider_clarify.config.time_series_rules import is_time_series
from tests.unit.config.documents import DELETE, SHAP_CSV, TIME_SERIES_JSON, variant


def test_views_of_an_sdk_shaped_document():
    config = load_config(TIME_SERIES_JSON)
    settings = config.time_series
    assert settings is not None and config.analysis_kind == "time_series"
    assert settings.data.target_time_series == "[].sales"
    assert settings.data.related_time_series == ("[].price",)
    assert settings.data.static_covariates == ("[].store_size",)
    assert settings.data.dataset_format == "timestamp_records"
    assert not settings.data.uses_indexes
    assert settings.method == AsymmetricShapleyValueMethod("chronological", "timewise", None, None)
    assert config.methods.asymmetric_shapley_value == settings.method
    assert settings.forecast == TimeSeriesForecast("predictions[*].mean")
    assert config.predictor_settings.time_series_predictor_config == settings.forecast
    predictor = config.predictor_settings
    assert predictor.content_type == predictor.accept_type == "application/json"
    assert settings.names == ("item_id", "timestamp", "sales", "price", "store_size")
    assert (settings.target_name, settings.related_names, settings.static_names) == (
        "sales",
        ("price",),
        ("store_size",),
    )
    assert config.methods.report is not None  # the SDK writes it; the local engine writes the report


def test_defaults_when_the_method_says_little():
    document = variant(
        TIME_SERIES_JSON,
        **{
            "methods.asymmetric_shapley_value": {
                "direction": "Anti_Chronological",
                "granularity": "timewise",
            },
            "predictor.accept_type": DELETE,
            "predictor.content_type": DELETE,
            "headers": DELETE,
        },
    )
    config = load_config(document)
    settings = config.time_series
    assert settings is not None
    assert settings.method.direction == "anti_chronological"  # canonical spelling
    assert settings.method.inline_baseline == TimeSeriesBaseline("zero", "zero", None)
    assert settings.forecast is not None
    assert config.predictor_settings.content_type == "application/json"  # defaults to dataset_type
    assert config.predictor_settings.accept_type == "application/json"  # defaults to content_type
    assert settings.names == ("item_id", "timestamp", "sales", "price", "store_size")  # from the JMESPaths


def test_inline_and_uri_baselines():
    inline = AsymmetricShapleyValueMethod.from_dict(
        {
            "direction": "chronological",
            "granularity": "FINE_GRAINED",
            "num_samples": 3,
            "baseline": {"related_time_series": "MEAN", "static_covariates": {"7": [1, "x"]}},
        }
    )
    assert inline.is_fine_grained
    assert inline.baseline == TimeSeriesBaseline("zero", "mean", {"7": (1, "x")})
    uri = AsymmetricShapleyValueMethod.from_dict({"baseline": "s3://b/k.json"})
    assert uri.baseline == "s3://b/k.json"
    assert uri.inline_baseline == TimeSeriesBaseline()
    with pytest.raises(dataclasses.FrozenInstanceError):
        uri.direction = "bidirectional"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("location", "name"),
    [
        ("[*].timeseries[].rts1", "rts1"),
        ("[].target_value", "target_value"),
        ("ids", "ids"),
        ('[]."unit price"', "unit price"),
        ("[].values[0]", "[].values[0]"),
        (3, "column_3"),
        (0, "column_0"),
    ],
)
def test_default_feature_names(location, name):
    assert default_feature_name(location) == name


def test_is_time_series_and_no_view_without_time_series():
    assert is_time_series(TIME_SERIES_JSON)
    assert is_time_series({"methods": {"asymmetric_shapley_value": {}}})
    assert is_time_series({"predictor": {"time_series_predictor_config": {}}})
    assert not is_time_series(SHAP_CSV)
    config = load_config(SHAP_CSV)
    assert config.time_series is None and config.time_series_data_config is None
    assert config.methods.asymmetric_shapley_value is None and config.analysis_kind == "tabular"
