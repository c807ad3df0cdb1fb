"""Image models: one interface for in-process models, HTTP models and SageMaker endpoints.

An explanation asks a model about a stack of masked variants of one image (``uint8`` array N × H × W × 3) and
wants back either a score matrix N × T (image classification) or one detection list per image (object detection).

- **In-process**: a Python callable, or an object with ``predict_proba`` / ``predict``, called with the stack
  itself (decoded pixels, no encoding), ``options.batch_size`` images at a time. It returns the scores (N × T), or
  one detection document per image (a list of ``[class, score, x0, y0, x1, y1]`` rows or
  ``{"prediction": rows}``).
- **HTTP / InvokeEndpoint**: the transports of ``engine/predictors/transports.py`` (retries on throttling and 5xx,
  timeouts, SageMaker headers) driven by the same ``ModelInvoker`` as tabular data, so batching, the 6 MB payload
  cap and the bounded thread pool are shared. Bodies follow ``predictor.content_type``: ``image/jpeg`` and
  ``image/png`` carry one encoded image per request (neither format holds several); ``application/x-npy`` carries
  ``np.save`` of a ``uint8`` batch N × H × W × 3, as many images per request as ``batch_size`` and the payload cap
  allow. Responses follow ``predictor.accept_type`` (default application/json) and ``predictor.probability``.

JPEG is lossy: a model served over image/jpeg sees compression noise on top of the masking. PNG and NPY are exact.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import jmespath
import numpy as np

from ...contract import JPEG, JSON, NPY
from ..predictors.errors import PredictorConfigError
from ..predictors.invoker import AcceptHeader, InvocationSettings, ModelInvoker
from ..predictors.model import endpoint_transport, wire_types
from ..predictors.outputs import OutputInterpreter
from ..predictors.responses import ResponseParser
from ..predictors.transports import HttpTransport, Transport, resolve_override
from ..run import RunContext
from .detection import Detection, DetectionReader
from .errors import ImageExplanationError

JPEG_QUALITY = 95


@runtime_checkable
class ImageModel(Protocol):
    """What an image explanation needs from a model."""

    @property
    def description(self) -> str: ...

    @property
    def model_seconds(self) -> float:
        """Seconds spent inside the model (summed over concurrent requests)."""

    def scores(self, images: np.ndarray) -> np.ndarray: ...

    def detections(self, images: np.ndarray) -> list[list[Detection]]: ...


def _as_scores(result: Any, count: int, where: str) -> np.ndarray:
    try:
        matrix = np.asarray(result, dtype=float)
    except (TypeError, ValueError) as error:
        raise ImageExplanationError(f"{where} returned scores that are not numbers: {error}") from error
    if matrix.ndim == 1 and count == 1:
        matrix = matrix.reshape(1, -1)
    elif matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1)
    if matrix.ndim != 2 or matrix.shape[0] != count:
        raise ImageExplanationError(
            f"{where} returned scores of shape {matrix.shape} for {count} images; expected one row of class "
            "scores per image"
        )
    return matrix


class InProcessImageModel:
    """A Python model called with decoded pixel stacks."""

    def __init__(self, target: Any, *, batch_size: int, class_count: int, description: str) -> None:
        if hasattr(target, "predict_proba"):
            self._function: Callable[[np.ndarray], Any] = target.predict_proba
        elif hasattr(target, "predict"):
            self._function = target.predict
        elif callable(target):
            self._function = target
        else:
            raise PredictorConfigError(
                f"{description} is not callable and has no predict_proba/predict: pass a function taking an "
                "image stack (N × H × W × 3 uint8) or an estimator"
            )
        self.batch_size = max(1, int(batch_size))
        self.description = description
        self.reader = DetectionReader(class_count)
        self.model_seconds = 0.0
        self.calls = 0

    def _call(self, images: np.ndarray) -> Any:
        started = time.perf_counter()
        try:
            return self._function(images)
        finally:
            self.model_seconds += time.perf_counter() - started
            self.calls += 1

    def scores(self, images: np.ndarray) -> np.ndarray:
        parts = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start : start + self.batch_size]
            parts.append(_as_scores(self._call(chunk), len(chunk), self.description))
        widths = {part.shape[1] for part in parts}
        if len(widths) > 1:
            raise ImageExplanationError(
                f"{self.description} returned different numbers of scores {sorted(widths)}"
            )
        return np.concatenate(parts) if parts else np.zeros((0, 0))

    def detections(self, images: np.ndarray) -> list[list[Detection]]:
        found: list[list[Detection]] = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start : start + self.batch_size]
            found.extend(self.reader.from_document(self._call(chunk), len(chunk), self.description))
        return found


@dataclass
class ImageSerializer:
    """Encodes a stack of images as one request body of ``content_type`` (duck-types ``RequestSerializer``)."""

    content_type: str

    @property
    def single_record(self) -> bool:
        return self.content_type != NPY  # a JPEG or PNG body holds exactly one image

    def serialize(self, images: Sequence[np.ndarray]) -> bytes:
        buffer = io.BytesIO()
        if self.content_type == NPY:
            np.save(buffer, np.ascontiguousarray(np.stack(list(images)), dtype=np.uint8), allow_pickle=False)
            return buffer.getvalue()
        from PIL import Image

        (image,) = images
        picture = Image.fromarray(np.asarray(image, dtype=np.uint8))
        if self.content_type == JPEG:
            picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
        else:
            picture.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


class ScoreReader:
    """Class scores from a classification response: ``predictor.probability`` selects them when given, else the
    whole output is the score vector (reference: the response formats of tabular data apply to images)."""

    def __init__(self, accept_type: str, selector: str | int | None) -> None:
        self.accept_type = accept_type
        self.selector = selector
        self.parser = ResponseParser(accept_type, probability=selector)
        self.interpreter = OutputInterpreter(has_probability=selector is not None)

    def __call__(self, body: bytes, count: int) -> np.ndarray:
        if count == 1 and self.accept_type == JSON:
            return _as_scores(self._single(body), 1, "the model")
        outputs = self.parser.parse(body, count)
        return _as_scores([self.interpreter.score_vector(output) for output in outputs], count, "the model")

    def _single(self, body: bytes) -> list[Any]:
        text = body.decode("utf-8", errors="replace")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImageExplanationError(
                f"the model's application/json response is not JSON ({error.msg}): {text[:200]!r}"
            ) from error
        if isinstance(self.selector, str):
            document = jmespath.search(self.selector, document)
        elif isinstance(self.selector, int) and isinstance(document, list):
            document = document[self.selector]
        elif isinstance(document, dict) and len(document) == 1:
            (document,) = document.values()
        if isinstance(document, list) and len(document) == 1 and isinstance(document[0], list):
            document = document[0]  # a batch of one
        if not isinstance(document, list):
            hint = (
                " (set predictor.probability to the JMESPath of the score list)"
                if self.selector is None
                else ""
            )
            raise ImageExplanationError(
                f"the model's response {text[:200]!r} holds no list of class scores{hint}"
            )
        return document


class RemoteImageModel:
    """A model behind a transport (HTTP URL or SageMaker endpoint), called through the shared ``ModelInvoker``."""

    def __init__(
        self,
        transport: Transport,
        settings: InvocationSettings,
        *,
        content_type: str,
        accept_type: str,
        selector: str | int | None,
        class_count: int,
    ) -> None:
        self.description = transport.description
        self.content_type = content_type
        self.accept_type = accept_type
        self._timed = _TimedTransport(transport)
        self._invoker = ModelInvoker(
            ImageSerializer(content_type), AcceptHeader(accept_type), self._timed, settings
        )
        self._scores = ScoreReader(accept_type, selector)
        self._detections = DetectionReader(class_count, selector)

    @property
    def model_seconds(self) -> float:
        return self._timed.seconds

    @property
    def requests_sent(self) -> int:
        return self._invoker.requests_sent

    def scores(self, images: np.ndarray) -> np.ndarray:
        parts = self._invoker.invoke_batches(list(images), self._scores)
        return np.concatenate(parts) if parts else np.zeros((0, 0))

    def detections(self, images: np.ndarray) -> list[list[Detection]]:
        def parse(body: bytes, count: int) -> list[list[Detection]]:
            return self._detections.from_body(body, count, self.accept_type, self.description)

        return [found for part in self._invoker.invoke_batches(list(images), parse) for found in part]


class _TimedTransport:
    """Adds up the seconds spent waiting for the model (summed over concurrent requests)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.description = transport.description
        self.remote = getattr(transport, "remote", False)
        self.seconds = 0.0

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        started = time.perf_counter()
        try:
            return self.transport.invoke(body, content_type, accept_type)
        finally:
            self.seconds += time.perf_counter() - started


def build_image_model(context: RunContext) -> ImageModel:
    """The model of an image analysis. The context's ``predictor`` overrides the config's: an
    :class:`ImageModel`, a callable or estimator, an ``http(s)://`` URL, a ``module:callable`` or a joblib/pickle
    file; without it, ``predictor.local_predictor`` (local-engine extension) or ``predictor.endpoint_name``."""
    config = context.config
    predictor = config.predictor_settings
    settings = InvocationSettings.from_options(context.options)
    class_count = len(predictor.label_headers or ())
    image_config = config.methods.shap.image_config if config.methods.shap is not None else None
    selector = predictor.probability
    if selector is None and image_config is not None and image_config.is_object_detection:
        selector = predictor.label
    override = context.predictor if context.predictor is not None else predictor.local_predictor
    if isinstance(override, ImageModel):
        return override

    content_type, accept_type = wire_types(predictor)

    def remote(transport: Transport) -> RemoteImageModel:
        return RemoteImageModel(
            transport,
            settings,
            content_type=content_type,
            accept_type=accept_type,
            selector=selector,
            class_count=class_count,
        )

    if override is None:
        return remote(endpoint_transport(predictor, context.sagemaker_runtime_client))
    resolved = resolve_override(override, timeout=settings.timeout_seconds)
    if isinstance(resolved, HttpTransport):
        return remote(resolved)
    name = resolved.name if resolved.from_file else f"in-process model {resolved.name}"
    return InProcessImageModel(
        resolved.target, batch_size=settings.batch_size, class_count=class_count, description=name
    )
