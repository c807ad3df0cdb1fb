"""``python -m airflow_provider_clarify.sandbox`` as a user runs it: its own process, driven with plain boto3.

A processing job created on its SageMaker API runs this provider's engine in the Clarify container layout and
ends Completed (outputs uploaded) or Failed (FailureReason ``ClientError: ...``); a request AWS would refuse is
refused; bad options stop it before anything starts; SIGINT and SIGTERM stop it with every child process.
Expected metric values are computed here with pandas from the sample and the model.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import joblib
import pandas as pd
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.deployment.conftest import (
    FEATURES,
    LABEL,
    REPO_ROOT,
    SAMPLE,
    alive,
    children_of,
    running_sandbox,
)

pytestmark = pytest.mark.timeout(300)
BUCKET = "clarify-sandbox"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/clarify-engine:test"


def job_request(name: str, role_arn: str, config_uri: str, dataset_uri: str, output_uri: str) -> dict:
    """CreateProcessingJob as the managed Clarify job sends it (two S3Prefix inputs, one EndOfJob output)."""

    def s3_input(input_name: str, uri: str, local_path: str) -> dict:
        return {
            "InputName": input_name,
            "AppManaged": False,
            "S3Input": {
                "S3Uri": uri,
                "LocalPath": local_path,
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        }

    return {
        "ProcessingJobName": name,
        "ProcessingInputs": [
            s3_input("dataset", dataset_uri, "/opt/ml/processing/input/data"),
            s3_input("analysis_config", config_uri, "/opt/ml/processing/input/config"),
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "analysis_result",
                    "S3Output": {
                        "S3Uri": output_uri,
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.c5.xlarge", "VolumeSizeInGB": 30}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {"ImageUri": IMAGE},
        "RoleArn": role_arn,
    }


def clients(state: dict) -> tuple:
    common = {
        "region_name": state["region"],
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    s3 = boto3.client("s3", endpoint_url=state["s3_endpoint_url"], **common)
    sagemaker = boto3.client("sagemaker", endpoint_url=state["sagemaker_endpoint_url"], **common)
    return s3, sagemaker


def wait_for_end(sagemaker, name: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        description = sagemaker.describe_processing_job(ProcessingJobName=name)
        if description["ProcessingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return description
        assert description["ProcessingJobStatus"] == "InProgress"
        time.sleep(0.5)
    raise AssertionError(f"{name} did not end in {timeout} s")


def test_jobs_run_the_engine_and_sigint_stops_every_child(tmp_path, candidate_model):
    config = {
        "version": "1.0",
        "dataset_type": "text/csv",
        "label": LABEL,
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "predictor": {
            "model_name": "adult-candidate",
            "instance_type": "ml.c5.xlarge",
            "initial_instance_count": 1,
            "probability": 1,
        },
        "methods": {
            "pre_training_bias": {"methods": ["CI"]},
            "post_training_bias": {"methods": ["DI", "DPPL"]},
        },
    }
    with running_sandbox(
        tmp_path,
        "--upload",
        f"{SAMPLE / 'validation.csv'}=s3://{BUCKET}/data/validation.csv",
        "--model",
        f"adult-candidate={candidate_model}",
    ) as sandbox:
        state = sandbox.state
        s3, sagemaker = clients(state)
        # What it prints: the connection (JSON and URI) with per-service endpoints, and a managed run conf.
        printed = sandbox.output()
        assert f"export AIRFLOW_CONN_AWS_DEFAULT='{json.dumps(state['connection'])}'" in printed
        assert state["connection"]["extra"] == {
            "region_name": "us-east-1",
            "endpoint_url": state["sagemaker_endpoint_url"],
            "service_config": {"s3": {"endpoint_url": state["s3_endpoint_url"]}},
        }
        assert state["connection_uri"] in printed

        s3.put_object(Bucket=BUCKET, Key="jobs/ok/analysis_config.json", Body=json.dumps(config))
        request = job_request(
            "sandbox-ok-1",
            state["role_arn"],
            f"s3://{BUCKET}/jobs/ok/analysis_config.json",
            f"s3://{BUCKET}/data/validation.csv",
            f"s3://{BUCKET}/jobs/ok/output",
        )
        sagemaker.create_processing_job(**request)
        description = wait_for_end(sagemaker, "sandbox-ok-1")
        assert description["ProcessingJobStatus"] == "Completed", description.get("FailureReason")
        assert description["ProcessingResources"] == request["ProcessingResources"]
        assert description["AppSpecification"] == request["AppSpecification"]
        assert description["ProcessingStartTime"] <= description["ProcessingEndTime"]
        analysis = json.loads(s3.get_object(Bucket=BUCKET, Key="jobs/ok/output/analysis.json")["Body"].read())

        data = pd.read_csv(SAMPLE / "validation.csv")
        women = (data["sex"] == 0).to_numpy()
        predicted = joblib.load(candidate_model).predict(data[FEATURES])
        n_d, n_a = int(women.sum()), int((~women).sum())
        [pre] = analysis["pre_training_bias_metrics"]["facets"]["sex"]
        [post] = analysis["post_training_bias_metrics"]["facets"]["sex"]
        pre_values = {m["name"]: m["value"] for m in pre["metrics"]}
        post_values = {m["name"]: m["value"] for m in post["metrics"]}
        assert pre_values["CI"] == pytest.approx((n_a - n_d) / (n_a + n_d), abs=1e-12)
        assert post_values["DI"] == pytest.approx(
            predicted[women].mean() / predicted[~women].mean(), rel=1e-9
        )

        # A config naming a column the data does not have: Failed, with the engine's ClientError as the reason.
        broken = {**config, "label": "no_such_column"}
        s3.put_object(Bucket=BUCKET, Key="jobs/bad/analysis_config.json", Body=json.dumps(broken))
        sagemaker.create_processing_job(
            **job_request(
                "sandbox-bad-1",
                state["role_arn"],
                f"s3://{BUCKET}/jobs/bad/analysis_config.json",
                f"s3://{BUCKET}/data/validation.csv",
                f"s3://{BUCKET}/jobs/bad/output",
            )
        )
        failed = wait_for_end(sagemaker, "sandbox-bad-1")
        assert failed["ProcessingJobStatus"] == "Failed"
        assert failed["FailureReason"].startswith("ClientError: ")
        assert "no_such_column" in failed["FailureReason"]
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="jobs/bad/output/")

        # Requests AWS refuses are refused the same way by the API itself (botocore's own validation, which
        # would stop them first, is off here), and no job exists afterwards.
        unchecked = boto3.client(
            "sagemaker",
            endpoint_url=state["sagemaker_endpoint_url"],
            region_name=state["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(parameter_validation=False),
        )
        no_role = {key: value for key, value in request.items() if key != "RoleArn"}
        with pytest.raises(ClientError) as caught:
            unchecked.create_processing_job(**{**no_role, "ProcessingJobName": "sandbox-norole-1"})
        assert caught.value.response["Error"]["Code"] == "ValidationException"
        assert "'roleArn' failed to satisfy constraint: Member must not be null" in str(caught.value)
        outside = json.loads(json.dumps(request))
        outside["ProcessingInputs"][0]["S3Input"]["LocalPath"] = "/tmp/data"
        with pytest.raises(ClientError) as caught:
            unchecked.create_processing_job(**{**outside, "ProcessingJobName": "sandbox-outside-1"})
        assert caught.value.response["Error"]["Code"] == "ValidationException"
        assert "'/tmp/data' is outside /opt/ml/processing" in str(caught.value)
        names = {s["ProcessingJobName"] for s in sagemaker.list_processing_jobs()["ProcessingJobSummaries"]}
        assert names == {"sandbox-ok-1", "sandbox-bad-1"}

        # Ctrl-C: the sandbox and every process it started end, and it says so.
        children = children_of(sandbox.process.pid)
        assert set(state["child_pids"]) <= children
        sandbox.process.send_signal(signal.SIGINT)
        assert sandbox.process.wait(timeout=60) == 0
    assert [pid for pid in children if alive(pid)] == []
    assert "SIGINT: stopping the sandbox" in sandbox.output()
    assert "sandbox stopped" in sandbox.output()


def test_sigterm_during_a_running_job_stops_the_job_and_every_child(tmp_path):
    with running_sandbox(tmp_path, "--min-runtime", "300") as sandbox:
        s3, sagemaker = clients(sandbox.state)
        s3.put_object(Bucket=BUCKET, Key="in/data.csv", Body=b"a,b\n1,0\n")
        s3.put_object(Bucket=BUCKET, Key="in/analysis_config.json", Body=b"{}")
        sagemaker.create_processing_job(
            **job_request(
                "sandbox-held-1",
                sandbox.state["role_arn"],
                f"s3://{BUCKET}/in/analysis_config.json",
                f"s3://{BUCKET}/in/data.csv",
                f"s3://{BUCKET}/out",
            )
        )
        assert sagemaker.describe_processing_job(ProcessingJobName="sandbox-held-1")[
            "ProcessingJobStatus"
        ] == ("InProgress")
        children = children_of(sandbox.process.pid)
        assert children, "SeaweedFS should be running as a child"
        started = time.monotonic()
        sandbox.process.send_signal(signal.SIGTERM)
        assert sandbox.process.wait(timeout=60) == 0
        assert time.monotonic() - started < 60
    assert [pid for pid in children if alive(pid)] == []
    assert "SIGTERM: stopping the sandbox" in sandbox.output()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--upload", "no/such/folder=s3://b/p"], "no/such/folder"),
        (["--upload", "sample_data=not-s3"], "must be an S3 URI"),
        (["--model", "just-a-name"], "expected MODEL_NAME=PREDICTOR"),
    ],
)
def test_bad_options_stop_before_anything_starts(option, message):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_provider_clarify.sandbox",
            "--s3-port",
            "0",
            "--sagemaker-port",
            "0",
            *option,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Clarify sandbox running" not in done.stdout


def test_the_makefile_sandbox_target_runs_the_module_with_the_sample():
    recipe = subprocess.run(
        ["make", "-n", "-W", "setup.cfg", "sandbox"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    ).stdout
    assert "-m airflow_provider_clarify.sandbox" in recipe
    assert "--upload sample_data/adult=s3://clarify-sandbox/sample_data/adult" in recipe
    assert Path(REPO_ROOT / "sample_data" / "adult" / "validation.csv").is_file()
