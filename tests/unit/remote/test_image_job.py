"""ClarifyOperator plans computer-vision jobs: the image rules run in planning, and outputs upload continuously."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError
from airflow_provider_clarify.hooks.job_request import build_processing_job_request
from airflow_provider_clarify.operators.clarify import ClarifyOperator

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
IMAGES = "s3://data-bucket/pets/"
OUT = "s3://out-bucket/clarify/pets"
CV_CONFIG = {
    "dataset_type": "application/x-image",
    "methods": {
        "shap": {
            "num_samples": 100,
            "image_config": {"model_type": "IMAGE_CLASSIFICATION", "num_segments": 20},
        },
        "report": {"name": "report"},
    },
    "predictor": {
        "model_name": "pets",
        "instance_type": "ml.p3.2xlarge",
        "initial_instance_count": 1,
        "content_type": "image/jpeg",
        "label_headers": ["cat", "dog"],
    },
}


def operator(config: dict) -> ClarifyOperator:
    return ClarifyOperator(
        task_id="clarify",
        config=config,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=IMAGES,
        aws_conn_id=None,
        region_name="us-east-1",
    )


def test_image_job_streams_its_output_and_reads_the_image_prefix():
    request = build_processing_job_request(
        job_name="Pets-1", **operator(CV_CONFIG).plan_job().request_arguments
    )
    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"] == {
        "S3Uri": OUT,
        "LocalPath": "/opt/ml/processing/output",
        "S3UploadMode": "Continuous",
    }
    dataset = request["ProcessingInputs"][0]
    assert dataset["InputName"] == "dataset" and dataset["S3Input"]["S3Uri"] == IMAGES


def test_an_image_config_without_label_headers_fails_in_planning():
    config = {
        **CV_CONFIG,
        "predictor": {k: v for k, v in CV_CONFIG["predictor"].items() if k != "label_headers"},
    }
    with pytest.raises(ClarifyInvalidConfigError, match=r"predictor\.label_headers") as caught:
        operator(config).plan_job()
    assert [problem.path for problem in caught.value.problems] == ["predictor.label_headers"]
