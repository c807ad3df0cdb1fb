"""Image classification explanations: images per second, and the share of time spent in the model.

224 × 224 RGB pictures from scikit-image (``skimage.data``), 20 SLIC segments, num_samples 100, a white-noise
baseline, an in-process model (a 10-class softmax over a linear map of all pixels, float32).

- **ours**: ``run_analysis`` of an image config end to end (the image module's ``explain_images``): PNG
  decoding, SLIC, masked pictures, model calls, the shared Kernel SHAP estimator, the heatmap JPEGs, the ``.npy``
  segment maps, the JSON Lines file and analysis.json, published into a folder.
- **peer**: ``shap.KernelExplainer`` on the same segments, the same masked pictures and the same model (the
  classic superpixel recipe from shap's documentation: players = segments, a coalition's picture keeps its
  segments and takes the baseline elsewhere), nsamples 100, one image at a time; it writes nothing.

The model time is measured inside the model function for both, so "overhead" is everything else. Both
explain one untimed image first, so one-time imports and set-up are not in the figures.

    python benchmarks/vision.py [--images 12]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from anywhere: import this checkout's package, and not a folder named like a library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import run_analysis  # noqa: E402
from airflow_provider_clarify.engine.image.baseline import white_noise  # noqa: E402
from airflow_provider_clarify.engine.image.segmentation import segment_image  # noqa: E402

SIZE = 224
SEGMENTS = 20
COMPACTNESS = 5
NUM_SAMPLES = 100
SOURCES = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "cat",
    "retina",
)


class TimedModel:
    """A 10-class softmax over a fixed linear map of all pixels (float32); counts its own time.

    It converts its input to a C-ordered float32 matrix first, as a real model does, so its cost does not depend
    on the memory layout of the stack it is given.
    """

    def __init__(self) -> None:
        self.weights = (np.random.default_rng(0).normal(size=(SIZE * SIZE * 3, 10)) / 3000.0).astype(
            np.float32
        )
        self.seconds = 0.0
        self.images = 0

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        pixels = np.ascontiguousarray(batch, dtype=np.float32).reshape(len(batch), -1) / 255.0
        logits = (pixels @ self.weights).astype(float)
        scores = np.exp(logits - logits.max(axis=1, keepdims=True))
        result = scores / scores.sum(axis=1, keepdims=True)
        self.seconds += time.perf_counter() - started
        self.images += len(batch)
        return result


def pictures(count: int) -> list[np.ndarray]:
    out = []
    for index in range(count):
        image = getattr(data, SOURCES[index % len(SOURCES)])()
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        out.append(
            np.asarray(Image.fromarray(image[..., :3]).resize((SIZE, SIZE), Image.Resampling.BILINEAR))
        )
    return out


def ours(images: list[np.ndarray], folder: Path) -> tuple[float, TimedModel]:
    for index, image in enumerate(images):
        Image.fromarray(image).save(folder / "images" / f"image_{index:03d}.png")
    config = {
        "dataset_type": "application/x-image",
        "methods": {
            "shap": {
                "num_samples": NUM_SAMPLES,
                "seed": 1,
                "image_config": {
                    "model_type": "IMAGE_CLASSIFICATION",
                    "num_segments": SEGMENTS,
                    "segment_compactness": COMPACTNESS,
                },
            }
        },
        "predictor": {"label_headers": [f"class{i}" for i in range(10)]},
    }
    model = TimedModel()
    started = time.perf_counter()
    run_analysis(load_config(config), folder / "images", folder / "out", predictor=model)
    return time.perf_counter() - started, model


def peer(images: list[np.ndarray]) -> tuple[float, TimedModel]:
    import shap

    logging.getLogger("shap").setLevel(logging.WARNING)
    model = TimedModel()
    started = time.perf_counter()
    np.random.seed(1)
    for index, image in enumerate(images):
        segments = segment_image(image, SEGMENTS, COMPACTNESS)
        baseline = white_noise(image.shape, 1, index)
        players = int(segments.max()) + 1
        predicted = int(np.argmax(model(image[None])[0]))

        def value(masks: np.ndarray, image=image, segments=segments, baseline=baseline, predicted=predicted):
            keep = masks.astype(bool)[:, segments]
            return model(np.where(keep[..., None], image, baseline))[:, predicted]

        explainer = shap.KernelExplainer(value, np.zeros((1, players)))
        explainer.shap_values(np.ones((1, players)), nsamples=NUM_SAMPLES, silent=True)
    return time.perf_counter() - started, model


def report(name: str, seconds: float, model: TimedModel, count: int) -> None:
    share = model.seconds / seconds if seconds else 0.0
    print(
        f"{name:<6} {count / seconds:7.2f} images/s  {seconds:7.2f} s total  model {model.seconds:6.2f} s "
        f"({share:5.1%})  overhead {seconds - model.seconds:6.2f} s ({1 - share:5.1%})  "
        f"{model.images / count:6.0f} model images per explained image"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=12)
    args = parser.parse_args()
    images = pictures(args.images)
    # One untimed image each first: imports and one-time set-up (the config schema, matplotlib's colour maps,
    # shap itself) are paid once per process, not per image; the timed runs then compare steady states.
    with tempfile.TemporaryDirectory(prefix="clarify-vision-warm-") as scratch:
        (Path(scratch) / "images").mkdir()
        ours(images[:1], Path(scratch))
    peer(images[:1])
    with tempfile.TemporaryDirectory(prefix="clarify-vision-bench-") as scratch:
        folder = Path(scratch)
        (folder / "images").mkdir()
        ours_seconds, ours_model = ours(images, folder)
        heatmaps = len(list((folder / "out").glob("shap_*.jpeg")))
    peer_seconds, peer_model = peer(images)
    print(f"{args.images} images of {SIZE}x{SIZE}, {SEGMENTS} segments requested, num_samples {NUM_SAMPLES}")
    report("ours", ours_seconds, ours_model, args.images)
    report("shap", peer_seconds, peer_model, args.images)
    print(
        f"ours wrote {heatmaps} heatmaps; speed-up over shap.KernelExplainer: {peer_seconds / ours_seconds:.2f}x"
    )


if __name__ == "__main__":
    main()
