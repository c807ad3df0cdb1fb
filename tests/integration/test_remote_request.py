"""The request as it reaches the SageMaker API (moto over HTTP), for the fullest reference §15 scenario: KMS for config,
volume and output, VPC, environment, stopping condition and tags. Everything goes to moto (``aws_moto``: SeaweedFS
has no KMS), and the encryption of the uploaded config and of the job's output is read back from S3."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI"]}},
}
SAMPLE = b"age,sex,income\n" + b"".join(
    f"{20 + i},{'Female' if i % 2 else 'Male'},{'>50K' if i % 3 == 0 else '<=50K'}\n".encode()
    for i in range(40)
)


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        yield stand_in


@pytest.fixture
def kms_keys(moto_server) -> tuple[str, str]:
    kms = boto3.client("kms", endpoint_url=moto_server.url, region_name="us-east-1")
    return kms.create_key()["KeyMetadata"]["Arn"], kms.create_key()["KeyMetadata"]["Arn"]


class _TaskInstance:
    def __init__(self) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = "requests", "clarify", uuid.uuid4().hex, -1
        self.pushed: dict = {}

    def xcom_push(self, key, value) -> None:
        self.pushed[key] = value


def test_kms_vpc_tags_request_reaches_the_api_as_specified(
    clarify_standin, moto_bucket, moto_s3_client, sagemaker_client, kms_keys
):
    volume_key, output_key = kms_keys
    moto_s3_client.put_object(Bucket=moto_bucket, Key="data/part-0.csv", Body=SAMPLE)
    ti = _TaskInstance()
    started = ClarifyOperator(
        task_id="clarify",
        aws_conn_id="aws_moto",
        config=CONFIG,
        dataset_uri=f"s3://{moto_bucket}/data/",
        output_uri=f"s3://{moto_bucket}/out/",
        config_uri=f"s3://{moto_bucket}/configs",
        role_arn=ROLE,
        instance_type="ml.m5.xlarge",
        instance_count=2,
        volume_size_in_gb=50,
        volume_kms_key=volume_key,
        output_kms_key=output_key,
        network_config={
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-0123"], "Subnets": ["subnet-a", "subnet-b"]},
        },
        environment={"TZ": "UTC"},
        max_runtime_in_seconds=1800,
        tags={"owner": "ml-platform"},
        job_name="nightly-bias",
        wait_for_completion=False,
    ).execute({"ti": ti})
    assert started == {
        "engine": "managed",
        "job_name": "nightly-bias-1",
        "job_status": "InProgress",
        "output_uri": f"s3://{moto_bucket}/out/",
    }

    (request,) = clarify_standin.created
    assert request == {
        "ProcessingJobName": "nightly-bias-1",
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 50,
                "VolumeKmsKeyId": volume_key,
            }
        },
        "AppSpecification": {
            "ImageUri": "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
        },
        "RoleArn": ROLE,
        "ProcessingInputs": [
            {
                "InputName": "dataset",
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": f"s3://{moto_bucket}/data/",
                    "LocalPath": "/opt/ml/processing/input/data",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                },
            },
            {
                "InputName": "analysis_config",
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": f"s3://{moto_bucket}/configs/analysis_config.json",
                    "LocalPath": "/opt/ml/processing/input/config",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                },
            },
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "analysis_result",
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": f"s3://{moto_bucket}/out/",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ],
            "KmsKeyId": output_key,
        },
        "Environment": {"TZ": "UTC"},
        "NetworkConfig": {
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-0123"], "Subnets": ["subnet-a", "subnet-b"]},
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "Tags": [{"Key": "owner", "Value": "ml-platform"}],
    }

    # The config went up as UTF-8 JSON under SSE-KMS with the output key (no config_kms_key was given).
    config_object = moto_s3_client.get_object(Bucket=moto_bucket, Key="configs/analysis_config.json")
    assert config_object["ServerSideEncryption"] == "aws:kms"
    assert config_object["SSEKMSKeyId"] == output_key
    assert json.loads(config_object["Body"].read().decode("utf-8")) == CONFIG

    # The console link points at the job.
    assert ti.pushed["clarify_processing_job"] == {
        "region_name": "us-east-1",
        "aws_domain": "aws.amazon.com",
        "job_name": "nightly-bias-1",
    }

    # The job ran (stand-in) and wrote its output under the output key.
    assert (
        clarify_standin.wait_for_status("nightly-bias-1", {"Completed", "Failed"}, timeout=300) == "Completed"
    )
    analysis = moto_s3_client.get_object(Bucket=moto_bucket, Key="out/analysis.json")
    assert analysis["ServerSideEncryption"] == "aws:kms"
    assert analysis["SSEKMSKeyId"] == output_key
    described = sagemaker_client.describe_processing_job(ProcessingJobName="nightly-bias-1")
    assert described["ProcessingResources"] == request["ProcessingResources"]
    assert described["NetworkConfig"] == request["NetworkConfig"]
    assert described["StoppingCondition"] == request["StoppingCondition"]
