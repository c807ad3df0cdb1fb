"""Every field of schema 1.0 is accepted, round-trips, and is readable through the typed views."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import (
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    AsymmetricShapleyValueMethod,
    Facet,
    ImageDebug,
    ImageSettings,
    TextSettings,
    TimeSeriesBaseline,
    TimeSeriesData,
    TimeSeriesForecast,
    analysis_config_schema,
    load_config,
)
from tests.unit.config.documents import BIAS_CSV, DELETE, SHAP_CSV, SHAP_IMAGES, variant

EVERY_TOP_LEVEL = {
    "version": "1.0",
    "dataset_type": "Text/CSV",
    "dataset_uri": "s3://bucket/data/",
    "headers": ["id", "age", "income", "target", "score"],
    "label": "target",
    "predicted_label": "score",
    "features": "features",
    "label_values_or_threshold": [1, "yes", 2.5],
    "probability_threshold": 0.6,
    "facet": [
        {"name_or_index": "sex", "value_or_threshold": ["F"]},
        {"name_or_index": 1, "value_or_threshold": [40]},
        {"name_or_index": "race"},
    ],
    "group_variable": "zip",
    "facet_dataset_uri": "s3://bucket/facets/",
    "facet_headers": ["id", "sex", "race", "zip"],
    "predicted_label_dataset_uri": "s3://bucket/predictions/",
    "predicted_label_headers": ["id", "score"],
    "joinsource_name_or_index": "id",
    "excluded_columns": ["income", 0],
    "segment_config": [
        {
            "config_name": "ages",
            "name_or_index": "age",
            "segments": [["(0, 30]"], ["(30, 60]"]],
            "display_aliases": ["young", "middle", "old"],
        }
    ],
    "methods": {
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": ["DPPL", "DI", "FT"]},
        "shap": {
            "baseline": [[30, 1000]],
            "num_samples": 64,
            "seed": 11,
            "use_logit": True,
            "save_local_shap_values": False,
            "agg_method": "MEAN_SQ",
            "features_to_explain": ["age", 2],
        },
        "pdp": {"grid_resolution": 12, "features": ["age", 2], "top_k_features": 3},
        "report": {"name": "bias_report", "title": "Bias report"},
    },
    "predictor": {
        "model_name": "m",
        "endpoint_name_prefix": "clarify-shadow-1",
        "initial_instance_count": 2,
        "instance_type": "ml.m5.xlarge",
        "accelerator_type": "ml.eia2.medium",
        "target_model": "model-a.tar.gz",
        "content_type": "Application/JSON",
        "accept_type": "application/jsonlines",
        "content_template": '{"instances": $records}',
        "record_template": "$features",
        "label": "predicted_label",
        "probability": "probability",
        "label_headers": ["no", "yes"],
        "custom_attributes": "trace=abc; tenant=7",
    },
}


def test_every_top_level_field_round_trips_and_is_typed():
    config = load_config(EVERY_TOP_LEVEL)
    assert config.to_dict() == EVERY_TOP_LEVEL
    assert set(EVERY_TOP_LEVEL) | {"time_series_data_config"} == set(analysis_config_schema()["properties"])
    assert config.version == "1.0"
    assert config.dataset_type == "text/csv" and config.is_tabular
    assert config.dataset_uri == "s3://bucket/data/"
    assert config.headers == ("id", "age", "income", "target", "score")
    assert (config.label, config.predicted_label, config.features) == ("target", "score", "features")
    assert config.label_values_or_threshold == (1, "yes", 2.5)
    assert config.probability_threshold == 0.6
    assert config.facets == (Facet("sex", ("F",)), Facet(1, (40,)), Facet("race", None))
    assert config.group_variable == "zip"
    assert config.facet_dataset_uri == "s3://bucket/facets/"
    assert config.facet_headers == ("id", "sex", "race", "zip")
    assert config.predicted_label_dataset_uri == "s3://bucket/predictions/"
    assert config.predicted_label_headers == ("id", "score")
    assert config.joinsource_name_or_index == "id"
    assert config.excluded_columns == ("income", 0)
    assert config.segment_config == EVERY_TOP_LEVEL["segment_config"]
    assert config.time_series_data_config is None
    assert "segment_config" in config and config.get("nothing", 3) == 3


def test_every_method_field_is_typed():
    methods = load_config(EVERY_TOP_LEVEL).methods
    assert methods.names == ("pre_training_bias", "post_training_bias", "shap", "pdp", "report")
    assert methods.pre_training_bias.metric_names == PRE_TRAINING_METRICS
    assert methods.post_training_bias.methods == ("DPPL", "DI", "FT")
    assert methods.post_training_bias.metric_names == ("DPPL", "DI", "FT")
    shap = methods.shap
    assert shap.baseline == [[30, 1000]] and not shap.baseline_is_uri
    assert (shap.num_samples, shap.seed, shap.use_logit, shap.save_local_shap_values) == (64, 11, True, False)
    assert shap.agg_method == "mean_sq"
    assert shap.features_to_explain == ("age", 2)
    assert shap.num_clusters is None and shap.text_config is None and shap.image_config is None
    assert (methods.pdp.grid_resolution, methods.pdp.features, methods.pdp.top_k_features) == (
        12,
        ("age", 2),
        3,
    )
    assert (methods.report.name, methods.report.title) == ("bias_report", "Bias report")
    assert methods.asymmetric_shapley_value is None


def test_every_predictor_field_is_typed():
    predictor = load_config(EVERY_TOP_LEVEL).predictor
    expected = dict(
        EVERY_TOP_LEVEL["predictor"], content_type="application/json", label_headers=("no", "yes")
    )
    assert {name: getattr(predictor, name) for name in expected} == expected
    assert predictor.is_model_source and predictor.endpoint_name is None
    assert load_config(SHAP_CSV).predictor.endpoint_name == "my-endpoint"


def test_text_config_fields():
    document = variant(
        SHAP_CSV,
        **{
            "methods.shap": {
                "text_config": {
                    "granularity": "Sentence",
                    "language": "Norwegian Bokmål",
                    "max_top_tokens": 20,
                },
                "num_clusters": 2,
            }
        },
    )
    shap = load_config(document).methods.shap
    assert shap.text_config == TextSettings("sentence", "norwegian bokmål", 20)
    assert shap.num_clusters == 2


def test_image_config_fields():
    image_config = {
        "model_type": "object_detection",
        "num_segments": 20,
        "segment_compactness": 5.5,
        "feature_extraction_method": "segmentation",
        "max_objects": 3,
        "iou_threshold": 0.5,
        "context": 1.0,
        "debug": {"image_names": ["a.jpg"], "class_ids": [1], "sample_from": 0, "sample_to": 5},
    }
    document = {
        "dataset_type": "application/x-image",
        "methods": {"shap": {"image_config": image_config}},
        "predictor": {"endpoint_name": "e", "content_type": "image/jpeg", "label_headers": ["a", "b"]},
    }
    config = load_config(document)
    assert config.to_dict() == document and not config.is_tabular
    assert config.analysis_kind == "image"
    assert config.methods.shap.image_config == ImageSettings(
        **{
            **image_config,
            "model_type": "OBJECT_DETECTION",
            "debug": ImageDebug(("a.jpg",), (1,), 0, 5),
        }
    )


def test_image_settings_defaults_of_the_reference_and_the_sdk():
    """The defaulted view of image settings: the reference's defaults when the document is silent."""
    config = load_config(SHAP_IMAGES)
    settings = config.methods.shap.image_config
    assert settings == ImageSettings()
    assert (settings.num_segments, settings.segment_compactness) == (20, 5.0)
    assert (settings.max_objects, settings.iou_threshold, settings.context) == (3, 0.5, 1.0)
    assert settings.feature_extraction_method == "segmentation" and config.probability_threshold == 0.5
    predictor = config.predictor_settings
    assert (predictor.content_type, predictor.accept_type) == ("image/jpeg", "application/json")
    assert predictor.label_headers == ("cat", "dog")
    assert not settings.is_object_detection and settings.debug == ImageDebug()


def test_image_settings_given_values_win_and_enums_are_canonical():
    document = variant(
        SHAP_IMAGES,
        probability_threshold=0.8,
        **{
            "methods.shap.image_config": {
                "model_type": "object_detection",
                "num_segments": 50,
                "segment_compactness": 0.5,
                "max_objects": 5,
                "iou_threshold": 0.25,
                "context": 0.0,
                "debug": {"image_names": ["a.jpg"], "class_ids": [1], "sample_from": 2, "sample_to": 4},
            },
            "predictor.content_type": "Application/X-NPY",
            "predictor.label_headers": [0, 1],
        },
    )
    config = load_config(document)
    settings = config.methods.shap.image_config
    assert settings.is_object_detection and settings.model_type == "OBJECT_DETECTION"
    assert (settings.num_segments, settings.segment_compactness, settings.max_objects) == (50, 0.5, 5)
    assert (settings.iou_threshold, settings.context, config.probability_threshold) == (0.25, 0.0, 0.8)
    assert config.predictor_settings.content_type == "application/x-npy"
    assert config.predictor_settings.label_headers == (0, 1)
    assert settings.debug == ImageDebug(("a.jpg",), (1,), 2, 4)


def test_baseline_forms():
    for baseline in (
        "s3://b/baseline.csv",
        [[1, "a", None, 2.5]],
        [{"features": [0, 0]}],
        {"instances": [[1, 2]]},
    ):
        document = variant(SHAP_CSV, **{"methods.shap": {"baseline": baseline}})
        assert load_config(document).methods.shap.baseline == baseline


def test_time_series_and_asymmetric_shapley_value_views():
    document = {
        "dataset_type": "application/json",
        "time_series_data_config": {
            "target_time_series": "[].target",
            "item_id": "[].id",
            "timestamp": "[].ts",
            "related_time_series": ["[].r1"],
            "static_covariates": ["[].s1"],
            "dataset_format": "item_records",
        },
        "methods": {
            "asymmetric_shapley_value": {
                "direction": "chronological",
                "granularity": "fine_grained",
                "num_samples": 5,
                "baseline": {"target_time_series": "zero", "static_covariates": {"item1": [1]}},
            }
        },
        "predictor": {
            "endpoint_name": "e",
            "content_type": "application/json",
            "content_template": '{"instances": $records}',
            "record_template": '{"start": $start_time, "target": $target_time_series, '
            '"dynamic_feat": $related_time_series, "cat": $static_covariates}',
            "time_series_predictor_config": {"forecast": "predictions[*].mean"},
        },
    }
    config = load_config(document)
    assert config.to_dict() == document
    assert config.time_series_data_config == TimeSeriesData(
        "[].target", "[].id", "[].ts", ("[].r1",), ("[].s1",), "item_records"
    )
    assert config.methods.asymmetric_shapley_value == AsymmetricShapleyValueMethod(
        "chronological", "fine_grained", 5, TimeSeriesBaseline("zero", "zero", {"item1": (1,)})
    )
    assert config.predictor_settings.time_series_predictor_config == TimeSeriesForecast("predictions[*].mean")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dataset_type", "APPLICATION/JSONLINES"),
        ("methods.shap.agg_method", "Median"),
        ("methods.shap.text_config.granularity", "PARAGRAPH"),
        ("methods.shap.text_config.language", "EN"),
        ("predictor.accept_type", "TEXT/CSV"),
        ("methods.pre_training_bias.methods", "All"),
    ],
)
def test_enum_strings_are_case_insensitive_and_preserved(field, value):
    document = variant(
        SHAP_CSV,
        features="f",
        label_values_or_threshold=[1],
        facet=[{"name_or_index": "sex"}],
        **{
            "methods.shap": {"text_config": {"granularity": "token", "language": "english"}},
            "methods.pre_training_bias": {"methods": "all"},
            "predictor.content_template": "$features",
        },
    )
    *parents, last = field.split(".")
    target = document
    for key in parents:
        target = target[key]
    target[last] = value
    assert load_config(document).to_dict() == document


def test_metric_registries_match_spec():
    assert PRE_TRAINING_METRICS == ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL")
    assert POST_TRAINING_METRICS == (
        "DPPL",
        "DI",
        "DCA",
        "DCR",
        "RD",
        "SD",
        "DAR",
        "DRR",
        "AD",
        "CDDPL",
        "TE",
        "FT",
        "GE",
    )


def test_all_62_languages_and_their_codes_are_accepted():
    languages = analysis_config_schema()["$defs"]["shap"]["properties"]["text_config"]["properties"][
        "language"
    ]["enum"]
    assert len(languages) == 126  # 63 names (62 + multi-language) and their codes
    assert {"english", "en", "multi-language", "xx", "norwegian bokmål", "nb", "ligurian", "lij"} <= set(
        languages
    )


def test_integer_facet_index_and_label_index():
    document = variant(BIAS_CSV, label=3, facet=[{"name_or_index": 1}], headers=None)
    document.pop("headers")
    config = load_config(document)
    assert config.label == 3 and config.facets[0].name_or_index == 1


def test_columns_of_a_second_dataset_without_headers_are_not_guessed():
    # The facet dataset's columns come from its own header row: nothing to check them against in the document.
    document = variant(
        BIAS_CSV,
        facet_dataset_uri="s3://b/facets.csv",
        facet=[{"name_or_index": "gender"}],
        group_variable="region",
    )
    assert load_config(document).to_dict() == document
    # With facet_headers given, the facet must be in them (or in the main headers).
    with_headers = variant(document, facet_headers=["gender"])
    assert load_config(variant(with_headers, group_variable="sex")).to_dict()["facet_headers"] == ["gender"]


def test_absent_fields_read_as_the_container_defaults_declared_once():
    from airflow_provider_clarify.config import model

    config = load_config(
        {
            "dataset_type": "application/jsonlines",
            "features": "f",
            "methods": {
                "shap": {"text_config": {"granularity": "token", "language": "en"}},
                "pdp": {"grid_resolution": 4},
                "report": {"name": "r"},
            },
        }
    )
    shap = config.methods.shap
    assert config.probability_threshold == model.DEFAULT_PROBABILITY_THRESHOLD == 0.5
    assert (shap.agg_method, shap.use_logit, shap.save_local_shap_values) == ("mean_abs", False, False)
    assert shap.num_samples is None and shap.seed is None and shap.baseline is None
    assert shap.text_config.max_top_tokens == model.DEFAULT_MAX_TOP_TOKENS == 50
    assert config.methods.pdp.top_k_features == model.DEFAULT_TOP_K_FEATURES == 10
    assert config.methods.report.title == model.DEFAULT_REPORT_TITLE
    assert config.label_values_or_threshold == ()
    assert "probability_threshold" not in config.to_dict()  # defaults are never written into the document
    assert not config.is_set("probability_threshold") and config.is_set("features")
    assert not shap.is_set("agg_method") and shap.is_set("text_config")


def test_predictor_types_default_from_the_dataset_and_parquet_has_none():
    csv = load_config(SHAP_CSV)
    assert (csv.predictor.content_type, csv.predictor.accept_type) == ("text/csv", "text/csv")
    assert not csv.predictor.is_set("content_type")
    json_in = load_config(variant(SHAP_CSV, **{"predictor.content_type": "application/jsonlines",
                                               "predictor.content_template": '{"f":$features}'}))  # fmt: skip
    assert json_in.predictor.accept_type == "application/jsonlines"
    no_section = load_config(variant(BIAS_CSV, dataset_type="application/x-parquet"))
    assert no_section.predictor is None
    assert no_section.predictor_settings.content_type is None  # no model reads Parquet: it must be given
    assert load_config(variant(BIAS_CSV, dataset_type="application/jsonlines", features="f"))
    assert load_config(BIAS_CSV).predictor_settings.content_type == "text/csv"


def test_column_name_resolves_indices_through_headers():
    config = load_config(variant(BIAS_CSV, label=3))
    assert config.column_name(config.label) == "target"
    assert config.column_name("sex") == "sex"
    assert config.column_name(9) is None and config.column_name(None) is None
    assert load_config(variant(BIAS_CSV, label=3, headers=DELETE)).column_name(3) is None


def test_metric_names_are_unique_in_list_order():
    config = load_config(variant(BIAS_CSV, **{"methods.pre_training_bias.methods": ["KL", "CI", "KL"]}))
    assert config.methods.pre_training_bias.metric_names == ("KL", "CI")
