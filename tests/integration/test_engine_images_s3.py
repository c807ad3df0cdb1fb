"""Image explanations read their dataset, manifest and baseline from S3 (SeaweedFS on loopback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from airflow_provider_clarify.engine.image import ImageExplanationError
from tests.unit.engine.image.models import LinearClassifier
from tests.unit.engine.image.runs import run_images

SIZE = 40
CONFIG = {
    "dataset_type": "application/x-image",
    "methods": {
        "shap": {"num_samples": 60, "seed": 9, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}},
    },
    "predictor": {"label_headers": ["a", "b"]},
}
MODEL = LinearClassifier(np.random.default_rng(4).normal(size=(2, SIZE, SIZE, 3)) * 0.01, np.zeros(2))


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def pictures() -> dict[str, np.ndarray]:
    def small(image: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(image).convert("RGB").resize((SIZE, SIZE)))

    return {"set/cat.png": small(data.chelsea()), "set/deep/coffee.png": small(data.coffee())}


def upload(s3_client, bucket: str, tmp_path: Path) -> None:
    for name, array in pictures().items():
        s3_client.put_object(Bucket=bucket, Key=f"images/{name}", Body=png(array))
        (tmp_path / "local" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "local" / name).write_bytes(png(array))
    s3_client.put_object(
        Bucket=bucket, Key="masks/grey.png", Body=png(np.full((5, 5, 3), 80, dtype=np.uint8))
    )
    (tmp_path / "grey.png").write_bytes(png(np.full((5, 5, 3), 80, dtype=np.uint8)))


def records(output: Path) -> list[dict]:
    text = (output / "explanations_shap" / "image_explanations.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_prefix_manifest_and_baseline_on_s3_give_the_local_result(s3_client, bucket, tmp_path):
    upload(s3_client, bucket, tmp_path)
    remote_config = json.loads(json.dumps(CONFIG))
    remote_config["methods"]["shap"]["baseline"] = f"s3://{bucket}/masks/grey.png"
    local_config = json.loads(json.dumps(CONFIG))
    local_config["methods"]["shap"]["baseline"] = str(tmp_path / "grey.png")

    remote = run_images(
        remote_config, f"s3://{bucket}/images/set", tmp_path / "remote", model=MODEL, s3_client=s3_client
    )
    local = run_images(local_config, tmp_path / "local" / "set", tmp_path / "local-out", model=MODEL)
    assert records(tmp_path / "remote") == records(tmp_path / "local-out")
    assert [entry["image"] for entry in remote["computer_vision"]["images"]] == ["cat.png", "deep/coffee.png"]
    assert remote["computer_vision"]["images"] == local["computer_vision"]["images"]
    assert (tmp_path / "remote" / "shap_deep_coffee.jpeg").is_file()

    manifest = "\n".join(
        json.dumps({"source-ref": f"s3://{bucket}/images/{name}"}) for name in reversed(list(pictures()))
    )
    s3_client.put_object(Bucket=bucket, Key="lists/images.manifest", Body=manifest.encode())
    listed = run_images(
        remote_config,
        f"s3://{bucket}/lists/images.manifest",
        tmp_path / "manifest",
        model=MODEL,
        s3_client=s3_client,
    )
    assert [entry["image"] for entry in listed["computer_vision"]["images"]] == ["deep/coffee.png", "cat.png"]
    by_image = {record["image"]: record for record in records(tmp_path / "remote")}
    for record in records(tmp_path / "manifest"):
        assert record["shap_values"] == pytest.approx(by_image[record["image"]]["shap_values"])


def test_unsupported_object_under_the_prefix_is_named_before_any_model_call(s3_client, bucket, tmp_path):
    upload(s3_client, bucket, tmp_path)
    s3_client.put_object(Bucket=bucket, Key="images/set/labels.csv", Body=b"a,b\n")
    calls = []

    def model(batch: np.ndarray) -> np.ndarray:
        calls.append(len(batch))
        return MODEL(batch)

    with pytest.raises(
        ImageExplanationError, match=rf"s3://{bucket}/images/set/labels\.csv is not a JPEG or PNG"
    ):
        run_images(CONFIG, f"s3://{bucket}/images/set", tmp_path / "out", model=model, s3_client=s3_client)
    assert calls == [] and not any((tmp_path / "out").rglob("*.*"))
