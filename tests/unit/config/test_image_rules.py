"""Computer-vision config rules: every problem at its JSON path, before anything runs."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.config.image_rules import image_config_problems
from tests.unit.config.documents import DELETE, SHAP_CSV, SHAP_IMAGES, variant


def paths(document: dict) -> list[str]:
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    return sorted(caught.value.paths)


def test_the_documented_image_configs_are_valid():
    load_config(SHAP_IMAGES)
    detection = variant(
        SHAP_IMAGES,
        probability_threshold=0.5,
        **{
            "methods.shap.image_config": {
                "model_type": "OBJECT_DETECTION",
                "max_objects": 3,
                "context": 1.0,
                "iou_threshold": 0.5,
                "num_segments": 20,
                "segment_compactness": 10,
                "feature_extraction_method": "segmentation",
            },
            "methods.shap.baseline": "s3://bucket/noise.png",
            "predictor.content_type": "application/x-npy",
            "predictor.accept_type": "application/json",
        },
    )
    load_config(detection)
    assert image_config_problems(SHAP_CSV) == []


@pytest.mark.parametrize(
    ("changes", "expected", "fragment"),
    [
        ({"dataset_type": "text/csv"}, ["methods.shap.image_config"], "only to image datasets"),
        ({"methods.shap.image_config": DELETE}, ["methods.shap.image_config"], "required to explain images"),
        (
            {"methods.shap.image_config.model_type": DELETE},
            ["methods.shap.image_config.model_type"],
            "required",
        ),
        (
            {"methods.shap.text_config": {"granularity": "token", "language": "english"}},
            ["methods.shap.text_config"],
            "either text or images",
        ),
        ({"predictor.label_headers": DELETE}, ["predictor.label_headers"], "one class name per model score"),
        ({"predictor.content_type": "text/csv"}, ["predictor.content_type"], "cannot carry an image"),
        ({"methods.shap.baseline": [[0, 0, 0]]}, ["methods.shap.baseline"], "location of one image"),
        ({"methods.shap.num_clusters": 3}, ["methods.shap.num_clusters"], "does not apply to images"),
        (
            {"methods.pre_training_bias": {"methods": "all"}},
            ["label", "label_values_or_threshold", "facet", "methods.pre_training_bias"],
            "not available for image datasets",
        ),
        (
            {"methods.pdp": {"grid_resolution": 10, "features": [0]}},
            ["methods.pdp"],
            "not available for image",
        ),
        (
            {"methods.shap.image_config.model_type": "OBJECT_DETECTION", "predictor.accept_type": "text/csv"},
            ["predictor.accept_type"],
            "application/json",
        ),
        (
            {"methods.shap.image_config.debug": {"class_ids": [0, 2]}},
            ["methods.shap.image_config.debug.class_ids[1]"],
            "outside",
        ),
        (
            {"methods.shap.image_config.debug": {"sample_from": 5, "sample_to": 2}},
            ["methods.shap.image_config.debug.sample_to"],
            "sample_from",
        ),
        (
            {"methods.shap.image_config.debug": {"sample_from": -1}},
            ["methods.shap.image_config.debug.sample_from"],
            ">= 0",
        ),
        ({"methods.shap.image_config.num_segments": 0}, ["methods.shap.image_config.num_segments"], ">= 1"),
        (
            {"methods.shap.image_config.segment_compactness": 0},
            ["methods.shap.image_config.segment_compactness"],
            "> 0",
        ),
        ({"methods.shap.image_config.max_objects": 0}, ["methods.shap.image_config.max_objects"], ">= 1"),
        ({"methods.shap.image_config.context": 1}, ["methods.shap.image_config.context"], "float"),
        ({"methods.shap.image_config.context": 1.5}, ["methods.shap.image_config.context"], "<= 1"),
        (
            {"methods.shap.image_config.iou_threshold": -0.1},
            ["methods.shap.image_config.iou_threshold"],
            ">= 0",
        ),
        (
            {"methods.shap.image_config.feature_extraction_method": "grid"},
            ["methods.shap.image_config.feature_extraction_method"],
            "segmentation",
        ),
        ({"methods.shap.features_to_explain": [0]}, ["methods.shap.features_to_explain"], "image_config"),
    ],
)
def test_image_rules(changes, expected, fragment):
    document = variant(SHAP_IMAGES, **changes)
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    assert sorted(caught.value.paths) == sorted(expected), str(caught.value)
    message = next(p.message for p in caught.value.problems if p.path == expected[-1])
    assert fragment in message, message


def test_image_content_types_are_only_for_images():
    document = variant(SHAP_CSV, **{"predictor.content_type": "image/png"})
    assert paths(document) == ["predictor.content_type"]


def test_missing_predictor_names_label_headers_too():
    assert "predictor.label_headers" in paths(variant(SHAP_IMAGES, predictor=DELETE))
