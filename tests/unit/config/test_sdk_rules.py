"""What the SageMaker SDK's clarify classes refuse is refused, each problem naming the argument and the fix.

Facts from SDK 2.257.x: ``DataConfig`` lists five dataset types (exact spelling); ``SHAPConfig`` takes ``agg_method``
``mean_abs`` or ``mean_sq`` only; ``ModelConfig`` asserts an endpoint or a complete shadow-endpoint triple, never
both; ``TextConfig`` / ``ImageConfig`` list their values exactly; ``SegmentationConfig`` checks its segments and
aliases; a Gzip-compressed File-mode input is refused ("Data can only be gzipped when the input mode is Pipe").
And what the SDK accepts is accepted: a ``ModelConfig(endpoint_name=...)`` with a stray ``model_name`` is written as
the SDK writes it (the endpoint alone).
"""

from __future__ import annotations

import logging

import pytest

from airflow_provider_clarify.config import (
    AnalysisConfigBuilder,
    BiasConfig,
    ClarifyConfigError,
    DataConfig,
    ImageConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SegmentationConfig,
    SHAPConfig,
    TextConfig,
    load_config,
)

HEADERS = ["Target", "Age", "Gender", "Income"]


def data(**extra):
    return DataConfig("s3://b/in.csv", "s3://b/out", label="Target", headers=HEADERS, **extra)


def problems_of(builder):
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(builder)
    found: dict[str, str] = {}
    for problem in caught.value.problems:  # every message of a path (a value may break two rules)
        found[problem.path] = (
            f"{found[problem.path]} | {problem.message}" if problem.path in found else problem.message
        )
    return found


def explain(model=None, shap=None, **data_extra):
    return AnalysisConfigBuilder.explainability(
        data(**data_extra), model or ModelConfig(endpoint_name="e"), shap or SHAPConfig(num_samples=8)
    )


def test_gzip_compression_is_refused_with_the_reason_and_the_fix():
    found = problems_of(explain(s3_compression_type="Gzip"))
    assert list(found) == ["DataConfig.s3_compression_type"]
    message = found["DataConfig.s3_compression_type"]
    assert "Gzip only in Pipe mode" in message and "Leave s3_compression_type at 'None'" in message


def test_other_compression_values_are_refused():
    found = problems_of(explain(s3_compression_type="zip"))
    assert found == {
        "DataConfig.s3_compression_type": "'zip' is not valid; the only value that runs is 'None' (the default)"
    }


def test_an_empty_model_config_is_refused_instead_of_an_empty_predictor():
    found = problems_of(explain(model=ModelConfig()))
    assert list(found) == ["predictor"]
    assert "ModelConfig() names no model: give endpoint_name=" in found["predictor"]
    assert "model_name, instance_type and instance_count" in found["predictor"]


def test_instance_settings_without_a_model_name_are_refused():
    found = problems_of(explain(model=ModelConfig(instance_type="ml.m5.xlarge", instance_count=1)))
    assert list(found) == ["predictor.model_name"]
    assert found["predictor.model_name"].startswith(
        "ModelConfig(instance_type=..., instance_count=...) names no model"
    )


def test_a_model_name_without_instance_settings_is_named_once_per_missing_argument():
    found = problems_of(explain(model=ModelConfig(model_name="m")))
    assert sorted(found) == ["predictor.initial_instance_count", "predictor.instance_type"]
    assert 'e.g. "ml.m5.xlarge"' in found["predictor.instance_type"]


def test_endpoint_and_shadow_model_together_are_refused():
    model = ModelConfig(model_name="m", instance_type="ml.m5.xlarge", instance_count=1, endpoint_name="e")
    found = problems_of(explain(model=model))
    assert list(found) == ["predictor.endpoint_name"]
    assert "not both; remove one of the two" in found["predictor.endpoint_name"]


def test_endpoint_with_endpoint_name_prefix_is_refused():
    found = problems_of(explain(model=ModelConfig(endpoint_name="e", endpoint_name_prefix="shadow")))
    assert list(found) == ["predictor.endpoint_name_prefix"]
    assert "cannot be combined with predictor.endpoint_name" in found["predictor.endpoint_name_prefix"]


def test_endpoint_with_a_stray_model_name_is_written_as_the_sdk_writes_it(caplog):
    builder = explain(model=ModelConfig(endpoint_name="e", model_name="m", accelerator_type="ml.eia2.medium"))
    with caplog.at_level(logging.WARNING, logger="airflow_provider_clarify.config.builders"):
        document = load_config(builder).to_dict()
    assert document["predictor"] == {"endpoint_name": "e"}
    assert "model_name, accelerator_type only describe(s) a shadow endpoint" in caplog.text


@pytest.mark.parametrize(
    ("builder", "path", "fix"),
    [
        (
            explain(shap=SHAPConfig(agg_method="median")),
            "methods.shap.agg_method",
            "use one of 'mean_abs', 'mean_sq'",
        ),
        (explain(dataset_type="TEXT/CSV"), "dataset_type", "write 'text/csv'"),
        (
            explain(dataset_type="application/sagemakercapturejson", features="f"),
            "dataset_type",
            "'application/x-image'",
        ),
        (
            explain(model=ModelConfig(endpoint_name="e", accept_type="Text/CSV")),
            "predictor.accept_type",
            "write 'text/csv'",
        ),
        (
            explain(model=ModelConfig(endpoint_name="e", content_type="IMAGE/PNG")),
            "predictor.content_type",
            "write 'image/png'",
        ),
        (
            explain(shap=SHAPConfig(text_config=TextConfig("Token", "english"))),
            "methods.shap.text_config.granularity",
            "write 'token'",
        ),
        (
            explain(shap=SHAPConfig(text_config=TextConfig("token", "English"))),
            "methods.shap.text_config.language",
            "write 'english'",
        ),
        (
            AnalysisConfigBuilder.explainability(
                DataConfig("s3://b/img/", "s3://b/out", dataset_type="application/x-image"),
                ModelConfig(endpoint_name="e", content_type="image/jpeg"),
                SHAPConfig(image_config=ImageConfig("object_detection")),
                ModelPredictedLabelConfig(
                    label_headers=["cat", "dog"]
                ),  # images need them (the engine's rule)
            ),
            "methods.shap.image_config.model_type",
            "write 'OBJECT_DETECTION'",
        ),
    ],
)
def test_values_the_sdk_classes_refuse_are_refused_with_a_fix(builder, path, fix):
    found = problems_of(builder)
    assert list(found) == [path]
    assert "is refused by the SageMaker SDK's class" in found[path] and fix in found[path], found[path]


def test_a_value_no_one_accepts_gets_the_schema_message_once():
    found = problems_of(explain(shap=SHAPConfig(agg_method="avg")))
    assert list(found) == ["methods.shap.agg_method"]
    assert "SDK" not in found["methods.shap.agg_method"]


@pytest.mark.parametrize(
    ("segment", "path", "expected"),
    [
        (
            SegmentationConfig("Age", [["[1, 4]"], ["(4, 9]"]], display_aliases=["a"]),
            "segment_config[0].display_aliases",
            "give 2, or 3",
        ),
        (SegmentationConfig("Age", []), "segment_config[0].segments", "non-empty list of lists"),
        (SegmentationConfig("Age", ["[1, 4]"]), "segment_config[0].segments", "non-empty list of lists"),
    ],
)
def test_segmentation_config_is_checked_as_the_sdk_checks_it(segment, path, expected):
    builder = AnalysisConfigBuilder.pre_training_bias(
        data(segmentation_config=[segment]), BiasConfig([1], "Gender")
    )
    found = problems_of(builder)
    assert path in found and expected in found[path]


def test_segmentation_aliases_may_name_the_default_segment():
    segment = SegmentationConfig("Age", [["[1, 4]"]], config_name="ages", display_aliases=["young", "rest"])
    document = load_config(
        AnalysisConfigBuilder.pre_training_bias(
            data(segmentation_config=[segment]), BiasConfig([1], "Gender")
        )
    ).to_dict()
    assert document["segment_config"] == [
        {
            "name_or_index": "Age",
            "segments": [["[1, 4]"]],
            "config_name": "ages",
            "display_aliases": ["young", "rest"],
        }
    ]


def test_every_problem_is_reported_at_once():
    builder = AnalysisConfigBuilder.explainability(
        data(s3_compression_type="Gzip", dataset_type="Text/Csv"),
        ModelConfig(),
        SHAPConfig(agg_method="median"),
    )
    assert sorted(problems_of(builder)) == [
        "DataConfig.s3_compression_type",
        "dataset_type",
        "methods.shap.agg_method",
        "predictor",
    ]


def test_text_config_without_local_values_warns_as_the_sdk_does(caplog):
    shap = SHAPConfig(
        baseline=[[4, "[MASK]"]], save_local_shap_values=False, text_config=TextConfig("token", "en")
    )
    builder = AnalysisConfigBuilder.explainability(
        DataConfig("s3://b/in.csv", "s3://b/out", label="Target", headers=["Target", "Rating", "Comments"]),
        ModelConfig(endpoint_name="e"),
        shap,
    )
    with caplog.at_level(logging.WARNING, logger="airflow_provider_clarify.config.builders"):
        load_config(builder)
    assert "consider save_local_shap_values=True" in caplog.text


def test_the_old_keyword_bias_config_still_works_and_is_deprecated():
    bias = BiasConfig([1], "Gender", [0])
    with pytest.warns(
        DeprecationWarning,
        match=r"pre_training_bias\(bias_config=\.\.\.\) is deprecated; write data_bias_config",
    ):
        old = AnalysisConfigBuilder.pre_training_bias(data(), bias_config=bias)
    assert (
        load_config(old).to_dict()
        == load_config(AnalysisConfigBuilder.pre_training_bias(data(), data_bias_config=bias)).to_dict()
    )
    with pytest.warns(DeprecationWarning):
        AnalysisConfigBuilder.post_training_bias(data(predicted_label="Income"), bias_config=bias)
    with pytest.raises(TypeError, match="give data_bias_config= only"):
        AnalysisConfigBuilder.pre_training_bias(data(), bias_config=bias, data_bias_config=bias)


def test_the_earlier_positional_order_of_bias_and_explainability_is_recognised_and_deprecated():
    model, labels = ModelConfig(endpoint_name="e"), ModelPredictedLabelConfig(probability=1)
    shap, bias = SHAPConfig(num_samples=8), BiasConfig([1], "Gender", [0])
    sdk_order = AnalysisConfigBuilder.bias_and_explainability(
        data(), model, shap, bias, "all", ["DPPL"], labels
    )
    with pytest.warns(DeprecationWarning, match="earlier argument order"):
        earlier = AnalysisConfigBuilder.bias_and_explainability(
            data(), model, labels, shap, bias, "all", ["DPPL"]
        )
    assert load_config(earlier).to_dict() == load_config(sdk_order).to_dict()
    assert load_config(sdk_order).to_dict()["predictor"] == {"endpoint_name": "e", "probability": 1}
