"""The command line's S3 client, made on first use: never for a run that reads nothing from S3, and there for an
``s3://`` baseline beside a local dataset (the processing container's case)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from airflow_provider_clarify.engine import __main__ as cli
from airflow_provider_clarify.engine.data import s3_on_demand
from airflow_provider_clarify.engine.data.s3_on_demand import S3ClientOnDemand


class FakeS3:
    """get_object from a dict of objects; lists what it was asked."""

    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def get_paginator(self, operation_name: str):
        self.calls.append(("get_paginator", (operation_name,)))
        return f"paginator for {operation_name}"

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        self.calls.append(("download_file", (Bucket, Key, Filename)))
        Path(Filename).write_bytes(self.objects[(Bucket, Key)])

    def get_object(self, *, Bucket: str, Key: str):
        self.calls.append(("get_object", (Bucket, Key)))
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


def test_the_client_is_made_once_on_first_use_and_every_call_is_passed_on(tmp_path):
    fake = FakeS3({("b", "k"): b"data"})
    made = []

    def make():
        made.append(1)
        return fake

    client = S3ClientOnDemand(make)
    assert not client.created and made == []
    assert client.get_object(Bucket="b", Key="k")["Body"].read() == b"data"
    client.download_file("b", "k", str(tmp_path / "copy"))  # positional, as the dataset reader calls it
    assert client.get_paginator("list_objects_v2") == "paginator for list_objects_v2"
    assert client.created and made == [1]
    assert fake.calls == [
        ("get_object", ("b", "k")),
        ("download_file", ("b", "k", str(tmp_path / "copy"))),
        ("get_paginator", ("list_objects_v2",)),
    ]
    assert (tmp_path / "copy").read_bytes() == b"data"


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


WEIGHTS = np.random.default_rng(2).normal(size=(2, 16, 16, 3)) * 0.01


def linear_scores(images: np.ndarray) -> np.ndarray:
    """Two class scores linear in the pixels (a ``module:callable`` for the command line)."""
    return np.einsum("nhwc,thwc->nt", images.astype(float), WEIGHTS)


def image_case(tmp_path: Path, baseline: str | None) -> list[str]:
    images = tmp_path / "images"
    images.mkdir()
    picture = np.random.default_rng(0).integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    (images / "a.png").write_bytes(png(picture))
    shap: dict = {"num_samples": 20, "seed": 1, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}}
    if baseline is not None:
        shap["baseline"] = baseline
    config = {
        "dataset_type": "application/x-image",
        "methods": {"shap": shap},
        "predictor": {"label_headers": ["x", "y"]},
    }
    (tmp_path / "analysis_config.json").write_text(json.dumps(config))
    return [
        "--config",
        str(tmp_path / "analysis_config.json"),
        "--dataset",
        str(images),
        "--output",
        str(tmp_path / "out"),
        "--predictor",
        f"{__name__}:linear_scores",
    ]


def test_the_command_line_reads_an_s3_baseline_beside_a_local_dataset(tmp_path, monkeypatch):
    grey = np.full((4, 4, 3), 70, dtype=np.uint8)
    fake = FakeS3({("masks", "grey.png"): png(grey)})
    monkeypatch.setattr(s3_on_demand, "_boto3_client", lambda: fake)
    assert cli.main(image_case(tmp_path, "s3://masks/grey.png")) == 0
    assert fake.calls == [("get_object", ("masks", "grey.png"))]
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert (
        analysis["explanations"]["computer_vision"]["baseline"]
        == "image s3://masks/grey.png resized to each input"
    )
    # the baseline really masked: the all-masked value is the model's score of the uniform grey picture
    (line,) = (tmp_path / "out/explanations_shap/image_explanations.jsonl").read_text().splitlines()
    record = json.loads(line)
    expected = linear_scores(np.full((1, 16, 16, 3), 70, dtype=np.uint8))[0][record["class_index"]]
    assert abs(record["expected_value"] - expected) < 1e-9


def test_a_run_that_reads_nothing_from_s3_makes_no_client(tmp_path, monkeypatch):
    def refuse():
        raise AssertionError("an S3 client was made for a local run")

    monkeypatch.setattr(s3_on_demand, "_boto3_client", refuse)
    assert cli.main(image_case(tmp_path, None)) == 0
    assert (tmp_path / "out" / "analysis.json").is_file()
