"""Image and time-series analyses as managed jobs, end to end: real Airflow (dag.test), moto's SageMaker with the
Clarify stand-in running our engine's container entrypoint, SeaweedFS S3, and the models behind real HTTP servers
(the stand-in maps each config's ``predictor.model_name`` to one). The image job really explains images: its SHAP
values are checked against the exact values of a model linear in the pixels; the time-series job's lines equal an
in-process run's. Both baselines are read from S3 inside the job, beside a dataset the job sees as local files."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import ClarifyStandIn, running_standin
from tests.integration.dags.local_time_series import CONFIG as LOCAL_FORECAST_CONFIG
from tests.integration.dags.local_time_series import forecaster
from tests.integration.model_servers import ModelServer
from tests.unit.engine.image.models import expected_segment_values
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    run_time_series,
    timestamp_records_document,
    write_dataset,
)

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
SIZE = 40
WEIGHTS = np.random.default_rng(21).normal(size=(2, SIZE, SIZE, 3)) * 0.01
GREY = 80
STATIC_BASELINE = {"static_covariates": {"store-1": [0], "store-2": [1], "42": [2]}}
MANAGED_MODEL = {"instance_type": "ml.m5.xlarge", "initial_instance_count": 1}


def scores(image: np.ndarray) -> np.ndarray:
    """Two class scores, each linear in the pixels: every SHAP value is known exactly."""
    return np.einsum("hwc,thwc->t", image.astype(float), WEIGHTS)


def image_model(body: bytes, headers: dict[str, str]) -> bytes:
    assert headers["content-type"] == "image/png"
    return json.dumps(scores(np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))).tolist()).encode()


def forecast_model(body: bytes, headers: dict[str, str]) -> bytes:
    return forecaster(body).encode("utf-8")


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def pictures() -> dict[str, np.ndarray]:
    def small(image: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(image).convert("RGB").resize((SIZE, SIZE)))

    return {"cat.png": small(data.chelsea()), "more/coffee.png": small(data.coffee())}


@pytest.fixture
def model_urls() -> Iterator[dict[str, str]]:
    with ModelServer(image_model) as images, ModelServer(forecast_model) as forecasts:
        yield {"pets": images.url, "forecaster": forecasts.url}


@pytest.fixture
def clarify_standin(moto_server, s3_server, model_urls) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server, models=model_urls) as stand_in:
        yield stand_in


def read(s3_client, bucket: str, key: str) -> bytes:
    return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()


def run_job(dags: Path, bucket: str, config: dict, dataset_uri: str, output: str):
    outcome = run_dag(
        dags / "remote_kinds.py",
        "remote_kinds",
        conf={
            "analysis_config": config,
            "dataset_uri": dataset_uri,
            "output_uri": f"s3://{bucket}/{output}",
            "role_arn": ROLE,
        },
    )
    assert outcome.state == "success", outcome.task_states()
    return outcome


def check_job(outcome, stand_in: ClarifyStandIn, bucket: str, output: str) -> tuple[dict, dict]:
    """The job ran once, completed, and its summary, console link and downstream task agree on it."""
    summary = outcome.xcom("clarify")
    assert (summary["engine"], summary["job_status"]) == ("managed", "Completed")
    assert stand_in.job_names() == [summary["job_name"]]
    assert summary["job_name"].startswith("Clarify-Explainability-")
    assert outcome.xcom("clarify", key="clarify_processing_job") == {
        "region_name": "us-east-1",
        "aws_domain": "aws.amazon.com",
        "job_name": summary["job_name"],
    }
    downstream = outcome.xcom("collect")
    assert (downstream["job_name"], downstream["job_status"]) == (summary["job_name"], "Completed")
    assert summary["output_uri"] == f"s3://{bucket}/{output}"
    (request,) = stand_in.created
    return request, downstream


def test_an_image_job_explains_the_images_exactly(clarify_standin, bucket, s3_client, test_dags_dir):
    images = pictures()
    for name, array in images.items():
        s3_client.put_object(Bucket=bucket, Key=f"pets/{name}", Body=png(array))
    s3_client.put_object(Bucket=bucket, Key="masks/grey.png", Body=png(np.full((5, 5, 3), GREY, np.uint8)))
    config = {
        "dataset_type": "application/x-image",
        "methods": {
            "shap": {
                "num_samples": 40,
                "seed": 2,
                "baseline": f"s3://{bucket}/masks/grey.png",
                "image_config": {"model_type": "IMAGE_CLASSIFICATION", "num_segments": 10},
            }
        },
        "predictor": {
            "model_name": "pets",
            **MANAGED_MODEL,
            "content_type": "image/png",  # lossless on the wire: the model sees the exact pixels
            "accept_type": "application/json",
            "label_headers": ["left", "right"],
        },
    }
    outcome = run_job(test_dags_dir, bucket, config, f"s3://{bucket}/pets/", "clarify/pets")
    request, downstream = check_job(outcome, clarify_standin, bucket, "clarify/pets")

    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3UploadMode"] == "Continuous"
    assert json.loads(read(s3_client, bucket, "clarify/pets/analysis_config.json")) == config
    for name in ("shap_cat.jpeg", "shap_more_coffee.jpeg", "explanations_shap/image_explanations.jsonl"):
        assert name in downstream["files"]
    analysis = json.loads(read(s3_client, bucket, "clarify/pets/analysis.json"))
    section = analysis["explanations"]["computer_vision"]
    assert (section["num_images"], section["num_explanations"]) == (2, 2)
    assert section["baseline"] == f"image s3://{bucket}/masks/grey.png resized to each input"

    lines = read(s3_client, bucket, "clarify/pets/explanations_shap/image_explanations.jsonl").splitlines()
    records = {record["image"]: record for record in map(json.loads, lines)}
    assert sorted(records) == sorted(images)
    baseline = np.full((SIZE, SIZE, 3), GREY, dtype=np.uint8)
    for name, image in images.items():
        record = records[name]
        predicted = int(np.argmax(scores(image)))
        assert record["class_index"] == predicted
        segments = np.load(io.BytesIO(read(s3_client, bucket, f"clarify/pets/{record['segments']}")))
        assert segments.shape == (SIZE, SIZE)
        expected = expected_segment_values(WEIGHTS[predicted], image, baseline, segments)
        assert record["shap_values"] == pytest.approx(expected.tolist(), abs=1e-9)
        assert record["expected_value"] == pytest.approx(scores(baseline)[predicted], abs=1e-9)
        assert record["prediction"] == pytest.approx(scores(image)[predicted], abs=1e-9)


def test_a_time_series_job_gives_the_in_process_lines(
    clarify_standin, bucket, s3_client, test_dags_dir, tmp_path
):
    s3_client.put_object(
        Bucket=bucket, Key="forecasts/sales.json", Body=json.dumps(timestamp_records_document(ITEMS)).encode()
    )
    s3_client.put_object(
        Bucket=bucket, Key="baselines/statics.json", Body=json.dumps(STATIC_BASELINE).encode()
    )
    config = copy.deepcopy(LOCAL_FORECAST_CONFIG)
    del config["methods"]["report"]
    config["methods"]["asymmetric_shapley_value"] = {
        "direction": "chronological",
        "granularity": "fine_grained",
        "num_samples": 2,
        "baseline": f"s3://{bucket}/baselines/statics.json",
    }
    config["predictor"].update(model_name="forecaster", **MANAGED_MODEL)
    outcome = run_job(
        test_dags_dir, bucket, config, f"s3://{bucket}/forecasts/sales.json", "clarify/forecasts"
    )
    request, downstream = check_job(outcome, clarify_standin, bucket, "clarify/forecasts")

    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3UploadMode"] == "EndOfJob"
    relative = "asymmetric_shapley_value/fine_grained_chronological/out.jsonl"
    assert relative in downstream["files"]
    entry = json.loads(read(s3_client, bucket, "clarify/forecasts/analysis.json"))["explanations"]
    assert entry["asymmetric_shapley_value"]["granularity"] == "fine_grained"
    assert entry["asymmetric_shapley_value"]["explanation_results_path"].endswith(relative)

    local_config = copy.deepcopy(config)
    local_config["methods"]["asymmetric_shapley_value"]["baseline"] = STATIC_BASELINE
    del local_config["predictor"]["model_name"]
    for key in MANAGED_MODEL:
        del local_config["predictor"][key]
    dataset = write_dataset(tmp_path, "timestamp_records")
    local = run_time_series(local_config, dataset, tmp_path / "local", predictor=forecaster)
    expected = (tmp_path / "local" / relative).read_text().splitlines()
    assert local["asymmetric_shapley_value"]["granularity"] == "fine_grained"
    got = read(s3_client, bucket, f"clarify/forecasts/{relative}").decode().splitlines()
    assert [json.loads(line) for line in got] == [json.loads(line) for line in expected]
