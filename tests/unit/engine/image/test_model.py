"""Image models: in-process batching, request bodies per content type, payload-capped batches, responses."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from airflow_provider_clarify.engine.image.errors import ImageExplanationError
from airflow_provider_clarify.engine.image.model import (
    ImageSerializer,
    InProcessImageModel,
    RemoteImageModel,
    ScoreReader,
    build_image_model,
)
from airflow_provider_clarify.engine.predictors.errors import ModelInvocationError, PredictorConfigError
from airflow_provider_clarify.engine.predictors.invoker import InvocationSettings
from airflow_provider_clarify.engine.predictors.transports import RetryableModelError
from tests.unit.engine.image.models import LinearClassifier
from tests.unit.engine.image.runs import context

RNG = np.random.default_rng(5)
IMAGES = RNG.integers(0, 256, size=(7, 6, 5, 3), dtype=np.uint8)
MODEL = LinearClassifier(RNG.normal(size=(3, 6, 5, 3)), np.array([0.1, 0.2, 0.3]))


def decode(body: bytes, content_type: str) -> np.ndarray:
    if content_type == "application/x-npy":
        return np.load(io.BytesIO(body), allow_pickle=False)
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))[None]


class FakeEndpoint:
    """A transport that decodes the body like a served model would and answers with JSON scores."""

    description = "fake endpoint"
    remote = True

    def __init__(self, answer=None, fail_first: int = 0) -> None:
        self.bodies: list[tuple[int, str, str]] = []
        self.answer = answer or (lambda images: json.dumps(MODEL(images).tolist()).encode())
        self.fail_first = fail_first

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        if self.fail_first:
            self.fail_first -= 1
            raise RetryableModelError("throttled")
        images = decode(body, content_type)
        self.bodies.append((len(images), content_type, accept_type))
        return self.answer(images)


def remote(transport, content_type, **settings) -> RemoteImageModel:
    return RemoteImageModel(
        transport,
        InvocationSettings(backoff_seconds=0.0, **settings),
        content_type=content_type,
        accept_type="application/json",
        selector=None,
        class_count=3,
    )


def test_in_process_model_sees_the_pixels_in_batches():
    model = LinearClassifier(MODEL.weights, MODEL.bias)
    wrapped = InProcessImageModel(model, batch_size=3, class_count=3, description="linear")
    assert np.allclose(wrapped.scores(IMAGES), MODEL(IMAGES))
    assert model.calls == 3 and wrapped.model_seconds > 0


def test_estimators_use_predict_proba():
    class Estimator:
        def predict_proba(self, images):
            return np.tile([0.2, 0.8], (len(images), 1))

    assert InProcessImageModel(Estimator(), batch_size=4, class_count=2, description="e").scores(
        IMAGES
    ).shape == (7, 2)


def test_in_process_model_with_wrong_row_count_is_an_error():
    wrapped = InProcessImageModel(
        lambda images: [[1.0, 2.0]], batch_size=8, class_count=2, description="bad model"
    )
    with pytest.raises(
        ImageExplanationError, match=r"bad model returned scores of shape \(1, 2\) for 7 images"
    ):
        wrapped.scores(IMAGES)


@pytest.mark.parametrize("content_type", ["image/png", "application/x-npy"])
def test_lossless_bodies_reach_the_model_unchanged(content_type):
    transport = FakeEndpoint()
    scores = remote(transport, content_type, max_concurrency=2).scores(IMAGES)
    assert np.allclose(scores, MODEL(IMAGES))


def test_png_and_jpeg_send_one_image_per_request():
    transport = FakeEndpoint()
    remote(transport, "image/jpeg", max_concurrency=3).scores(IMAGES)
    assert sorted(body[0] for body in transport.bodies) == [1] * 7
    assert {body[1:] for body in transport.bodies} == {("image/jpeg", "application/json")}


def test_npy_batches_are_bounded_by_batch_size_and_the_payload_cap():
    per_image = IMAGES[0].nbytes
    transport = FakeEndpoint()
    remote(transport, "application/x-npy", max_concurrency=1, batch_size=5).scores(IMAGES)
    assert [body[0] for body in transport.bodies] == [5, 2]
    transport = FakeEndpoint()
    capped = remote(transport, "application/x-npy", max_concurrency=1, max_payload_bytes=3 * per_image + 200)
    assert np.allclose(capped.scores(IMAGES), MODEL(IMAGES))
    assert sum(body[0] for body in transport.bodies) == 7 and max(body[0] for body in transport.bodies) <= 3


def test_throttling_is_retried_and_persistent_failures_fail():
    transport = FakeEndpoint(fail_first=2)
    assert np.allclose(
        remote(transport, "image/png", max_concurrency=1).scores(IMAGES[:1]), MODEL(IMAGES[:1])
    )
    with pytest.raises(ModelInvocationError, match="gave up after 2 attempts"):
        remote(FakeEndpoint(fail_first=5), "image/png", max_concurrency=1, max_retries=1).scores(IMAGES[:1])


def test_score_reader_single_and_batched_responses():
    single = ScoreReader("application/json", None)
    assert single(b"[0.1, 0.9]", 1).tolist() == [[0.1, 0.9]]
    assert single(b'{"predictions": [[0.1, 0.9]]}', 1).tolist() == [[0.1, 0.9]]
    selected = ScoreReader("application/json", "output.probabilities")
    assert selected(b'{"output": {"probabilities": [0.3, 0.7]}}', 1).tolist() == [[0.3, 0.7]]
    assert ScoreReader("application/json", None)(b"[[0.1, 0.9], [0.6, 0.4]]", 2).tolist() == [
        [0.1, 0.9],
        [0.6, 0.4],
    ]
    assert ScoreReader("text/csv", None)(b"0.1,0.9\n0.6,0.4\n", 2).tolist() == [[0.1, 0.9], [0.6, 0.4]]
    lines = b'{"p": [0.1, 0.9]}\n{"p": [0.6, 0.4]}\n'
    assert ScoreReader("application/jsonlines", "p")(lines, 2).tolist() == [[0.1, 0.9], [0.6, 0.4]]
    with pytest.raises(ImageExplanationError, match="holds no list of class scores"):
        single(b'{"a": 1, "b": 2}', 1)


def test_serializer_bodies():
    png = ImageSerializer("image/png").serialize([IMAGES[0]])
    assert np.array_equal(decode(png, "image/png")[0], IMAGES[0])
    npy = ImageSerializer("application/x-npy").serialize(list(IMAGES[:3]))
    assert np.array_equal(decode(npy, "application/x-npy"), IMAGES[:3])
    jpeg = ImageSerializer("image/jpeg").serialize([IMAGES[0]])
    assert jpeg[:2] == b"\xff\xd8" and decode(jpeg, "image/jpeg").shape == (1, 6, 5, 3)
    assert (
        ImageSerializer("image/jpeg").single_record and not ImageSerializer("application/x-npy").single_record
    )


def _images_config(**predictor: object) -> dict:
    return {
        "dataset_type": "application/x-image",
        "methods": {"shap": {"image_config": {"model_type": "IMAGE_CLASSIFICATION"}}},
        "predictor": {"label_headers": ["a", "b", "c"], **predictor},
    }


def test_build_image_model_sources(tmp_path):
    document = _images_config()
    built = build_image_model(context(document, tmp_path, None, model=MODEL))
    assert isinstance(built, InProcessImageModel)
    http = build_image_model(context(document, tmp_path, None, model="http://127.0.0.1:9/x"))
    assert isinstance(http, RemoteImageModel) and http.description == "HTTP model http://127.0.0.1:9/x"
    endpoint = build_image_model(
        context(
            _images_config(endpoint_name="cv", content_type="application/x-npy"),
            tmp_path,
            None,
            sagemaker_runtime_client=object(),
        )
    )
    assert isinstance(endpoint, RemoteImageModel) and endpoint.content_type == "application/x-npy"
    with pytest.raises(PredictorConfigError, match="no model to call"):
        build_image_model(context(document, tmp_path, None))
    shadow = _images_config(model_name="m", instance_type="ml.m5.xlarge", initial_instance_count=1)
    with pytest.raises(PredictorConfigError, match="shadow endpoint"):
        build_image_model(context(shadow, tmp_path, None))
    with pytest.raises(PredictorConfigError, match="not callable"):
        build_image_model(context(document, tmp_path, None, model=42))
