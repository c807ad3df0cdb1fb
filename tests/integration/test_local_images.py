"""LocalClarifyOperator explains images read from S3 inside dag.test() and publishes heatmaps, JSON Lines and
analysis.json to S3 (SeaweedFS on loopback)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from skimage import data

from airflow_provider_clarify.results import ClarifyResult
from tests.integration.airflow_runs import run_dag
from tests.unit.engine.image.models import LinearClassifier, expected_segment_values

SIZE = 40


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_local_operator_explains_images_on_s3(test_dags_dir, bucket, s3_client):
    images = {
        "cat.png": np.asarray(Image.fromarray(data.chelsea()).resize((SIZE, SIZE))),
        "more/rocket.png": np.asarray(Image.fromarray(data.rocket()).resize((SIZE, SIZE))),
    }
    for name, array in images.items():
        s3_client.put_object(Bucket=bucket, Key=f"pictures/{name}", Body=png(array))
    baseline = np.full((SIZE, SIZE, 3), 60, dtype=np.uint8)
    s3_client.put_object(Bucket=bucket, Key="masks/flat.png", Body=png(baseline))
    conf = {
        "dataset": f"s3://{bucket}/pictures",
        "output": f"s3://{bucket}/clarify/images",
        "baseline": f"s3://{bucket}/masks/flat.png",
    }
    outcome = run_dag(test_dags_dir / "local_images.py", "local_images", conf=conf)
    assert outcome.task_states() == {"explain_images": "success"}

    keys = sorted(o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket, Prefix="clarify/")["Contents"])
    assert keys == [
        "clarify/images/_manifest.json",  # the output protocol's manifest, written last
        "clarify/images/analysis.json",
        "clarify/images/explanations_shap/image_explanations.jsonl",
        "clarify/images/explanations_shap/segments/cat.npy",
        "clarify/images/explanations_shap/segments/more_rocket.npy",
        "clarify/images/shap_cat.jpeg",
        "clarify/images/shap_more_rocket.jpeg",
    ]

    def read(key: str) -> bytes:
        return s3_client.get_object(Bucket=bucket, Key=f"clarify/images/{key}")["Body"].read()

    analysis = json.loads(read("analysis.json"))
    section = analysis["explanations"]["computer_vision"]
    assert section["num_images"] == 2 and section["label_headers"] == ["left", "right"]
    model = LinearClassifier(np.random.default_rng(11).normal(size=(2, SIZE, SIZE, 3)) * 0.01, np.zeros(2))
    records = [json.loads(line) for line in read("explanations_shap/image_explanations.jsonl").splitlines()]
    assert [r["image"] for r in records] == ["cat.png", "more/rocket.png"]
    for record in records:
        image = images[record["image"]]
        segments = np.load(io.BytesIO(read(record["segments"])))
        predicted = int(np.argmax(model.score(image)))
        assert record["class_index"] == predicted
        expected = expected_segment_values(model.weights[predicted], image, baseline, segments)
        assert record["shap_values"] == pytest.approx(expected.tolist(), abs=1e-9)
        assert Image.open(io.BytesIO(read(record["heatmap"]))).format == "JPEG"
    result = ClarifyResult.from_xcom(outcome.xcom("explain_images"))
    assert result.engine == "local" and result.analysis_uri == f"s3://{bucket}/clarify/images/analysis.json"
