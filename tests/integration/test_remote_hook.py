"""ClarifyHook against the loopback APIs: config upload, output listing and reading, job-family lookup, stop."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.hooks.clarify import ClarifyHook
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        stand_in.hold()  # these jobs never need to run
        yield stand_in


def test_config_upload_is_utf8_json_at_one_slash(bucket, s3_client):
    hook = ClarifyHook(aws_conn_id="aws_default")
    config = {
        "dataset_type": "text/csv",
        "headers": ["âge", "sexe"],
        "label": "âge",
        "methods": {"pdp": {"features": ["sexe"], "grid_resolution": 5}},
        "predictor": {"endpoint_name": "modèle"},
    }
    uri = hook.upload_analysis_config(load_config(config), f"s3://{bucket}/runs/1/")
    assert uri == f"s3://{bucket}/runs/1/analysis_config.json"
    stored = s3_client.get_object(Bucket=bucket, Key="runs/1/analysis_config.json")
    assert stored["ContentType"] == "application/json"
    assert json.loads(stored["Body"].read().decode("utf-8")) == config


def test_output_listing_stays_inside_the_prefix_and_reads_analysis(bucket, s3_client):
    for key in (
        "out/analysis.json",
        "out/report.html",
        "out/explanations_shap/out.csv",
        "out/explanations_shap/baseline.csv",
        "out-previous/analysis.json",  # a sibling prefix sharing the first letters
    ):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b'{"version": "1.0"}')
    hook = ClarifyHook(aws_conn_id="aws_default")
    assert hook.list_output_files(f"s3://{bucket}/out") == {
        "analysis.json": f"s3://{bucket}/out/analysis.json",
        "explanations_shap/baseline.csv": f"s3://{bucket}/out/explanations_shap/baseline.csv",
        "explanations_shap/out.csv": f"s3://{bucket}/out/explanations_shap/out.csv",
        "report.html": f"s3://{bucket}/out/report.html",
    }
    assert hook.read_analysis(f"s3://{bucket}/out/") == {"version": "1.0"}


def _request(name: str, bucket: str) -> dict:
    return {
        "ProcessingJobName": name,
        "ProcessingResources": {
            "ClusterConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
        },
        "AppSpecification": {"ImageUri": "image"},
        "RoleArn": ROLE,
        "ProcessingInputs": [],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "analysis_result",
                    "S3Output": {
                        "S3Uri": f"s3://{bucket}/o",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
    }


def test_find_attempts_lists_only_the_family_in_attempt_order(clarify_standin, bucket):
    hook = ClarifyHook(aws_conn_id="aws_default")
    for name in ("fam-abc-2", "fam-abc-10", "fam-abc-1", "fam-abcd-1", "x-fam-abc-3", "fam-abc"):
        hook.create_processing_job(_request(name, bucket))
    attempts = hook.find_attempts("fam-abc")
    assert [(item["ProcessingJobName"], item["Attempt"]) for item in attempts] == [
        ("fam-abc-1", 1),
        ("fam-abc-2", 2),
        ("fam-abc-10", 10),
    ]


def test_stop_of_a_running_job_is_sent_and_of_a_stopped_one_is_a_no_op(clarify_standin, bucket):
    hook = ClarifyHook(aws_conn_id="aws_default")
    hook.create_processing_job(_request("stop-me-1", bucket))
    assert hook.stop_processing_job("stop-me-1") is True
    clarify_standin.wait_for_status("stop-me-1", {"Stopped"})
    assert hook.stop_processing_job("stop-me-1") is False
    assert clarify_standin.stop_requests == ["stop-me-1"]


def test_duplicate_job_name_is_refused_like_aws(clarify_standin, bucket):
    from botocore.exceptions import ClientError

    hook = ClarifyHook(aws_conn_id="aws_default")
    hook.create_processing_job(_request("unique-1", bucket))
    with pytest.raises(ClientError, match="ResourceInUse"):
        hook.create_processing_job(_request("unique-1", bucket))
