"""The defaulted view of image settings: the reference's defaults when the document is silent."""

from __future__ import annotations

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.config.image_settings import (
    ImageDebugSettings,
    ImageExplanationSettings,
    image_settings,
)
from tests.unit.config.documents import SHAP_IMAGES, variant


def test_defaults_of_the_reference_and_the_sdk():
    settings = image_settings(load_config(SHAP_IMAGES))
    assert settings == ImageExplanationSettings(label_headers=("cat", "dog"))
    assert (settings.num_segments, settings.segment_compactness) == (20, 5.0)
    assert (settings.max_objects, settings.iou_threshold, settings.context) == (3, 0.5, 1.0)
    assert settings.feature_extraction_method == "segmentation" and settings.probability_threshold == 0.5
    assert (settings.content_type, settings.accept_type) == ("image/jpeg", "application/json")
    assert not settings.is_object_detection


def test_given_values_win_and_enums_are_canonical():
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
    settings = image_settings(document)
    assert settings.is_object_detection and settings.model_type == "OBJECT_DETECTION"
    assert (settings.num_segments, settings.segment_compactness, settings.max_objects) == (50, 0.5, 5)
    assert (settings.iou_threshold, settings.context, settings.probability_threshold) == (0.25, 0.0, 0.8)
    assert settings.content_type == "application/x-npy" and settings.label_headers == ("0", "1")
    assert settings.debug == ImageDebugSettings(("a.jpg",), (1,), 2, 4)
