"""explain_images end to end: exact values by construction, local accuracy, a real digits classifier, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from airflow_provider_clarify.config import ClarifyConfigError
from airflow_provider_clarify.engine.image import ImageExplanationError
from airflow_provider_clarify.engine.image.model import RemoteImageModel
from airflow_provider_clarify.engine.predictors.invoker import InvocationSettings
from tests.unit.engine.image.models import LinearClassifier, LinearDetector, expected_segment_values
from tests.unit.engine.image.runs import run_images
from tests.unit.engine.image.test_model import FakeEndpoint

SIZE = 48
LABELS = ["a", "b", "c"]


def picture(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image).convert("RGB").resize((SIZE, SIZE), Image.Resampling.BILINEAR))


def dataset(root: Path) -> dict[str, np.ndarray]:
    """Three pictures from scikit-image (one of them greyscale), as PNG files in nested folders."""
    images = {
        "people/astronaut.png": picture(data.astronaut()),
        "cat.png": picture(data.chelsea()),
        "grey/camera.png": np.asarray(Image.fromarray(data.camera()).resize((SIZE, SIZE))),
    }
    decoded = {}
    for name, array in images.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(root / name)
        decoded[name] = np.asarray(Image.fromarray(array).convert("RGB"))
    return decoded


def config(model_type: str = "IMAGE_CLASSIFICATION", **shap: object) -> dict:
    image_config = {"model_type": model_type, "num_segments": 15, "segment_compactness": 10}
    image_config.update(shap.pop("image_config", {}))  # type: ignore[arg-type]
    return {
        "dataset_type": "application/x-image",
        "methods": {"shap": {"num_samples": 80, "seed": 3, "image_config": image_config, **shap}},
        "predictor": {"label_headers": LABELS},
    }


def grey_baseline(root: Path, value: int = 90) -> str:
    path = root / "baseline.png"
    Image.fromarray(np.full((10, 10, 3), value, dtype=np.uint8)).save(path)
    return str(path)


def lines(output: Path) -> list[dict]:
    text = (output / "explanations_shap" / "image_explanations.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def files(output: Path) -> list[str]:
    return (
        sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file())
        if output.exists()
        else []
    )


def linear_classifier(seed: int = 0) -> LinearClassifier:
    rng = np.random.default_rng(seed)
    return LinearClassifier(rng.normal(size=(3, SIZE, SIZE, 3)) * 0.01, np.array([0.0, 0.5, -0.5]))


# ------------------------------------------------------------------------------------------ exact by construction
def test_classification_values_are_exact_for_a_linear_model(tmp_path):
    images = dataset(tmp_path / "images")
    model = linear_classifier()
    baseline = np.full((SIZE, SIZE, 3), 90, dtype=np.uint8)
    result = run_images(
        config(baseline=grey_baseline(tmp_path)), tmp_path / "images", tmp_path / "out", model=model
    )
    records = lines(tmp_path / "out")
    assert [r["image"] for r in records] == sorted(images)
    for record in records:
        image = images[record["image"]]
        segments = np.load(tmp_path / "out" / record["segments"])
        assert segments.shape == image.shape[:2]
        predicted = int(np.argmax(model.score(image)))
        assert record["label"] == LABELS[predicted] and record["class_index"] == predicted
        expected = expected_segment_values(model.weights[predicted], image, baseline, segments)
        assert record["shap_values"] == pytest.approx(expected.tolist(), abs=1e-9)
        assert record["expected_value"] == pytest.approx(model.score(baseline)[predicted])
        assert record["prediction"] == pytest.approx(model.score(image)[predicted])
        assert (tmp_path / "out" / record["heatmap"]).is_file()
    section = result["computer_vision"]
    assert section["num_images"] == 3 and section["num_explanations"] == 3
    assert section["local_explanations"] == "explanations_shap/image_explanations.jsonl"
    assert {entry["heatmaps"][0] for entry in section["images"]} == {
        "shap_people_astronaut.jpeg",
        "shap_cat.jpeg",
        "shap_grey_camera.jpeg",
    }


@pytest.mark.parametrize("content_type", ["image/png", "application/x-npy"])
def test_exact_through_a_lossless_wire_format(tmp_path, content_type):
    images = dataset(tmp_path / "images")
    linear = linear_classifier(1)
    endpoint = FakeEndpoint(answer=lambda batch: json.dumps(linear(batch).tolist()).encode())
    model = RemoteImageModel(
        endpoint,
        InvocationSettings(max_concurrency=3),
        content_type=content_type,
        accept_type="application/json",
        selector=None,
        class_count=3,
    )
    run_images(config(baseline=grey_baseline(tmp_path)), tmp_path / "images", tmp_path / "out", model=model)
    baseline = np.full((SIZE, SIZE, 3), 90, dtype=np.uint8)
    for record in lines(tmp_path / "out"):
        segments = np.load(tmp_path / "out" / record["segments"])
        expected = expected_segment_values(
            linear.weights[record["class_index"]], images[record["image"]], baseline, segments
        )
        assert record["shap_values"] == pytest.approx(expected.tolist(), abs=1e-9)
    sizes = [body[0] for body in endpoint.bodies]
    if content_type == "image/png":
        assert set(sizes) == {1}
    else:
        assert max(sizes) > 1  # masked variants travel together


@pytest.mark.parametrize("context", [1.0, 0.0])
def test_detection_values_are_exact_for_a_linear_detector(tmp_path, context):
    images = dataset(tmp_path / "images")
    box = (0.25, 0.25, 0.75, 0.5)  # pixels x 12..35, y 12..23 of 48 × 48
    weights = np.random.default_rng(7).uniform(-1e-5, 3e-5, size=(SIZE, SIZE, 3))
    detector = LinearDetector(weights, bias=0.9, box=box, class_index=2)
    document = config("OBJECT_DETECTION", baseline=grey_baseline(tmp_path), image_config={"context": context})
    document["probability_threshold"] = 0.1
    run_images(document, tmp_path / "images", tmp_path / "out", model=detector)
    baseline = np.full((SIZE, SIZE, 3), 90, dtype=np.uint8)
    region = np.ones((SIZE, SIZE), dtype=bool)
    if context == 0.0:
        region[:] = False
        region[12:24, 12:36] = True
    records = lines(tmp_path / "out")
    assert len(records) == 3
    for record in records:
        image = images[record["image"]]
        segments = np.load(tmp_path / "out" / record["segments"])
        expected = expected_segment_values(weights, image, baseline, segments, region)
        assert record["shap_values"] == pytest.approx(expected.tolist(), abs=1e-9)
        assert record["expected_value"] == pytest.approx(detector.score(baseline))
        assert record["prediction"] == pytest.approx(
            detector.score(np.where(region[..., None], image, baseline))
        )
        assert record["label"] == "c" and record["box"] == [12.0, 12.0, 36.0, 24.0]
        assert record["score"] == pytest.approx(detector.score(image))
        stem = record["image"].rsplit(".", 1)[0].replace("/", "_")
        assert record["heatmap"] == f"shap_{stem}_box1_object.jpeg"
        assert (tmp_path / "out" / f"{stem}_objects.jpeg").is_file()
    if context == 0.0:  # segments wholly outside the box can change nothing
        for record in records:
            segments = np.load(tmp_path / "out" / record["segments"])
            outside = set(np.unique(segments).tolist()) - set(np.unique(segments[region]).tolist())
            assert outside and all(record["shap_values"][s] == 0.0 for s in outside)


def test_detection_keeps_the_best_objects_above_the_threshold(tmp_path, caplog):
    dataset(tmp_path / "images")

    def detector(batch: np.ndarray) -> list:
        rows = [
            [0, 0.3, 0, 0, 0.5, 0.5],
            [1, 0.95, 0.5, 0.5, 1, 1],
            [2, 0.6, 0, 0.5, 0.5, 1],
            [0, 0.8, 0, 0, 1, 1],
        ]
        return [{"prediction": rows} for _ in batch]

    document = config("OBJECT_DETECTION", image_config={"max_objects": 2})
    result = run_images(document, tmp_path / "images", tmp_path / "out", model=detector)
    records = lines(tmp_path / "out")
    assert [(r["box_number"], r["label"], r["score"]) for r in records[:2]] == [(1, "b", 0.95), (2, "a", 0.8)]
    assert result["computer_vision"]["explanations_per_label"] == {"a": 3, "b": 3}
    warnings: list[str] = []
    document["probability_threshold"] = 0.99
    run_images(document, tmp_path / "images", tmp_path / "none", model=detector, warnings=warnings)
    assert lines(tmp_path / "none") == [] and len(warnings) == 3
    assert "no object scoring above probability_threshold 0.99" in warnings[0]


# -------------------------------------------------------------------------- white noise, seeds and local accuracy
def test_local_accuracy_and_reproducibility_with_the_generated_baseline(tmp_path):
    images = dataset(tmp_path / "images")
    model = linear_classifier(2)
    run_images(config(), tmp_path / "images", tmp_path / "one", model=model)
    run_images(config(), tmp_path / "images", tmp_path / "two", model=model)
    run_images(config(seed=4), tmp_path / "images", tmp_path / "three", model=model)
    first, second, other = lines(tmp_path / "one"), lines(tmp_path / "two"), lines(tmp_path / "three")
    assert first == second
    for record, changed in zip(first, other, strict=True):
        prediction = model.score(images[record["image"]])[record["class_index"]]
        assert record["prediction"] == pytest.approx(prediction)
        assert sum(record["shap_values"]) == pytest.approx(prediction - record["expected_value"], abs=1e-9)
        assert changed["expected_value"] != record["expected_value"]  # new seed, new noise
    summary = run_images(config(), tmp_path / "images", None, model=model)["computer_vision"]
    assert "white noise" in summary["baseline"] and summary["num_explanations"] == 3


def test_debug_selection_of_images_and_classes(tmp_path):
    dataset(tmp_path / "images")
    document = config(image_config={"debug": {"image_names": ["cat.png", "camera.png"], "class_ids": [0, 2]}})
    run_images(document, tmp_path / "images", tmp_path / "out", model=linear_classifier())
    records = lines(tmp_path / "out")
    assert [(r["image"], r["label"]) for r in records] == [
        ("cat.png", "a"),
        ("cat.png", "c"),
        ("grey/camera.png", "a"),
        ("grey/camera.png", "c"),
    ]
    assert records[1]["heatmap"] == "shap_cat_class2.jpeg"
    document = config(image_config={"debug": {"sample_from": 1, "sample_to": 2}})
    run_images(document, tmp_path / "images", tmp_path / "range", model=linear_classifier())
    assert [r["image"] for r in lines(tmp_path / "range")] == ["grey/camera.png"]
    # an image keeps its noise and its coalitions whatever else is selected (white-noise baseline, seed 3)
    run_images(config(), tmp_path / "images", tmp_path / "all", model=linear_classifier())
    assert lines(tmp_path / "range")[0] == lines(tmp_path / "all")[1]


# ---------------------------------------------------------------------------------------- a real classifier
def test_digits_classifier_is_explained_by_its_strokes(tmp_path):
    from sklearn.datasets import load_digits
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    digits = load_digits()
    classifier = LinearDiscriminantAnalysis().fit(digits.data[100:] / 16.0, digits.target[100:])
    scale = 8  # 8 × 8 digits drawn as 64 × 64 pictures, ink white on black

    def model(batch: np.ndarray) -> np.ndarray:
        grey = batch.astype(float).mean(axis=3)
        blocks = grey.reshape(len(batch), 8, scale, 8, scale).mean(axis=(2, 4)) / 256.0  # back to 0..1
        return classifier.predict_proba(blocks.reshape(len(batch), 64))

    folder = tmp_path / "digits"
    folder.mkdir()
    correct = classifier.predict(digits.data[:100] / 16.0) == digits.target[:100]
    chosen = [int(i) for i in np.nonzero(correct)[0][:5]]  # held-out digits the classifier gets right
    for index in chosen:
        ink = np.kron(digits.images[index], np.ones((scale, scale))) * 16
        Image.fromarray(np.clip(ink, 0, 255).astype(np.uint8)).save(folder / f"digit_{index}.png")
    # Removing a superpixel means "no ink there": the baseline is black, the colour of the paper.
    black = tmp_path / "black.png"
    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(black)
    document = config(baseline=str(black), num_samples=200, use_logit=True, image_config={"num_segments": 25})
    document["predictor"]["label_headers"] = [str(d) for d in range(10)]
    run_images(document, folder, tmp_path / "out", model=model)
    for record, index in zip(lines(tmp_path / "out"), chosen, strict=True):
        assert record["label"] == str(digits.target[index])  # the classifier gets these right
        segments = np.load(tmp_path / "out" / record["segments"])
        ink = np.kron(digits.images[index], np.ones((scale, scale))) > 4
        values = np.array(record["shap_values"])
        strongest = np.argsort(values)[::-1][:3]
        stroke_share = ink[np.isin(segments, strongest)].mean()
        assert values[strongest[0]] > 0
        assert stroke_share > 0.6 and stroke_share > ink.mean() + 0.2, (
            record["image"],
            stroke_share,
            ink.mean(),
        )


# ------------------------------------------------------------------------------- bad input publishes nothing
def broken_jpeg(path: Path) -> None:
    from io import BytesIO

    buffer = BytesIO()
    Image.fromarray(picture(data.coffee())).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue()[:300])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", r"zz_cut\.jpg: cannot decode the image"),
        ("extension", r"notes\.txt is not a JPEG or PNG image"),
        ("empty", r"holds no images"),
        ("manifest", r"line 1 has no 'source-ref'"),
        ("label_headers", r"predictor\.label_headers: required to explain images"),
        ("classes", r"returned 3 scores per image but predictor\.label_headers names 2 classes"),
        ("detections", r"object-detection output is malformed.*outside 0\.\.1"),
        ("baseline", r"methods\.shap\.baseline: cannot read .*missing\.png"),
    ],
)
def test_bad_input_is_named_and_nothing_is_published(tmp_path, case, message):
    images = tmp_path / "images"
    dataset(images)
    document = config()
    dataset_uri: Path = images
    model: object = linear_classifier()
    if case == "truncated":
        broken_jpeg(images / "zz_cut.jpg")
    elif case == "extension":
        (images / "notes.txt").write_text("not an image")
    elif case == "empty":
        dataset_uri = tmp_path / "empty"
        dataset_uri.mkdir()
    elif case == "manifest":
        dataset_uri = tmp_path / "list.manifest"
        dataset_uri.write_text('{"source_ref": "images/cat.png"}\n')
    elif case == "label_headers":
        del document["predictor"]["label_headers"]
    elif case == "classes":
        document["predictor"]["label_headers"] = ["a", "b"]
    elif case == "detections":
        document = config("OBJECT_DETECTION")
        model = lambda batch: [{"prediction": [[0, 0.9, 5, 5, 20, 20]]} for _ in batch]  # noqa: E731 - pixels
    elif case == "baseline":
        document = config(baseline=str(tmp_path / "missing.png"))
    output = tmp_path / "out"
    output.mkdir()
    (output / "earlier.txt").write_text("kept")
    # a config problem is found by load_config, before the engine starts; every other by the engine
    expected = ClarifyConfigError if case == "label_headers" else ImageExplanationError
    with pytest.raises(expected, match=message):
        run_images(document, dataset_uri, output, model=model)
    assert files(output) == ["earlier.txt"]
    assert [p.name for p in output.iterdir()] == ["earlier.txt"]  # no staging folder left behind


def test_a_tabular_config_is_refused(tmp_path):
    document = {"dataset_type": "text/csv", "methods": {"shap": {}}, "predictor": {"endpoint_name": "e"}}
    with pytest.raises(ImageExplanationError, match="need dataset_type application/x-image"):
        run_images(document, tmp_path, tmp_path / "out")


def test_contact_sheet_stacks_the_first_heatmaps(tmp_path):
    from airflow_provider_clarify.engine.image.heatmap import contact_sheet

    dataset(tmp_path / "images")
    section = run_images(config(), tmp_path / "images", tmp_path / "out", model=linear_classifier())
    sheet = contact_sheet(tmp_path / "out", section["computer_vision"], limit=2, width=200)
    first = Image.open(tmp_path / "out" / section["computer_vision"]["images"][0]["heatmaps"][0])
    row_height = round(first.height * 200 / first.width)
    assert sheet is not None and sheet.shape == (2 * row_height, 200, 3)
    assert contact_sheet(tmp_path / "out", {"images": []}) is None
