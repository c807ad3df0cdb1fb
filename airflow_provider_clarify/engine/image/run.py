"""``explain_images``: computer-vision explanations of a dataset of images, from config to published files.

Order of work: read the typed settings, list the dataset (every file checked), read the baseline image, build the
model — all before the first model call; then per image: decode, segment with SLIC,
ask the model about the original, play the coalition game of each explained class or box through the shared
Kernel SHAP estimator (``engine/explain/estimator.py``: same sampling, weights and solver as tabular data), draw
the heatmaps; finally write ``explanations_shap/image_explanations.jsonl`` and publish every file at once.

The returned value is the ``explanations`` object of analysis.json for an image analysis::

    {"computer_vision": {
        "method": "kernel_shap",
        "model_type": "IMAGE_CLASSIFICATION" | "OBJECT_DETECTION",
        "label_headers": ["bird", "cat", ...],
        "num_images": 12,                  # images read
        "num_explanations": 12,            # lines of the JSON Lines file (images, or boxes for detection)
        "explanations_per_label": {"cat": 7, "dog": 5},
        "num_segments": 20, "segment_compactness": 5.0,   # as configured (SLIC may make fewer segments)
        "num_samples": 100,                # coalitions sampled per explanation (largest over explanations)
        "baseline": "uniform white noise 0..255 per pixel and channel (seed 7)",
        "local_explanations": "explanations_shap/image_explanations.jsonl",
        "images": [{"image": "cats/a.jpg", "labels": ["cat"], "heatmaps": ["shap_cats_a.jpeg"],
                    "segments": "explanations_shap/segments/cats_a.npy",
                    "objects": "cats_a_objects.jpeg"}]     # "objects" for object detection only
    }}

No source shows what the managed job writes into analysis.json for images; this shape is this provider's
(documented in docs/computer-vision.md). It is small: per image only names, never pixels or values.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...config import AnalysisConfig
from ...config.model import ImageSettings, ShapMethod
from ..explain.estimator import coalition_design, record_rng, solve_shapley
from ..explain.progress import Progress
from ..run import RunContext, Warn
from .baseline import MaskingImages
from .detection import Detection, select_objects
from .errors import ImageExplanationError
from .game import ClassificationGame, DetectionGame, context_region, players_in
from .heatmap import heatmap_picture, objects_picture
from .model import ImageModel, build_image_model
from .outputs import (
    EXPLANATIONS_PATH,
    Publisher,
    StemNames,
    box_heatmap,
    classification_heatmap,
    objects_picture_name,
    segments_file,
)
from .segmentation import segment_image
from .sources import ImageSource, image_reader, list_images

LOG = logging.getLogger("airflow_provider_clarify.engine.image")

SECTION = "computer_vision"
PIXEL_BUDGET_BYTES = 64 * 1024 * 1024
"""Masked pictures composed at once (per chunk of coalitions), so memory stays flat for large num_samples."""


@dataclass
class _Game:
    """What the estimator needs from a game: its players and the values of coalitions."""

    players: np.ndarray
    values: Callable[[np.ndarray], np.ndarray]


@dataclass
class _Solved:
    shap: np.ndarray  # segments × targets (0 for segments that are not players)
    expected: np.ndarray  # targets
    prediction: np.ndarray  # targets
    samples: int


@dataclass(frozen=True)
class _Picture:
    """One image being explained: where it came from, its pixels, masking image, segments and file stem."""

    source: ImageSource
    image: np.ndarray
    baseline: np.ndarray
    segments: np.ndarray
    stem: str

    @property
    def segment_count(self) -> int:
        return int(self.segments.max()) + 1


def explain_images(context: RunContext) -> dict[str, Any]:
    """Explain every image of the run's dataset as its config says and publish the files under its output folder.

    The model is ``context.predictor`` when given (a callable or estimator taking an N × H × W × 3 ``uint8``
    stack, an ``http(s)://`` URL, a ``module:callable``, a joblib/pickle file, or an :class:`ImageModel`), else the
    config's ``predictor.local_predictor`` or ``predictor.endpoint_name`` (through the context's
    sagemaker-runtime client). The context's S3 client
    reads ``s3://`` datasets, manifests and baselines; its options set batch size, concurrency, retries and
    timeouts. Returns the ``explanations`` object of analysis.json (see the module docstring). Raises
    :class:`ImageExplanationError` (an ``AnalysisError``) with the file or field to fix; nothing is published then.
    """
    config = context.config
    shap = _image_shap(config)
    image_config = shap.image_config or ImageSettings()
    _warn_unused(config, shap, context.warn)
    listed = list_images(context.dataset_uri, s3_client=context.s3_client)
    sources = _selected(list(enumerate(listed)), image_config)
    baseline = shap.baseline if isinstance(shap.baseline, str) else None  # validation: an image's location
    masking = MaskingImages(baseline, seed=shap.seed, s3_client=context.s3_client)
    image_model = build_image_model(context)
    explainer = _Explainer(config, image_model, masking, context.warn)
    publisher = Publisher(context.output_dir)
    read = image_reader(context.s3_client)
    progress = Progress("Image SHAP", len(sources), context.options.progress_interval_seconds)
    try:
        for index, source in sources:  # index: the image's position in the whole dataset (noise, sampling)
            explainer.explain(index, source, read(source), publisher)
            progress.advance(1)
        publisher.jsonl(EXPLANATIONS_PATH, explainer.records)
        publisher.publish()
    except BaseException:
        publisher.discard()
        raise
    return {SECTION: explainer.summary(len(sources))}


def label_names(config: AnalysisConfig) -> tuple[str, ...]:
    """``predictor.label_headers`` as the class names outputs carry (validation requires them for images)."""
    return tuple(str(name) for name in config.predictor_settings.label_headers or ())


def _image_shap(config: AnalysisConfig) -> ShapMethod:
    shap = config.methods.shap
    if config.analysis_kind != "image" or shap is None:
        raise ImageExplanationError(
            "dataset_type: image explanations need dataset_type application/x-image and methods.shap with "
            f"image_config; this config has dataset_type {config.dataset_type}"
        )
    return shap


def _warn_unused(config: AnalysisConfig, shap: ShapMethod, warn: Warn) -> None:
    image_config = shap.image_config or ImageSettings()
    if shap.is_set("agg_method"):
        warn(
            "methods.shap.agg_method does not apply to images (each image has its own segments, so there is no "
            "global value per feature); it is ignored"
        )
    if not image_config.is_object_detection:
        for key in ("max_objects", "iou_threshold", "context"):
            if image_config.is_set(key):
                warn(
                    f"methods.shap.image_config.{key} applies only to OBJECT_DETECTION models; it is ignored"
                )


def _selected(
    sources: list[tuple[int, ImageSource]], image_config: ImageSettings
) -> list[tuple[int, ImageSource]]:
    """``image_config.debug``: only the images named in ``image_names`` (relative path or file name), then the
    index range [``sample_from``, ``sample_to``) of what is left. Each image keeps its index in the dataset, so
    its noise and coalitions do not depend on the selection."""
    debug = image_config.debug
    if debug.image_names is not None:
        wanted = set(debug.image_names)
        sources = [(i, s) for i, s in sources if s.name in wanted or s.name.rsplit("/", 1)[-1] in wanted]
        if not sources:
            raise ImageExplanationError(
                "methods.shap.image_config.debug.image_names: none of the listed images is in the dataset"
            )
    if debug.sample_from is not None or debug.sample_to is not None:
        sources = sources[debug.sample_from : debug.sample_to]
    return sources


class _Explainer:
    """Explains one image after the other and keeps the JSON Lines records and the per-image file names."""

    def __init__(self, config: AnalysisConfig, model: ImageModel, masking: MaskingImages, warn: Warn) -> None:
        shap = _image_shap(config)
        self.settings = shap.image_config or ImageSettings()
        self.label_headers = label_names(config)
        self.probability_threshold = config.probability_threshold
        self.model = model
        self.masking = masking
        self.seed = shap.seed
        self.num_samples = shap.num_samples
        self.use_logit = shap.use_logit
        self.warn = warn
        self.stems = StemNames()
        self.records: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self.max_samples = 0

    # ------------------------------------------------------------------------------------------ one image
    def explain(self, index: int, source: ImageSource, image: np.ndarray, publisher: Publisher) -> None:
        segments = segment_image(image, self.settings.num_segments, self.settings.segment_compactness)
        picture = _Picture(
            source, image, self.masking.for_image(image.shape, index), segments, self.stems.stem(source.name)
        )
        entry: dict[str, Any] = {
            "image": source.name,
            "labels": [],
            "heatmaps": [],
            "segments": segments_file(picture.stem),
        }
        publisher.npy(segments_file(picture.stem), segments)
        rng = record_rng(self.seed, index)
        if self.settings.is_object_detection:
            self._detection(picture, entry, rng, publisher)
        else:
            self._classification(picture, entry, rng, publisher)
        self.images.append(entry)

    def _classification(
        self, picture: _Picture, entry: dict[str, Any], rng: np.random.Generator, publisher: Publisher
    ) -> None:
        original = self.model.scores(picture.image[None])
        headers = self.label_headers
        if original.shape[1] != len(headers):
            raise ImageExplanationError(
                f"{picture.source.location}: the model returned {original.shape[1]} scores per image but "
                f"predictor.label_headers names {len(headers)} classes ({list(headers)[:10]}); give one name per "
                "score"
            )
        asked = self.settings.debug.class_ids
        classes = list(asked) if asked else [int(np.argmax(original[0]))]
        players = players_in(picture.segments, None)
        game = ClassificationGame(
            self.model, picture.image, picture.baseline, picture.segments, players, classes, self.use_logit
        )
        solved = self._solve(_Game(players, game.values), picture, rng)
        for column, class_index in enumerate(classes):
            name = classification_heatmap(picture.stem, class_index if asked else None)
            label = headers[class_index]
            values = solved.shap[:, column]
            publisher.jpeg(name, heatmap_picture(picture.image, picture.segments, values, caption=label))
            entry["labels"].append(label)
            entry["heatmaps"].append(name)
            self.records.append(
                {
                    "image": picture.source.name,
                    "label": label,
                    "class_index": class_index,
                    "expected_value": float(solved.expected[column]),
                    "prediction": float(solved.prediction[column]),
                    "shap_values": [float(v) for v in values],
                    "segments": segments_file(picture.stem),
                    "heatmap": name,
                }
            )

    def _detection(
        self, picture: _Picture, entry: dict[str, Any], rng: np.random.Generator, publisher: Publisher
    ) -> None:
        settings = self.settings
        found = self.model.detections(picture.image[None])[0]
        objects = select_objects(found, self.probability_threshold, settings.max_objects)
        objects_name = objects_picture_name(picture.stem)
        publisher.jpeg(objects_name, objects_picture(picture.image, objects, self.label_headers))
        entry["objects"] = objects_name
        if not objects:
            self.warn(
                f"{picture.source.name}: the model detected no object scoring above probability_threshold "
                f"{self.probability_threshold}; nothing to explain in this image"
            )
            return
        height, width = picture.image.shape[:2]
        groups: list[tuple[np.ndarray | None, list[int]]]
        if settings.context >= 1.0:
            groups = [(None, list(range(len(objects))))]
        else:
            groups = [
                (context_region(obj, height, width, settings.context), [k]) for k, obj in enumerate(objects)
            ]
        for region, members in groups:
            players = players_in(picture.segments, region)
            game = DetectionGame(
                self.model,
                picture.image,
                picture.baseline,
                picture.segments,
                players,
                region,
                [objects[k] for k in members],
                settings.iou_threshold,
                self.use_logit,
            )
            solved = self._solve(_Game(players, game.values), picture, rng)
            for column, k in enumerate(members):
                self._box_record(picture, entry, objects[k], k + 1, solved, column, publisher)

    def _box_record(
        self,
        picture: _Picture,
        entry: dict[str, Any],
        detection: Detection,
        number: int,
        solved: _Solved,
        column: int,
        publisher: Publisher,
    ) -> None:
        height, width = picture.image.shape[:2]
        label = self.label_headers[detection.class_index]
        name = box_heatmap(picture.stem, number)
        values = solved.shap[:, column]
        publisher.jpeg(
            name, heatmap_picture(picture.image, picture.segments, values, box=detection, caption=label)
        )
        entry["labels"].append(label)
        entry["heatmaps"].append(name)
        self.records.append(
            {
                "image": picture.source.name,
                "label": label,
                "class_index": detection.class_index,
                "box": [float(v) for v in detection.pixel_box(height, width)],
                "box_number": number,
                "score": detection.score,
                "expected_value": float(solved.expected[column]),
                "prediction": float(solved.prediction[column]),
                "shap_values": [float(v) for v in values],
                "segments": segments_file(picture.stem),
                "heatmap": name,
            }
        )

    # ------------------------------------------------------------------------------------- the estimator
    def _solve(self, game: _Game, picture: _Picture, rng: np.random.Generator) -> _Solved:
        """Kernel SHAP over the game's players; values of non-players are 0 (they never change the picture)."""
        count = len(game.players)
        design = coalition_design(count, self.num_samples, rng)
        masks = np.vstack([np.zeros((1, count), bool), np.ones((1, count), bool), design.masks.astype(bool)])
        chunk = max(1, PIXEL_BUDGET_BYTES // max(1, picture.image.nbytes))
        values = np.vstack(
            [game.values(masks[start : start + chunk]) for start in range(0, len(masks), chunk)]
        )
        null, full = values[0], values[1]
        phi = np.asarray(solve_shapley(design, values[2:], null, full), dtype=float).reshape(count, -1)
        shap = np.zeros((picture.segment_count, phi.shape[1]))
        shap[game.players] = phi
        self.max_samples = max(self.max_samples, len(design.masks))
        return _Solved(shap, null, full, len(design.masks))

    # ------------------------------------------------------------------------------------------- summary
    def summary(self, image_count: int) -> dict[str, Any]:
        settings = self.settings
        per_label = Counter(record["label"] for record in self.records)
        return {
            "method": "kernel_shap",
            "model_type": settings.model_type,
            "label_headers": list(self.label_headers),
            "num_images": image_count,
            "num_explanations": len(self.records),
            "explanations_per_label": dict(sorted(per_label.items())),
            "num_segments": settings.num_segments,
            "segment_compactness": settings.segment_compactness,
            "num_samples": self.max_samples,
            "baseline": self.masking.description,
            "local_explanations": EXPLANATIONS_PATH,
            "images": self.images,
        }
