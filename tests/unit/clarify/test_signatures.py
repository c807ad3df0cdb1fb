"""Every public class and method of the drop-in has the SageMaker SDK's parameter names, order and defaults.

The table below is written from the SDK's documentation of ``sagemaker.clarify`` 2.257.x (the API reference of
each class and ``run_*`` method), not by importing the SDK. ``REQUIRED`` marks a parameter without a default.
Rules checked: the SDK's parameters come first, in its order, with equal defaults (equal value and type); any
further parameter is keyword-only (an extension SDK code cannot pass by accident); no ``*args`` / ``**kwargs``.

One documented relaxation (``RELAXED``): ``DataConfig``'s two S3 paths are required by the SDK but default to
``None`` here, because the operators can be given the dataset and output locations instead. SDK code always passes
them, and the processors refuse a data config without them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from airflow_provider_clarify import clarify
from airflow_provider_clarify.config import AnalysisConfigBuilder

REQUIRED = inspect.Parameter.empty

RUN_ONLY = [
    ("wait", True),
    ("logs", True),
    ("job_name", None),
    ("kms_key", None),
    ("experiment_config", None),
]

SDK_SIGNATURES: dict[str, list[tuple[str, object]]] = {
    "DataConfig": [
        ("s3_data_input_path", REQUIRED),
        ("s3_output_path", REQUIRED),
        ("s3_analysis_config_output_path", None),
        ("label", None),
        ("headers", None),
        ("features", None),
        ("dataset_type", "text/csv"),
        ("s3_compression_type", "None"),
        ("joinsource", None),
        ("facet_dataset_uri", None),
        ("facet_headers", None),
        ("predicted_label_dataset_uri", None),
        ("predicted_label_headers", None),
        ("predicted_label", None),
        ("excluded_columns", None),
        ("segmentation_config", None),
        ("time_series_data_config", None),
    ],
    "BiasConfig": [
        ("label_values_or_threshold", REQUIRED),
        ("facet_name", REQUIRED),
        ("facet_values_or_threshold", None),
        ("group_name", None),
    ],
    "ModelConfig": [
        ("model_name", None),
        ("instance_count", None),
        ("instance_type", None),
        ("accept_type", None),
        ("content_type", None),
        ("content_template", None),
        ("record_template", None),
        ("custom_attributes", None),
        ("accelerator_type", None),
        ("endpoint_name_prefix", None),
        ("target_model", None),
        ("endpoint_name", None),
        ("time_series_model_config", None),
    ],
    "ModelPredictedLabelConfig": [
        ("label", None),
        ("probability", None),
        ("probability_threshold", None),
        ("label_headers", None),
    ],
    "SHAPConfig": [
        ("baseline", None),
        ("num_samples", None),
        ("agg_method", None),
        ("use_logit", False),
        ("save_local_shap_values", True),
        ("seed", None),
        ("num_clusters", None),
        ("text_config", None),
        ("image_config", None),
        ("features_to_explain", None),
    ],
    "PDPConfig": [("features", None), ("grid_resolution", 15), ("top_k_features", 10)],
    "TextConfig": [("granularity", REQUIRED), ("language", REQUIRED)],
    "ImageConfig": [
        ("model_type", REQUIRED),
        ("num_segments", None),
        ("feature_extraction_method", None),
        ("segment_compactness", None),
        ("max_objects", None),
        ("iou_threshold", None),
        ("context", None),
    ],
    "SegmentationConfig": [
        ("name_or_index", REQUIRED),
        ("segments", REQUIRED),
        ("config_name", None),
        ("display_aliases", None),
    ],
    "TimeSeriesDataConfig": [
        ("target_time_series", REQUIRED),
        ("item_id", REQUIRED),
        ("timestamp", REQUIRED),
        ("related_time_series", None),
        ("static_covariates", None),
        ("dataset_format", None),
    ],
    "TimeSeriesModelConfig": [("forecast", REQUIRED)],
    "AsymmetricShapleyValueConfig": [
        ("direction", "chronological"),
        ("granularity", "timewise"),
        ("num_samples", None),
        ("baseline", None),
    ],
    "SageMakerClarifyProcessor": [
        ("role", None),
        ("instance_count", None),
        ("instance_type", None),
        ("volume_size_in_gb", 30),
        ("volume_kms_key", None),
        ("output_kms_key", None),
        ("max_runtime_in_seconds", None),
        ("sagemaker_session", None),
        ("env", None),
        ("tags", None),
        ("network_config", None),
        ("job_name_prefix", None),
        ("version", None),
        ("skip_early_validation", False),
    ],
}

RUN_METHODS: dict[str, list[tuple[str, object]]] = {
    "run_pre_training_bias": [("data_config", REQUIRED), ("data_bias_config", REQUIRED), ("methods", "all")],
    "run_post_training_bias": [
        ("data_config", REQUIRED),
        ("data_bias_config", REQUIRED),
        ("model_config", None),
        ("model_predicted_label_config", None),
        ("methods", "all"),
    ],
    "run_bias": [
        ("data_config", REQUIRED),
        ("bias_config", REQUIRED),
        ("model_config", None),
        ("model_predicted_label_config", None),
        ("pre_training_methods", "all"),
        ("post_training_methods", "all"),
    ],
    "run_explainability": [
        ("data_config", REQUIRED),
        ("model_config", REQUIRED),
        ("explainability_config", REQUIRED),
        ("model_scores", None),
    ],
    "run_bias_and_explainability": [
        ("data_config", REQUIRED),
        ("model_config", REQUIRED),
        ("explainability_config", REQUIRED),
        ("bias_config", REQUIRED),
        ("pre_training_methods", "all"),
        ("post_training_methods", "all"),
        ("model_predicted_label_config", None),
    ],
}

GETTERS = {
    "DataConfig": "get_config",
    "BiasConfig": "get_config",
    "ModelConfig": "get_predictor_config",
    "ModelPredictedLabelConfig": "get_predictor_config",
    "SHAPConfig": "get_explainability_config",
    "PDPConfig": "get_explainability_config",
    "AsymmetricShapleyValueConfig": "get_explainability_config",
    "TextConfig": "get_text_config",
    "ImageConfig": "get_image_config",
    "SegmentationConfig": "to_dict",
    "TimeSeriesDataConfig": "get_time_series_data_config",
    "TimeSeriesModelConfig": "get_time_series_model_config",
}

RELAXED = {("DataConfig", "s3_data_input_path"): None, ("DataConfig", "s3_output_path"): None}


def parameters(function: Callable[..., object]) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(function).parameters.values() if p.name not in ("self", "cls")]


def check(owner: str, function: Callable[..., object], expected: list[tuple[str, object]]) -> None:
    actual = parameters(function)
    assert [p.name for p in actual[: len(expected)]] == [name for name, _ in expected], owner
    for parameter, (name, default) in zip(actual, expected, strict=False):
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, f"{owner}.{name}"
        wanted = RELAXED.get((owner, name), default)
        assert parameter.default == wanted and type(parameter.default) is type(wanted), (
            f"{owner}({name}=...) defaults to {parameter.default!r}; the SDK's default is {default!r}"
        )
    for extra in actual[len(expected) :]:
        assert extra.kind is inspect.Parameter.KEYWORD_ONLY, (
            f"{owner}: extra parameter {extra.name} must be keyword-only"
        )


@pytest.mark.parametrize("name", sorted(SDK_SIGNATURES))
def test_classes_take_the_sdk_parameters(name):
    check(name, getattr(clarify, name).__init__, SDK_SIGNATURES[name])


@pytest.mark.parametrize("processor", ["SageMakerClarifyProcessor", "LocalClarifyProcessor"])
def test_both_processors_take_the_sdk_constructor(processor):
    check(processor, getattr(clarify, processor).__init__, SDK_SIGNATURES["SageMakerClarifyProcessor"])


@pytest.mark.parametrize("processor", ["SageMakerClarifyProcessor", "LocalClarifyProcessor"])
@pytest.mark.parametrize("method", sorted(RUN_METHODS))
def test_run_methods_take_the_sdk_parameters(processor, method):
    check(
        f"{processor}.{method}", getattr(getattr(clarify, processor), method), RUN_METHODS[method] + RUN_ONLY
    )


@pytest.mark.parametrize(
    ("builder_method", "run_method"),
    [
        ("pre_training_bias", "run_pre_training_bias"),
        ("post_training_bias", "run_post_training_bias"),
        ("bias", "run_bias"),
        ("explainability", "run_explainability"),
        ("bias_and_explainability", "run_bias_and_explainability"),
    ],
)
def test_config_builder_combinations_take_the_run_methods_config_parameters(builder_method, run_method):
    """AnalysisConfigBuilder's combinations are the run_* methods without the run-only arguments."""
    check(
        f"AnalysisConfigBuilder.{builder_method}",
        getattr(AnalysisConfigBuilder, builder_method),
        RUN_METHODS[run_method],
    )
    assert len(parameters(getattr(AnalysisConfigBuilder, builder_method))) == len(RUN_METHODS[run_method])


@pytest.mark.parametrize(("name", "getter"), sorted(GETTERS.items()))
def test_config_classes_have_the_sdk_getter(name, getter):
    assert parameters(getattr(getattr(clarify, name), getter)) == []


def test_explainability_configs_share_the_sdk_base():
    for name in ("SHAPConfig", "PDPConfig", "AsymmetricShapleyValueConfig"):
        assert issubclass(getattr(clarify, name), clarify.ExplainabilityConfig), name
    with pytest.raises(TypeError):
        clarify.ExplainabilityConfig()  # abstract, as in the SDK


def test_enums_have_the_sdk_members_and_values():
    assert {member.name: member.value for member in clarify.DatasetType} == {
        "TEXTCSV": "text/csv",
        "JSONLINES": "application/jsonlines",
        "JSON": "application/json",
        "PARQUET": "application/x-parquet",
        "IMAGE": "application/x-image",
    }
    assert {member.name: member.value for member in clarify.TimeSeriesJSONDatasetFormat} == {
        "COLUMNS": "columns",
        "ITEM_RECORDS": "item_records",
        "TIMESTAMP_RECORDS": "timestamp_records",
    }
    assert (
        clarify.ProcessingOutputHandler.get_s3_upload_mode({"dataset_type": "application/x-image"})
        == "Continuous"
    )
    assert clarify.ProcessingOutputHandler.get_s3_upload_mode({"dataset_type": "text/csv"}) == "EndOfJob"


def test_every_public_name_of_the_sdk_module_that_the_guide_uses_is_here():
    names = {
        "DataConfig", "BiasConfig", "ModelConfig", "ModelPredictedLabelConfig", "SHAPConfig", "PDPConfig",
        "TextConfig", "ImageConfig", "SegmentationConfig", "TimeSeriesDataConfig", "TimeSeriesModelConfig",
        "AsymmetricShapleyValueConfig", "DatasetType", "TimeSeriesJSONDatasetFormat", "ExplainabilityConfig",
        "SageMakerClarifyProcessor", "ProcessingOutputHandler",
    }  # fmt: skip
    assert names <= set(clarify.__all__)
    for name in names:
        assert hasattr(clarify, name), name


def test_the_generic_run_is_refused_as_in_the_sdk():
    with pytest.raises(NotImplementedError, match="run_pre_training_bias"):
        clarify.LocalClarifyProcessor().run()
