"""Cross-field rules for computer-vision configs (``dataset_type: application/x-image``, ``image_config``).

The JSON Schema already holds the per-field rules (model_type enum, num_segments >= 1, segment_compactness > 0,
max_objects >= 1, iou_threshold and context floats in [0, 1], feature_extraction_method "segmentation"). What it
cannot say is how image settings tie to the rest of the document; those rules live here, each stated by the
analysis-config reference (seed 001) or the SDK's ``ImageConfig`` / ``SHAPConfig`` / ``ModelConfig``, or needed
because the image engine could not run without them. Each problem carries the JSON path to fix, and the check
runs before any image is read, any object uploaded or any job created.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_clarify.config.errors import ConfigProblem
from airflow_provider_clarify.config.model import OBJECT_DETECTION
from airflow_provider_clarify.contract import CSV, IMAGE, IMAGE_CONTENT_TYPES

SHAP = "methods.shap"
IMAGE_CONFIG = f"{SHAP}.image_config"
_NOT_FOR_IMAGES = ("pre_training_bias", "post_training_bias", "pdp", "asymmetric_shapley_value")


def image_config_problems(document: dict[str, Any]) -> list[ConfigProblem]:
    """Every computer-vision rule ``document`` breaks (``[]`` for tabular configs without image settings).

    Tolerates structurally broken parts (the schema reports those): a rule only looks at values of the type it
    expects.
    """
    dataset_type = document.get("dataset_type")
    is_images = isinstance(dataset_type, str) and dataset_type.casefold() == IMAGE
    methods = _dict(document.get("methods"))
    shap = methods.get("shap") if isinstance(methods.get("shap"), dict) else None
    image_config = shap.get("image_config") if shap is not None else None
    problems: list[ConfigProblem] = []
    if image_config is not None and isinstance(dataset_type, str) and not is_images:
        problems.append(
            ConfigProblem(
                IMAGE_CONFIG,
                f"applies only to image datasets (dataset_type {IMAGE}), not {dataset_type}; "
                "remove it, or set dataset_type to application/x-image",
            )
        )
    if isinstance(image_config, dict):
        problems += _image_config_rules(document, shap or {}, image_config)
    problems += _content_type_rules(document, is_images, image_config)
    if is_images:
        problems += _image_dataset_rules(document, methods, shap)
    return problems


def _image_config_rules(
    document: dict[str, Any], shap: dict[str, Any], image_config: dict[str, Any]
) -> list[ConfigProblem]:
    problems = []
    if "model_type" not in image_config:
        problems.append(
            ConfigProblem(
                f"{IMAGE_CONFIG}.model_type",
                "required field is missing; give IMAGE_CLASSIFICATION or OBJECT_DETECTION (the SDK's ImageConfig "
                "requires it)",
            )
        )
    if "text_config" in shap:
        problems.append(
            ConfigProblem(
                f"{SHAP}.text_config",
                "cannot be combined with methods.shap.image_config (a dataset is either text or images); remove "
                "one of the two",
            )
        )
    problems += _debug_rules(document, image_config.get("debug"))
    return problems


def _debug_rules(document: dict[str, Any], debug: Any) -> list[ConfigProblem]:
    if not isinstance(debug, dict):
        return []
    path = f"{IMAGE_CONFIG}.debug"
    problems = []
    for key in ("sample_from", "sample_to"):
        value = debug.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            problems.append(ConfigProblem(f"{path}.{key}", f"must be >= 0 (an image index), got {value}"))
    start, stop = debug.get("sample_from"), debug.get("sample_to")
    if isinstance(start, int) and isinstance(stop, int) and 0 <= stop < start:
        problems.append(
            ConfigProblem(
                f"{path}.sample_to", f"must be >= sample_from ({start}), got {stop}; no image would be left"
            )
        )
    headers = _dict(document.get("predictor")).get("label_headers")
    class_ids = debug.get("class_ids")
    if isinstance(headers, list) and headers and isinstance(class_ids, list):
        for index, class_id in enumerate(class_ids):
            if isinstance(class_id, int) and not 0 <= class_id < len(headers):
                problems.append(
                    ConfigProblem(
                        f"{path}.class_ids[{index}]",
                        f"class index {class_id} is outside predictor.label_headers (0..{len(headers) - 1})",
                    )
                )
    return problems


def _content_type_rules(document: dict[str, Any], is_images: bool, image_config: Any) -> list[ConfigProblem]:
    predictor = _dict(document.get("predictor"))
    problems = []
    content_type = predictor.get("content_type")
    if isinstance(content_type, str):
        is_image_body = content_type.casefold() in IMAGE_CONTENT_TYPES
        if is_images and not is_image_body:
            problems.append(
                ConfigProblem(
                    "predictor.content_type",
                    f"{content_type!r} cannot carry an image; for dataset_type {IMAGE} use "
                    f"{', '.join(IMAGE_CONTENT_TYPES)} (default image/jpeg)",
                )
            )
        elif is_image_body and not is_images and isinstance(document.get("dataset_type"), str):
            problems.append(
                ConfigProblem(
                    "predictor.content_type",
                    f"{content_type!r} is only for image datasets (dataset_type {IMAGE}); use "
                    "text/csv, application/jsonlines or application/json",
                )
            )
    accept_type = predictor.get("accept_type")
    model_type = _dict(image_config).get("model_type")
    if (
        is_images
        and isinstance(model_type, str)
        and model_type.upper() == OBJECT_DETECTION
        and isinstance(accept_type, str)
        and accept_type.casefold() == CSV
    ):
        problems.append(
            ConfigProblem(
                "predictor.accept_type",
                "object detection responses are lists of [class, score, x0, y0, x1, y1] detections in JSON; use "
                "application/json (the default) or application/jsonlines",
            )
        )
    return problems


def _image_dataset_rules(
    document: dict[str, Any], methods: dict[str, Any], shap: dict[str, Any] | None
) -> list[ConfigProblem]:
    problems = [
        ConfigProblem(
            f"methods.{name}",
            f"is not available for image datasets (dataset_type {IMAGE}): images have no columns "
            "to measure or vary; explain them with methods.shap and methods.shap.image_config",
        )
        for name in _NOT_FOR_IMAGES
        if name in methods
    ]
    if shap is None:
        return problems
    if "image_config" not in shap:
        problems.append(
            ConfigProblem(
                IMAGE_CONFIG,
                f"required to explain images (dataset_type {IMAGE}); e.g. "
                '{"model_type": "IMAGE_CLASSIFICATION"} or {"model_type": "OBJECT_DETECTION"}',
            )
        )
    baseline = shap.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        problems.append(
            ConfigProblem(
                f"{SHAP}.baseline",
                "for images the baseline is the location of one image (local path or s3:// URI) that masks the "
                "removed segments; leave it out to mask with generated white noise",
            )
        )
    if "num_clusters" in shap:
        problems.append(
            ConfigProblem(
                f"{SHAP}.num_clusters",
                "does not apply to images (it sizes a clustered tabular baseline); remove it",
            )
        )
    predictor = document.get("predictor")
    if not isinstance(predictor, dict) or "label_headers" not in predictor:
        problems.append(
            ConfigProblem(
                "predictor.label_headers",
                "required to explain images: one class name per model score (image classification) or per class "
                'index a detection reports (object detection), e.g. ["bird", "cat", "dog"]',
            )
        )
    return problems


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
