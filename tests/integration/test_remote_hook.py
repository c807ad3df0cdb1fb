"""ClarifyHook against the loopback APIs: config upload, output listing and reading, job-family lookup, stop."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.hooks.clarify import ClarifyHook
from airflow_provider_clarify.outputs import OutputStateError
from airflow_provider_clarify.results import ClarifyResult
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


def _completed(bucket: str, created: datetime) -> dict:
    return {
        "ProcessingJobName": "Clarify-Test-1",
        "ProcessingJobStatus": "Completed",
        "CreationTime": created,
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": "analysis_result", "S3Output": {"S3Uri": f"s3://{bucket}/out"}}]
        },
    }


def test_job_result_holds_only_what_the_job_wrote_since_it_was_created(bucket, s3_client):
    """A rerun into the same prefix: the earlier run's report, SHAP file, failure and manifest are not this job's."""
    earlier_manifest = json.dumps(
        {"manifest_format": 1, "run_id": "e" * 32, "status": "running", "started": "2020-01-01T00:00:00Z"}
    )
    for key, body in {
        "out/analysis.json": b'{"version": "1.0", "pre_training_bias_metrics": {"facets": {}}}',
        "out/report.html": b"<html>an earlier run</html>",
        "out/explanations_shap/out.csv": b"a_label0\n0.1\n",
        "out/failure": b"ClientError: an earlier run failed",
        "out/_manifest.json": earlier_manifest.encode(),
        "out/analysis_config.json": b"{}",  # uploaded by the operator just before it creates the job
    }.items():
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
    time.sleep(
        1.1
    )  # S3 keeps whole seconds: the job is created in a later second than the earlier run's files
    created = datetime.now(timezone.utc)
    s3_client.put_object(Bucket=bucket, Key="out/analysis.json", Body=b'{"version": "1.0"}')
    hook = ClarifyHook(aws_conn_id="aws_default")
    result = ClarifyResult.from_xcom(hook.job_result(_completed(bucket, created)))
    assert result.output_files == {
        "analysis.json": f"s3://{bucket}/out/analysis.json",
        "analysis_config.json": f"s3://{bucket}/out/analysis_config.json",
    }
    assert result.bias == {}  # the job's own analysis.json, not the earlier one
    # A reader that does not know the job cannot tell the runs apart: the earlier failure file decides.
    with pytest.raises(OutputStateError, match="an earlier run failed"):
        hook.read_job_output(f"s3://{bucket}/out")
    hook.remove_stale_manifest(f"s3://{bucket}/out")  # what ClarifyOperator does before it starts a job
    keys = [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket, Prefix="out/")["Contents"]]
    assert "out/_manifest.json" not in keys and "out/report.html" in keys


def test_job_result_refuses_an_output_that_differs_from_its_manifest(bucket, s3_client):
    """An engine image that writes a manifest (this provider's) is checked against it."""
    created = datetime.now(timezone.utc) - timedelta(seconds=5)
    document = b'{"version": "1.0"}'
    manifest = {
        "manifest_format": 1,
        "run_id": "f" * 32,
        "status": "complete",
        "started": "2020-01-01T00:00:00Z",
        "files": [{"path": "analysis.json", "size": len(document), "sha256": "0" * 64}],
    }
    s3_client.put_object(Bucket=bucket, Key="out/analysis.json", Body=document)
    s3_client.put_object(Bucket=bucket, Key="out/_manifest.json", Body=json.dumps(manifest).encode())
    hook = ClarifyHook(aws_conn_id="aws_default")
    with pytest.raises(ClarifyAnalysisError, match=r"output is not usable: .*not the file run f+ published"):
        hook.job_result(_completed(bucket, created))


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
