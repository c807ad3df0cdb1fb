"""``explain_images``: computer-vision explanations of a dataset of images, from config to published files.

Order of work: read the settings (validating a plain document), list the dataset (every file checked), read the
baseline image, build the model — all before the first model call; then per image: decode, segment with SLIC,
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
from pathlib import Path
from typing import Any

import numpy as np

from ...config import AnalysisConfig, ClarifyConfigError, load_config
from ...config.image_settings import IMAGE_DATASET_TYPE, ImageExplanationSettings, image_settings
from ..explain.progress import Progress
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


def explain_images(
    config: AnalysisConfig | dict[str, Any],
    dataset_uri: str | Path,
    output_dir: str | Path | None,
    *,
    model: Any = None,
    sagemaker_runtime_client: Any = None,
    s3_client: Any = None,
    options: Any = None,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Explain every image of ``dataset_uri`` as ``config`` says and publish the files under ``output_dir``.

    ``model`` is an image model override (a callable or estimator taking an N × H × W × 3 ``uint8`` stack, an
    ``http(s)://`` URL, a ``module:callable``, a joblib/pickle file, or an object with ``scores``/``detections``);
    without it the config's ``predictor.local_predictor`` or ``predictor.endpoint_name`` (through
    ``sagemaker_runtime_client``) is called. ``s3_client`` reads ``s3://`` datasets, manifests and baselines.
    ``options`` is the engine's ``EngineOptions`` (batch size, concurrency, retries, timeouts). ``warn`` receives
    every warning. Returns the ``explanations`` object of analysis.json (see the module docstring). Raises
    :class:`ImageExplanationError` (an ``AnalysisError``) with the file or field to fix; nothing is published then.
    """
    document = _validated(config)
    settings = image_settings(document)
    shap = (document.get("methods") or {}).get("shap") or {}
    say = warn or (lambda message: LOG.warning(message))
    _warn_unused(document, settings, say)
    sources = _selected(list(enumerate(list_images(dataset_uri, s3_client=s3_client))), settings)
    masking = MaskingImages(shap.get("baseline"), seed=shap.get("seed"), s3_client=s3_client)
    image_model = build_image_model(
        document,
        class_count=len(settings.label_headers),
        model_type_detection=settings.is_object_detection,
        model=model,
        sagemaker_runtime_client=sagemaker_runtime_client,
        options=options,
    )
    explainer = _Explainer(settings, image_model, masking, shap, say)
    publisher = Publisher(Path(output_dir) if output_dir is not None else None)
    read = image_reader(s3_client)
    progress = Progress(
        "Image SHAP", len(sources), getattr(options, "progress_interval_seconds", 10.0) or 10.0
    )
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


def _validated(config: AnalysisConfig | dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = config if isinstance(config, AnalysisConfig) else load_config(config)
    except ClarifyConfigError as error:
        raise ImageExplanationError(str(error)) from error
    document = loaded.to_dict()
    if loaded.dataset_type != IMAGE_DATASET_TYPE or loaded.methods.shap is None:
        raise ImageExplanationError(
            f"dataset_type: image explanations need dataset_type {IMAGE_DATASET_TYPE} and methods.shap with "
            f"image_config; this config has dataset_type {loaded.dataset_type}"
        )
    return document


def _warn_unused(
    document: dict[str, Any], settings: ImageExplanationSettings, warn: Callable[[str], None]
) -> None:
    shap = (document.get("methods") or {}).get("shap") or {}
    image_config = shap.get("image_config") or {}
    if "agg_method" in shap:
        warn(
            "methods.shap.agg_method does not apply to images (each image has its own segments, so there is no "
            "global value per feature); it is ignored"
        )
    if "report" in (document.get("methods") or {}):
        warn(
            "methods.report: the local engine writes no report for image datasets; the heatmap JPEGs and "
            "explanations_shap/image_explanations.jsonl in the output folder hold the results"
        )
    if not settings.is_object_detection:
        for key in ("max_objects", "iou_threshold", "context"):
            if key in image_config:
                warn(
                    f"methods.shap.image_config.{key} applies only to OBJECT_DETECTION models; it is ignored"
                )


def _selected(
    sources: list[tuple[int, ImageSource]], settings: ImageExplanationSettings
) -> list[tuple[int, ImageSource]]:
    """``image_config.debug``: only the images named in ``image_names`` (relative path or file name), then the
    index range [``sample_from``, ``sample_to``) of what is left. Each image keeps its index in the dataset, so
    its noise and coalitions do not depend on the selection."""
    debug = settings.debug
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

    def __init__(
        self,
        settings: ImageExplanationSettings,
        model: ImageModel,
        masking: MaskingImages,
        shap: dict[str, Any],
        warn: Callable[[str], None],
    ) -> None:
        self.settings = settings
        self.model = model
        self.masking = masking
        self.seed = shap.get("seed")
        self.num_samples = shap.get("num_samples")
        self.use_logit = bool(shap.get("use_logit", False))
        self.warn = warn
        self.stems = StemNames()
        self.records: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self.max_samples = 0

    # ------------------------------------------------------------------------------------------ one image
    def explain(self, index: int, source: ImageSource, image: np.ndarray, publisher: Publisher) -> None:
        segments = segment_image(image, self.settings.num_segments, self.settings.segment_compactness)
        baseline = self.masking.for_image(image.shape, index)
        stem = self.stems.stem(source.name)
        entry: dict[str, Any] = {
            "image": source.name,
            "labels": [],
            "heatmaps": [],
            "segments": segments_file(stem),
        }
        publisher.npy(segments_file(stem), segments)
        from ..explain.estimator import record_rng

        rng = record_rng(self.seed, index)
        if self.settings.is_object_detection:
            self._detection(source, image, baseline, segments, stem, entry, rng, publisher)
        else:
            self._classification(source, image, baseline, segments, stem, entry, rng, publisher)
        self.images.append(entry)

    def _classification(
        self,
        source: ImageSource,
        image: np.ndarray,
        baseline: np.ndarray,
        segments: np.ndarray,
        stem: str,
        entry: dict[str, Any],
        rng: np.random.Generator,
        publisher: Publisher,
    ) -> None:
        original = self.model.scores(image[None])
        headers = self.settings.label_headers
        if original.shape[1] != len(headers):
            raise ImageExplanationError(
                f"{source.location}: the model returned {original.shape[1]} scores per image but "
                f"predictor.label_headers names {len(headers)} classes ({list(headers)[:10]}); give one name per "
                "score"
            )
        asked = self.settings.debug.class_ids
        classes = list(asked) if asked else [int(np.argmax(original[0]))]
        players = players_in(segments, None)
        game = ClassificationGame(self.model, image, baseline, segments, players, classes, self.use_logit)
        solved = self._solve(_Game(players, game.values), image, int(segments.max()) + 1, rng)
        for column, class_index in enumerate(classes):
            name = classification_heatmap(stem, class_index if asked else None)
            label = headers[class_index]
            values = solved.shap[:, column]
            publisher.jpeg(name, heatmap_picture(image, segments, values, caption=label))
            entry["labels"].append(label)
            entry["heatmaps"].append(name)
            self.records.append(
                {
                    "image": source.name,
                    "label": label,
                    "class_index": class_index,
                    "expected_value": float(solved.expected[column]),
                    "prediction": float(solved.prediction[column]),
                    "shap_values": [float(v) for v in values],
                    "segments": segments_file(stem),
                    "heatmap": name,
                }
            )

    def _detection(
        self,
        source: ImageSource,
        image: np.ndarray,
        baseline: np.ndarray,
        segments: np.ndarray,
        stem: str,
        entry: dict[str, Any],
        rng: np.random.Generator,
        publisher: Publisher,
    ) -> None:
        settings = self.settings
        found = self.model.detections(image[None])[0]
        objects = select_objects(found, settings.probability_threshold, settings.max_objects)
        objects_name = objects_picture_name(stem)
        publisher.jpeg(objects_name, objects_picture(image, objects, settings.label_headers))
        entry["objects"] = objects_name
        if not objects:
            self.warn(
                f"{source.name}: the model detected no object scoring above probability_threshold "
                f"{settings.probability_threshold}; nothing to explain in this image"
            )
            return
        height, width = image.shape[:2]
        segment_count = int(segments.max()) + 1
        if settings.context >= 1.0:
            groups: list[tuple[np.ndarray | None, list[int]]] = [(None, list(range(len(objects))))]
        else:
            groups = [
                (context_region(obj, height, width, settings.context), [k]) for k, obj in enumerate(objects)
            ]
        for region, members in groups:
            targets = [objects[k] for k in members]
            players = players_in(segments, region)
            game = DetectionGame(
                self.model,
                image,
                baseline,
                segments,
                players,
                region,
                targets,
                settings.iou_threshold,
                self.use_logit,
            )
            solved = self._solve(_Game(players, game.values), image, segment_count, rng)
            for column, k in enumerate(members):
                self._box_record(
                    source, image, segments, stem, entry, objects[k], k + 1, solved, column, publisher
                )

    def _box_record(
        self,
        source: ImageSource,
        image: np.ndarray,
        segments: np.ndarray,
        stem: str,
        entry: dict[str, Any],
        detection: Detection,
        number: int,
        solved: _Solved,
        column: int,
        publisher: Publisher,
    ) -> None:
        height, width = image.shape[:2]
        label = self.settings.label_headers[detection.class_index]
        name = box_heatmap(stem, number)
        values = solved.shap[:, column]
        publisher.jpeg(name, heatmap_picture(image, segments, values, box=detection, caption=label))
        entry["labels"].append(label)
        entry["heatmaps"].append(name)
        self.records.append(
            {
                "image": source.name,
                "label": label,
                "class_index": detection.class_index,
                "box": [float(v) for v in detection.pixel_box(height, width)],
                "box_number": number,
                "score": detection.score,
                "expected_value": float(solved.expected[column]),
                "prediction": float(solved.prediction[column]),
                "shap_values": [float(v) for v in values],
                "segments": segments_file(stem),
                "heatmap": name,
            }
        )

    # ------------------------------------------------------------------------------------- the estimator
    def _solve(self, game: _Game, image: np.ndarray, segment_count: int, rng: np.random.Generator) -> _Solved:
        """Kernel SHAP over the game's players; values of non-players are 0 (they never change the picture)."""
        from ..explain.estimator import coalition_design, solve_shapley

        count = len(game.players)
        design = coalition_design(count, self.num_samples, rng)
        masks = np.vstack([np.zeros((1, count), bool), np.ones((1, count), bool), design.masks.astype(bool)])
        chunk = max(1, PIXEL_BUDGET_BYTES // max(1, image.nbytes))
        values = np.vstack(
            [game.values(masks[start : start + chunk]) for start in range(0, len(masks), chunk)]
        )
        null, full = values[0], values[1]
        phi = np.asarray(solve_shapley(design, values[2:], null, full), dtype=float).reshape(count, -1)
        shap = np.zeros((segment_count, phi.shape[1]))
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
            "label_headers": list(settings.label_headers),
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
