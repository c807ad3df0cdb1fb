"""SDK-shaped builders produce the JSON the SageMaker SDK writes for the same arguments.

Expected documents are written out by hand from the SDK's documented behaviour (reference §15 "What the SDK fills
in"): ``methods.report = {"name": "report", "title": "Analysis Report"}`` always, bias ``methods`` default the
string ``"all"``, SHAP always writes ``use_logit`` / ``save_local_shap_values``, PDP always writes
``grid_resolution`` / ``top_k_features``, ``probability_threshold`` lands at the top level, and the S3 paths of
``DataConfig`` are job inputs/outputs, never document fields.
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import (
    AnalysisConfigBuilder,
    BiasConfig,
    BiasMethods,
    ClarifyConfigError,
    DataConfig,
    ImageConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    PDPConfig,
    ReportConfig,
    SegmentationConfig,
    SHAPConfig,
    TextConfig,
    load_config,
)
from airflow_provider_clarify.config.builders import Builder, set_if_given

REPORT = {"name": "report", "title": "Analysis Report"}
HEADERS = ["Target", "Age", "Gender", "Income", "Occupation"]


def csv_data(**extra):
    return DataConfig("s3://bucket/in/data.csv", "s3://bucket/out/", label="Target", headers=HEADERS, **extra)


def built(builder) -> dict:
    """Build through the public path (validates) and return the document."""
    return load_config(builder).to_dict()


def test_csv_pre_training_bias():
    builder = AnalysisConfigBuilder.pre_training_bias(csv_data(), BiasConfig([1], "Gender", [0]))
    assert built(builder) == {
        "dataset_type": "text/csv",
        "headers": HEADERS,
        "label": "Target",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
        "methods": {"report": REPORT, "pre_training_bias": {"methods": "all"}},
    }


def test_csv_post_training_bias_with_endpoint_and_threshold():
    builder = AnalysisConfigBuilder.post_training_bias(
        csv_data(),
        BiasConfig([1], "Gender", [0]),
        ModelConfig(endpoint_name="my-endpoint", accept_type="text/csv", content_type="text/csv"),
        ModelPredictedLabelConfig(probability=1, probability_threshold=0.8),
        methods=["DPPL", "DI"],
    )
    assert built(builder) == {
        "dataset_type": "text/csv",
        "headers": HEADERS,
        "label": "Target",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
        "methods": {"report": REPORT, "post_training_bias": {"methods": ["DPPL", "DI"]}},
        "predictor": {
            "endpoint_name": "my-endpoint",
            "accept_type": "text/csv",
            "content_type": "text/csv",
            "probability": 1,
        },
        "probability_threshold": 0.8,
    }


def test_csv_bias_both_stages_with_shadow_model():
    builder = AnalysisConfigBuilder.bias(
        csv_data(),
        BiasConfig([1], "Gender", [0]),
        ModelConfig(
            model_name="my-model",
            instance_count=1,
            instance_type="ml.m5.xlarge",
            endpoint_name_prefix="cl-ar",
        ),
        ModelPredictedLabelConfig(label=0),
    )
    document = built(builder)
    assert document["methods"] == {
        "report": REPORT,
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": "all"},
    }
    assert document["predictor"] == {
        "model_name": "my-model",
        "instance_type": "ml.m5.xlarge",
        "initial_instance_count": 1,
        "endpoint_name_prefix": "cl-ar",
        "label": 0,
    }
    assert "probability_threshold" not in document


def test_shap_writes_sdk_defaults_and_leaves_the_rest_to_the_container():
    builder = AnalysisConfigBuilder.explainability(
        csv_data(),
        ModelConfig(model_name="m", instance_count=1, instance_type="ml.c5.xlarge"),
        SHAPConfig(baseline=[[35, 0, 2883, 1]], num_samples=100, agg_method="mean_abs"),
        model_scores=ModelPredictedLabelConfig(probability=1),
    )
    document = built(builder)
    assert document["methods"] == {
        "report": REPORT,
        "shap": {
            "use_logit": False,
            "save_local_shap_values": True,
            "baseline": [[35, 0, 2883, 1]],
            "num_samples": 100,
            "agg_method": "mean_abs",
        },
    }
    assert document["predictor"] == {
        "model_name": "m",
        "instance_type": "ml.c5.xlarge",
        "initial_instance_count": 1,
        "probability": 1,
    }
    # Left for the container to default, as the SDK does:
    assert "num_clusters" not in document["methods"]["shap"] and "probability_threshold" not in document


def test_shap_with_every_argument():
    shap = SHAPConfig(
        num_samples=50,
        agg_method="mean_sq",
        use_logit=True,
        save_local_shap_values=False,
        seed=7,
        num_clusters=3,
        features_to_explain=["Age", "Income"],
    )
    assert shap.get_explainability_config() == {
        "shap": {
            "use_logit": True,
            "save_local_shap_values": False,
            "num_samples": 50,
            "agg_method": "mean_sq",
            "seed": 7,
            "num_clusters": 3,
            "features_to_explain": ["Age", "Income"],
        }
    }


def test_pdp_writes_grid_resolution_and_top_k_always():
    builder = AnalysisConfigBuilder.explainability(
        csv_data(), ModelConfig(endpoint_name="e"), PDPConfig(features=["Income"], grid_resolution=10), 1
    )
    document = built(builder)
    assert document["methods"] == {
        "report": REPORT,
        "pdp": {"grid_resolution": 10, "top_k_features": 10, "features": ["Income"]},
    }
    # A bare index/JMESPath as model_scores becomes predictor.label, as in the SDK.
    assert document["predictor"] == {"endpoint_name": "e", "label": 1}


def test_shap_and_pdp_together():
    builder = AnalysisConfigBuilder.explainability(
        csv_data(),
        ModelConfig(endpoint_name="e"),
        [SHAPConfig(), PDPConfig()],
        ModelPredictedLabelConfig(probability=1),
    )
    assert built(builder)["methods"] == {
        "report": REPORT,
        "shap": {"use_logit": False, "save_local_shap_values": True},
        "pdp": {"grid_resolution": 15, "top_k_features": 10},
    }


def test_json_lines_dataset_and_model():
    data = DataConfig(
        "s3://b/in.jsonl",
        "s3://b/out",
        label="Label",
        features="Features",
        headers=["Age", "Gender", "Income", "Occupation", "Target"],
        dataset_type="application/jsonlines",
    )
    model = ModelConfig(
        endpoint_name="e", content_type="application/jsonlines", content_template='{"Features":$features}'
    )
    builder = AnalysisConfigBuilder.bias_and_explainability(
        data,
        model,
        SHAPConfig(num_clusters=1),
        BiasConfig([1], "Gender", [0]),
        model_predicted_label_config=ModelPredictedLabelConfig(
            label="predicted_label", probability="probability"
        ),
    )
    assert built(builder) == {
        "dataset_type": "application/jsonlines",
        "features": "Features",
        "headers": ["Age", "Gender", "Income", "Occupation", "Target"],
        "label": "Label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
        "methods": {
            "report": REPORT,
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
            "shap": {"use_logit": False, "save_local_shap_values": True, "num_clusters": 1},
        },
        "predictor": {
            "endpoint_name": "e",
            "content_type": "application/jsonlines",
            "content_template": '{"Features":$features}',
            "label": "predicted_label",
            "probability": "probability",
        },
    }


def test_json_with_record_template():
    data = DataConfig(
        "s3://b/in.json", "s3://b/out", features="[*].Features", dataset_type="application/json"
    )
    model = ModelConfig(
        endpoint_name="e",
        content_type="application/json",
        accept_type="application/json",
        content_template='{"instances": $records}',
        record_template="$features_kvp",
    )
    builder = AnalysisConfigBuilder.explainability(
        data, model, SHAPConfig(), ModelPredictedLabelConfig(probability="predictions[*].probability")
    )
    assert built(builder) == {
        "dataset_type": "application/json",
        "features": "[*].Features",
        "methods": {"report": REPORT, "shap": {"use_logit": False, "save_local_shap_values": True}},
        "predictor": {
            "endpoint_name": "e",
            "accept_type": "application/json",
            "content_type": "application/json",
            "content_template": '{"instances": $records}',
            "record_template": "$features_kvp",
            "probability": "predictions[*].probability",
        },
    }


def test_nlp_text_config():
    data = DataConfig("s3://b/in.csv", "s3://b/out", label="Target", headers=["Target", "Rating", "Comments"])
    shap = SHAPConfig(
        baseline=[[4, "[MASK]"]], text_config=TextConfig(granularity="token", language="english")
    )
    model = ModelConfig(model_name="nlp", instance_count=1, instance_type="ml.g4dn.xlarge")
    assert built(AnalysisConfigBuilder.explainability(data, model, shap)) == {
        "dataset_type": "text/csv",
        "headers": ["Target", "Rating", "Comments"],
        "label": "Target",
        "methods": {
            "report": REPORT,
            "shap": {
                "use_logit": False,
                "save_local_shap_values": True,
                "baseline": [[4, "[MASK]"]],
                "text_config": {"granularity": "token", "language": "english"},
            },
        },
        "predictor": {"model_name": "nlp", "instance_type": "ml.g4dn.xlarge", "initial_instance_count": 1},
    }


def test_image_config():
    data = DataConfig("s3://b/images/", "s3://b/out", dataset_type="application/x-image")
    shap = SHAPConfig(
        image_config=ImageConfig(
            "OBJECT_DETECTION",
            num_segments=20,
            segment_compactness=10,
            max_objects=3,
            iou_threshold=0.5,
            context=1.0,
        )
    )
    model = ModelConfig(
        model_name="od", instance_count=1, instance_type="ml.p2.xlarge", content_type="image/jpeg"
    )
    labels = ModelPredictedLabelConfig(label_headers=["bird", "cat", "dog"], probability_threshold=0.5)
    assert built(AnalysisConfigBuilder.explainability(data, model, shap, labels)) == {
        "dataset_type": "application/x-image",
        "methods": {
            "report": REPORT,
            "shap": {
                "use_logit": False,
                "save_local_shap_values": True,
                "image_config": {
                    "model_type": "OBJECT_DETECTION",
                    "num_segments": 20,
                    "segment_compactness": 10,
                    "max_objects": 3,
                    "iou_threshold": 0.5,
                    "context": 1.0,
                },
            },
        },
        "predictor": {
            "model_name": "od",
            "instance_type": "ml.p2.xlarge",
            "initial_instance_count": 1,
            "content_type": "image/jpeg",
            "label_headers": ["bird", "cat", "dog"],
        },
        "probability_threshold": 0.5,
    }


def test_multiple_facets_with_and_without_values():
    assert BiasConfig([1], ["Gender", "Age"], [[0], [40]]).get_config() == {
        "label_values_or_threshold": [1],
        "facet": [
            {"name_or_index": "Gender", "value_or_threshold": [0]},
            {"name_or_index": "Age", "value_or_threshold": [40]},
        ],
    }
    assert BiasConfig([1], ["Gender", "Age"]).get_config()["facet"] == [
        {"name_or_index": "Gender"},
        {"name_or_index": "Age"},
    ]
    document = built(
        AnalysisConfigBuilder.pre_training_bias(csv_data(), BiasConfig([1], ["Gender", "Age"], [[0], [40]]))
    )
    assert [facet["name_or_index"] for facet in document["facet"]] == ["Gender", "Age"]


def test_group_variable():
    document = built(
        AnalysisConfigBuilder.pre_training_bias(
            csv_data(), BiasConfig([1], "Gender", [0], group_name="Occupation"), methods=["CDDL"]
        )
    )
    assert document["group_variable"] == "Occupation"
    assert document["methods"]["pre_training_bias"] == {"methods": ["CDDL"]}


def test_facet_and_predicted_label_datasets_with_joinsource():
    data = DataConfig(
        "s3://b/features/",
        "s3://b/out",
        label="Target",
        headers=["ID", "Target", "Age", "Income"],
        joinsource="ID",
        facet_dataset_uri="s3://b/facets/",
        facet_headers=["ID", "Gender"],
        predicted_label_dataset_uri="s3://b/predictions/",
        predicted_label_headers=["ID", "Prediction"],
        predicted_label="Prediction",
    )
    builder = AnalysisConfigBuilder.post_training_bias(data, BiasConfig([1], "Gender", [0]))
    assert built(builder) == {
        "dataset_type": "text/csv",
        "headers": ["ID", "Target", "Age", "Income"],
        "label": "Target",
        "joinsource_name_or_index": "ID",
        "facet_dataset_uri": "s3://b/facets/",
        "facet_headers": ["ID", "Gender"],
        "predicted_label_dataset_uri": "s3://b/predictions/",
        "predicted_label_headers": ["ID", "Prediction"],
        "predicted_label": "Prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
        "methods": {"report": REPORT, "post_training_bias": {"methods": "all"}},
    }


def test_excluded_columns_and_segments():
    data = csv_data(
        excluded_columns=["Occupation"], segmentation_config=[SegmentationConfig("Age", [["(0, 30]"]])]
    )
    document = built(AnalysisConfigBuilder.pre_training_bias(data, BiasConfig([1], "Gender")))
    assert document["excluded_columns"] == ["Occupation"]
    assert document["segment_config"] == [{"name_or_index": "Age", "segments": [["(0, 30]"]]}]


def test_s3_paths_are_job_io_not_document_fields():
    data = DataConfig(
        "s3://b/in/",
        "s3://b/out/",
        s3_analysis_config_output_path="s3://b/cfg/",
        label="y",
    )
    assert data.dataset_uri == "s3://b/in/" and data.output_uri == "s3://b/out/"
    config = load_config(AnalysisConfigBuilder.pre_training_bias(data, BiasConfig([1], "sex")))
    assert "s3://" not in config.to_json()
    assert config.job_io.dataset_uri == "s3://b/in/"
    assert config.job_io.output_uri == "s3://b/out/"
    assert config.job_io.analysis_config_uri == "s3://b/cfg/"
    assert config.job_io.s3_compression_type == "None"
    default = DataConfig("s3://b/in/", "s3://b/out/", label="y").job_io()
    assert default.analysis_config_uri == "s3://b/out/" and default.s3_compression_type == "None"


def test_report_can_be_renamed_or_left_out():
    builder = AnalysisConfigBuilder(
        csv_data(), BiasConfig([1], "Gender"), pre_training_methods="all", report=ReportConfig("bias", "Bias")
    )
    assert built(builder)["methods"]["report"] == {"name": "bias", "title": "Bias"}
    builder = AnalysisConfigBuilder(
        csv_data(), BiasConfig([1], "Gender"), pre_training_methods="all", report=None
    )
    assert "report" not in built(builder)["methods"]


# ------------------------------------------------------------------------------------ load_config([...])


def test_list_of_builders_infers_methods_like_the_sdk_run_calls():
    data, bias = csv_data(), BiasConfig([1], "Gender", [0])
    assert load_config([data, bias]).to_dict() == built(AnalysisConfigBuilder.pre_training_bias(data, bias))
    model, labels = (
        ModelConfig(endpoint_name="e"),
        ModelPredictedLabelConfig(probability=1, probability_threshold=0.6),
    )
    assert load_config([data, bias, model, labels]).to_dict() == built(
        AnalysisConfigBuilder.bias(data, bias, model, labels)
    )
    shap, pdp = SHAPConfig(), PDPConfig()
    assert load_config([data, model, shap, pdp]).to_dict() == built(
        AnalysisConfigBuilder.explainability(data, model, [shap, pdp])
    )


def test_list_with_explicit_bias_methods():
    data, bias = csv_data(predicted_label="Income"), BiasConfig([1], "Gender", [0])
    document = load_config([data, bias, BiasMethods(post_training_methods=["DI"])]).to_dict()
    assert document["methods"] == {"report": REPORT, "post_training_bias": {"methods": ["DI"]}}


def test_single_builder_and_builder_object_are_accepted():
    builder = AnalysisConfigBuilder.pre_training_bias(csv_data(), BiasConfig([1], "Gender"))
    assert load_config(builder).to_dict() == built(builder)


# ------------------------------------------------------------------------- builder mistakes → our error


@pytest.mark.parametrize(
    ("items", "paths"),
    [
        ([csv_data(), BiasConfig([1], ["Gender", "Age"], [[0]])], ["facet"]),
        ([csv_data(), BiasConfig([1], [])], ["facet"]),
        ([csv_data(), BiasConfig(1, "Gender")], ["label_values_or_threshold"]),
        (
            [csv_data(), ModelConfig(endpoint_name="e"), SHAPConfig(baseline=[[1, 2, 3, 4]], num_clusters=2)],
            ["methods.shap.num_clusters"],
        ),
        (
            [csv_data(), ModelConfig(endpoint_name="e"), SHAPConfig(agg_method="avg")],
            ["methods.shap.agg_method"],
        ),
        (
            [
                csv_data(),
                ModelConfig(endpoint_name="e"),
                SHAPConfig(features_to_explain=["Age"], text_config=TextConfig("token", "en")),
            ],
            ["methods.shap.features_to_explain"],
        ),
        (
            [
                csv_data(),
                ModelConfig(endpoint_name="e"),
                SHAPConfig(text_config=TextConfig("word", "elvish")),
            ],
            ["methods.shap.text_config.granularity", "methods.shap.text_config.language"],
        ),
        (
            [
                csv_data(),
                ModelConfig(endpoint_name="e", model_name="m", instance_count=1, instance_type="t"),
                SHAPConfig(),
            ],
            ["predictor.endpoint_name"],
        ),
        (
            [
                csv_data(),
                ModelConfig(model_name="m", instance_count=1, instance_type="t", endpoint_name_prefix="_x"),
                SHAPConfig(),
            ],
            ["predictor.endpoint_name_prefix"],
        ),
        ([csv_data(), ModelConfig(endpoint_name="e"), PDPConfig()], ["methods.pdp.features"]),
        ([csv_data(), ModelConfig(endpoint_name="e"), SHAPConfig(), SHAPConfig()], ["methods"]),
        ([csv_data(), csv_data(), BiasConfig([1], "Gender")], ["$"]),
        ([csv_data(), "not a builder"], ["[1]"]),
        ([BiasConfig([1], "Gender")], ["dataset_type", "label"]),
        (
            [csv_data(), BiasConfig([1], "Gender"), ModelPredictedLabelConfig(probability_threshold=1)],
            ["probability_threshold"],
        ),
        (
            [csv_data(), ModelConfig(endpoint_name="e", content_type="application/json"), SHAPConfig()],
            ["predictor.content_template", "predictor.record_template"],
        ),
    ],
)
def test_builder_mistakes_are_config_errors_with_paths(items, paths):
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(items)
    assert sorted(set(caught.value.paths)) == sorted(paths), str(caught.value)


def test_builders_accept_rendered_template_strings():
    # What Airflow leaves in template_fields after rendering "{{ params.x }}": strings. They are typed by the schema.
    shap = SHAPConfig(num_samples="100", use_logit="True", save_local_shap_values="false", seed="7")
    labels = ModelPredictedLabelConfig(
        probability="1", probability_threshold="0.7", label_headers="['no', 'yes']"
    )
    document = load_config([csv_data(), ModelConfig(endpoint_name="e"), shap, labels]).to_dict()
    assert document["methods"]["shap"] == {
        "use_logit": True,
        "save_local_shap_values": False,
        "num_samples": 100,
        "seed": 7,
    }
    assert document["probability_threshold"] == 0.7
    # probability accepts a string (a JMESPath), so "1" stays the string "1" — verbatim, never guessed.
    assert document["predictor"] == {"endpoint_name": "e", "probability": "1", "label_headers": ["no", "yes"]}


def test_every_builder_lists_its_arguments_as_template_fields():
    import inspect

    for kind in (
        DataConfig,
        BiasConfig,
        ModelConfig,
        ModelPredictedLabelConfig,
        SHAPConfig,
        PDPConfig,
        TextConfig,
        ImageConfig,
        ReportConfig,
        SegmentationConfig,
        BiasMethods,
        AnalysisConfigBuilder,
    ):
        arguments = [name for name in inspect.signature(kind.__init__).parameters if name != "self"]
        assert sorted(kind.template_fields) == sorted(arguments), kind.__name__


# ------------------------------------------------------------------------------------- what builders share
class _Example(Builder):
    template_fields = ("name", "sizes")

    def __init__(self, name: str | None = None, sizes: list[int] | None = None) -> None:
        self.name = name
        self.sizes = sizes


def test_only_given_values_are_written_and_as_copies():
    target: dict[str, object] = {}
    sizes = [1, 2]
    set_if_given(None, "absent", target)
    set_if_given(sizes, "sizes", target)
    set_if_given(0, "zero", target)  # a falsy value is still a value
    assert target == {"sizes": [1, 2], "zero": 0}
    sizes.append(3)
    assert target["sizes"] == [1, 2]


def test_repr_shows_given_arguments_and_equality_compares_them():
    assert repr(_Example("a")) == "_Example(name='a')"
    assert _Example("a", [1]) == _Example("a", [1]) and _Example("a") != _Example("b")
    with pytest.raises(TypeError):
        hash(_Example())  # mutable: Airflow renders the attributes in place
