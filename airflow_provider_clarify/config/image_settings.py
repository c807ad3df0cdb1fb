"""The computer-vision settings of an analysis config, with the container's defaults filled in.

``config.methods.shap.image_config`` (config.model) mirrors the document: absent fields are ``None``. The image
engine needs the values the managed job would actually use, so this view applies the defaults the analysis-config
reference and the SDK's ``ImageConfig`` state (num_segments 20, segment_compactness 5, max_objects 3,
iou_threshold 0.5, context 1.0, feature_extraction_method "segmentation") and gathers the few fields outside
``image_config`` that an image explanation depends on (``probability_threshold``, ``predictor.label_headers``,
``predictor.content_type`` / ``accept_type``), so engine code reads one object instead of three dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

IMAGE_DATASET_TYPE = "application/x-image"
IMAGE_CLASSIFICATION = "IMAGE_CLASSIFICATION"
OBJECT_DETECTION = "OBJECT_DETECTION"
MODEL_TYPES = (IMAGE_CLASSIFICATION, OBJECT_DETECTION)
SEGMENTATION = "segmentation"

JPEG = "image/jpeg"
PNG = "image/png"
NPY = "application/x-npy"
IMAGE_CONTENT_TYPES = (JPEG, PNG, NPY)
"""Request bodies a computer-vision model can receive (reference: predictor.content_type)."""
DEFAULT_IMAGE_CONTENT_TYPE = JPEG
DEFAULT_IMAGE_ACCEPT_TYPE = "application/json"
"""Image data requirements page: accept_type defaults to application/json for both model types."""

DEFAULT_NUM_SEGMENTS = 20
DEFAULT_SEGMENT_COMPACTNESS = 5.0
DEFAULT_MAX_OBJECTS = 3
DEFAULT_IOU_THRESHOLD = 0.5
DEFAULT_CONTEXT = 1.0
DEFAULT_PROBABILITY_THRESHOLD = 0.5


@dataclass(frozen=True)
class ImageDebugSettings:
    """``image_config.debug`` (SDK schema only, undocumented): which images / classes / index range to explain.

    The names are all the SDK gives; the engine reads them as their names say (see docs/computer-vision.md).
    """

    image_names: tuple[str, ...] | None = None
    class_ids: tuple[int, ...] | None = None
    sample_from: int | None = None
    sample_to: int | None = None


@dataclass(frozen=True)
class ImageExplanationSettings:
    """Everything an image explanation is configured by, defaults applied; enum values in canonical spelling."""

    model_type: str = IMAGE_CLASSIFICATION
    num_segments: int = DEFAULT_NUM_SEGMENTS
    segment_compactness: float = DEFAULT_SEGMENT_COMPACTNESS
    feature_extraction_method: str = SEGMENTATION
    max_objects: int = DEFAULT_MAX_OBJECTS
    iou_threshold: float = DEFAULT_IOU_THRESHOLD
    context: float = DEFAULT_CONTEXT
    probability_threshold: float = DEFAULT_PROBABILITY_THRESHOLD
    label_headers: tuple[str, ...] = ()
    content_type: str = DEFAULT_IMAGE_CONTENT_TYPE
    accept_type: str = DEFAULT_IMAGE_ACCEPT_TYPE
    debug: ImageDebugSettings = field(default_factory=ImageDebugSettings)

    @property
    def is_object_detection(self) -> bool:
        return self.model_type == OBJECT_DETECTION

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ImageExplanationSettings:
        """Read a (validated) analysis-config document; fields it leaves out take the documented defaults."""
        methods = document.get("methods") or {}
        shap = methods.get("shap") or {}
        image = shap.get("image_config") or {}
        predictor = document.get("predictor") or {}
        debug = image.get("debug") or {}
        model_type = str(image.get("model_type", IMAGE_CLASSIFICATION)).upper()
        return cls(
            model_type=model_type,
            num_segments=int(image.get("num_segments", DEFAULT_NUM_SEGMENTS)),
            segment_compactness=float(image.get("segment_compactness", DEFAULT_SEGMENT_COMPACTNESS)),
            feature_extraction_method=str(image.get("feature_extraction_method", SEGMENTATION)).lower(),
            max_objects=int(image.get("max_objects", DEFAULT_MAX_OBJECTS)),
            iou_threshold=float(image.get("iou_threshold", DEFAULT_IOU_THRESHOLD)),
            context=float(image.get("context", DEFAULT_CONTEXT)),
            probability_threshold=float(document.get("probability_threshold", DEFAULT_PROBABILITY_THRESHOLD)),
            label_headers=tuple(str(name) for name in predictor.get("label_headers") or ()),
            content_type=str(predictor.get("content_type") or DEFAULT_IMAGE_CONTENT_TYPE).lower(),
            accept_type=str(predictor.get("accept_type") or DEFAULT_IMAGE_ACCEPT_TYPE).lower(),
            debug=ImageDebugSettings(
                image_names=_tuple(debug.get("image_names")),
                class_ids=_tuple(debug.get("class_ids")),
                sample_from=debug.get("sample_from"),
                sample_to=debug.get("sample_to"),
            ),
        )


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def image_settings(config: Any) -> ImageExplanationSettings:
    """The settings of an ``AnalysisConfig`` (or of its plain document)."""
    document = config.to_dict() if hasattr(config, "to_dict") else config
    if not isinstance(document, Mapping):
        raise TypeError(f"expected an AnalysisConfig or a config document, got {type(config).__name__}")
    return ImageExplanationSettings.from_document(document)
