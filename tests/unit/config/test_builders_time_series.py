"""The time-series builders write the JSON SageMaker SDK 2.257.x writes for the same arguments.

The expected documents are typed out by hand from what the SDK's ``TimeSeriesDataConfig``,
``TimeSeriesModelConfig``, ``AsymmetricShapleyValueConfig``, ``DataConfig``, ``ModelConfig`` and
``_AnalysisConfigGenerator.explainability`` produce: ``direction``/``granularity`` always, ``num_samples`` and
``baseline`` only when given, related series / static covariates only when non-empty, ``dataset_format`` as the
enum's value, ``methods.report`` always, the predictor from ``ModelConfig`` with ``time_series_predictor_config``.
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import (
    AnalysisConfigBuilder,
    AsymmetricShapleyValueConfig,
    ClarifyConfigError,
    DataConfig,
    ModelConfig,
    SHAPConfig,
    TimeSeriesDataConfig,
    TimeSeriesJSONDatasetFormat,
    TimeSeriesModelConfig,
    load_config,
)

RECORD = (
    '{"start": $start_time, "target": $target_time_series, "dynamic_feat": $related_time_series, '
    '"cat": $static_covariates}'
)


def sdk_example_builders():
    """The Clarify documentation's forecasting example, written with the builders."""
    data = DataConfig(
        s3_data_input_path="s3://bucket/deepar/data/ts.json",
        s3_output_path="s3://bucket/deepar/output",
        dataset_type="application/json",
        headers=["item_id", "timestamp", "target_value", "dynamic_feature_1", "static_feature_1"],
        time_series_data_config=TimeSeriesDataConfig(
            target_time_series="[].target_value",
            item_id="[].item_id",
            timestamp="[].timestamp",
            related_time_series=["[].dynamic_feature_1"],
            static_covariates=["[].static_feature_1"],
            dataset_format=TimeSeriesJSONDatasetFormat.TIMESTAMP_RECORDS,
        ),
    )
    model = ModelConfig(
        endpoint_name="deepar-endpoint",
        content_type="application/json",
        accept_type="application/json",
        content_template='{"instances": $records}',
        record_template=RECORD,
        time_series_model_config=TimeSeriesModelConfig(forecast="predictions[*].mean"),
    )
    method = AsymmetricShapleyValueConfig(
        direction="chronological",
        granularity="fine_grained",
        num_samples=9,
        baseline={
            "target_time_series": "zero",
            "related_time_series": "zero",
            "static_covariates": {"mosfets": [0], "interpol": [1]},
        },
    )
    return data, model, method


SDK_DOCUMENT = {
    "dataset_type": "application/json",
    "headers": ["item_id", "timestamp", "target_value", "dynamic_feature_1", "static_feature_1"],
    "time_series_data_config": {
        "target_time_series": "[].target_value",
        "item_id": "[].item_id",
        "timestamp": "[].timestamp",
        "related_time_series": ["[].dynamic_feature_1"],
        "static_covariates": ["[].static_feature_1"],
        "dataset_format": "timestamp_records",
    },
    "predictor": {
        "endpoint_name": "deepar-endpoint",
        "accept_type": "application/json",
        "content_type": "application/json",
        "content_template": '{"instances": $records}',
        "record_template": RECORD,
        "time_series_predictor_config": {"forecast": "predictions[*].mean"},
    },
    "methods": {
        "report": {"name": "report", "title": "Analysis Report"},
        "asymmetric_shapley_value": {
            "direction": "chronological",
            "granularity": "fine_grained",
            "num_samples": 9,
            "baseline": {
                "target_time_series": "zero",
                "related_time_series": "zero",
                "static_covariates": {"mosfets": [0], "interpol": [1]},
            },
        },
    },
}


def test_run_explainability_document_equals_the_sdks():
    data, model, method = sdk_example_builders()
    config = load_config(AnalysisConfigBuilder.explainability(data, model, method))
    assert config.to_dict() == SDK_DOCUMENT
    assert config.job_io is not None
    assert config.job_io.dataset_uri == "s3://bucket/deepar/data/ts.json"


def test_a_list_of_builders_gives_the_same_document():
    assert load_config(list(sdk_example_builders())).to_dict() == SDK_DOCUMENT


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (
            {
                "target_time_series": "[].y",
                "item_id": "[].id",
                "timestamp": "[].t",
                "dataset_format": "columns",
            },
            {
                "target_time_series": "[].y",
                "item_id": "[].id",
                "timestamp": "[].t",
                "dataset_format": "columns",
            },
        ),
        (  # empty lists are left out, as the SDK's `if related_time_series:` does
            {
                "target_time_series": "y",
                "item_id": "id",
                "timestamp": "t",
                "related_time_series": [],
                "static_covariates": [],
                "dataset_format": TimeSeriesJSONDatasetFormat.COLUMNS,
            },
            {"target_time_series": "y", "item_id": "id", "timestamp": "t", "dataset_format": "columns"},
        ),
        (  # indexes: no dataset_format; index 0 is written (the SDK would refuse it)
            {"target_time_series": 2, "item_id": 0, "timestamp": 1, "related_time_series": [3]},
            {"target_time_series": 2, "item_id": 0, "timestamp": 1, "related_time_series": [3]},
        ),
        (
            {
                "target_time_series": "[*].timeseries[].y",
                "item_id": "[*].id",
                "timestamp": "[*].timeseries[].t",
                "static_covariates": ["[*].s1", "[*].s2"],
                "dataset_format": TimeSeriesJSONDatasetFormat.ITEM_RECORDS,
            },
            {
                "target_time_series": "[*].timeseries[].y",
                "item_id": "[*].id",
                "timestamp": "[*].timeseries[].t",
                "static_covariates": ["[*].s1", "[*].s2"],
                "dataset_format": "item_records",
            },
        ),
    ],
)
def test_time_series_data_config_fragment(arguments, fragment):
    assert TimeSeriesDataConfig(**arguments).get_time_series_data_config() == fragment


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({}, {"direction": "chronological", "granularity": "timewise"}),
        (
            {"direction": "bidirectional", "baseline": {"target_time_series": "mean"}},
            {
                "direction": "bidirectional",
                "granularity": "timewise",
                "baseline": {"target_time_series": "mean"},
            },
        ),
        ({"num_samples": 0}, {"direction": "chronological", "granularity": "timewise", "num_samples": 0}),
        (
            {"granularity": "fine_grained", "num_samples": 16, "baseline": "s3://bucket/baseline.json"},
            {
                "direction": "chronological",
                "granularity": "fine_grained",
                "num_samples": 16,
                "baseline": "s3://bucket/baseline.json",
            },
        ),
    ],
)
def test_asymmetric_shapley_value_fragment(arguments, fragment):
    assert AsymmetricShapleyValueConfig(**arguments).get_explainability_config() == {
        "asymmetric_shapley_value": fragment
    }


def test_time_series_model_config_fragment():
    assert TimeSeriesModelConfig("predictions[*].mean[:2]").get_time_series_model_config() == {
        "forecast": "predictions[*].mean[:2]"
    }


def test_builder_mistakes_are_reported_with_paths():
    data, model, _ = sdk_example_builders()
    method = AsymmetricShapleyValueConfig(direction="anti_chronological", granularity="fine_grained")
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(AnalysisConfigBuilder.explainability(data, model, [method, SHAPConfig(num_samples=10)]))
    assert sorted(caught.value.paths) == [
        "methods.asymmetric_shapley_value.baseline.static_covariates",  # fine_grained with a static covariate
        "methods.asymmetric_shapley_value.direction",
        "methods.asymmetric_shapley_value.num_samples",
        "methods.shap",
    ]


def test_bias_builders_with_time_series_are_refused():
    data, model, method = sdk_example_builders()
    builder = AnalysisConfigBuilder(
        data, model_config=model, explainability_config=method, pre_training_methods="all"
    )
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(builder)
    assert "methods.pre_training_bias" in caught.value.paths
    assert any("bias metrics are not supported for time series" in p.message for p in caught.value.problems)
