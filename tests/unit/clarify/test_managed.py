"""SageMakerClarifyProcessor: each SDK argument lands where the SDK puts it; bad input is refused before any upload.

Runs against the recording AWS stand-in of fake_aws.py; expected requests are written out by hand from the
CreateProcessingJob contract (reference §15).
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from airflow_provider_clarify import clarify
from airflow_provider_clarify.hooks.job_request import ClarifyJobRequestError
from tests.unit.clarify.fake_aws import sdk_session

ROLE = "arn:aws:iam::123456789012:role/Clarify"
IMAGE = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"


def data(**extra):
    arguments = {
        "s3_data_input_path": "s3://bucket/in/data.csv",
        "s3_output_path": "s3://bucket/out",
        "label": "y",
        "headers": ["y", "sex", "age"],
        **extra,
    }
    return clarify.DataConfig(**arguments)


BIAS = clarify.BiasConfig([1], "sex", [0])


def processor(session=None, **arguments):
    defaults = {"role": ROLE, "instance_count": 1, "instance_type": "ml.c5.xlarge"}
    made = clarify.SageMakerClarifyProcessor(
        **{**defaults, **arguments}, sagemaker_session=session or sdk_session()
    )
    made.poll_seconds = 0
    return made


def test_every_job_argument_reaches_the_request():
    session = sdk_session()
    network = SimpleNamespace(  # read by the attributes of the SDK's NetworkConfig
        enable_network_isolation=True,
        security_group_ids=["sg-1"],
        subnets=["subnet-1", "subnet-2"],
        encrypt_inter_container_traffic=True,
    )
    made = processor(
        session,
        role="ClarifyRole",  # a role name, turned into its ARN as the SDK does
        instance_count=2,
        instance_type="ml.m5.xlarge",
        volume_size_in_gb=50,
        volume_kms_key="volume-key",
        output_kms_key="output-key",
        max_runtime_in_seconds=1800,
        env={"TZ": "UTC"},
        tags=[{"Key": "team", "Value": "ml"}],
        network_config=network,
        job_name_prefix="nightly-bias",
    )
    made.run_pre_training_bias(
        data(s3_analysis_config_output_path="s3://bucket/configs", joinsource="age"),
        BIAS,
        methods=["CI"],
        kms_key="config-key",
        experiment_config={"ExperimentName": "fairness", "TrialName": "2024-06"},
        logs=False,
    )
    (request,) = session.sagemaker_client.created
    name = request.pop("ProcessingJobName")
    assert name.startswith("nightly-bias-")
    assert request == {
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 50,
                "VolumeKmsKeyId": "volume-key",
            }
        },
        "AppSpecification": {"ImageUri": IMAGE},
        "RoleArn": "arn:aws:iam::123456789012:role/ClarifyRole",
        "ProcessingInputs": [
            {
                "InputName": "dataset",
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": "s3://bucket/in/data.csv",
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
                    "S3Uri": "s3://bucket/configs/analysis_config.json",
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
                        "S3Uri": "s3://bucket/out",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ],
            "KmsKeyId": "output-key",
        },
        "Environment": {"TZ": "UTC"},
        "NetworkConfig": {
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "Tags": [{"Key": "team", "Value": "ml"}],
        "ExperimentConfig": {"ExperimentName": "fairness", "TrialName": "2024-06"},
    }
    uploaded = session.s3_client.objects[("bucket", "configs/analysis_config.json")]
    assert uploaded["ServerSideEncryption"] == "aws:kms" and uploaded["SSEKMSKeyId"] == "config-key"
    assert json.loads(uploaded["Body"])["methods"]["pre_training_bias"] == {"methods": ["CI"]}
    assert made.latest_job.job_name == name and made.jobs == [made.latest_job]


def test_an_explicit_job_name_is_used_as_given():
    session = sdk_session()
    processor(session).run_pre_training_bias(data(), BIAS, job_name="my-bias-job", logs=False)
    assert session.sagemaker_client.created[0]["ProcessingJobName"] == "my-bias-job"


def test_wait_polls_until_the_job_completes_and_prints_its_logs(capsys):
    session = sdk_session(statuses=("InProgress", "InProgress", "Completed"), log_lines=("a", "b"))
    session.boto_session.clients["logs"].appear_after = 1  # the log group appears once the job runs
    processor(session).run_pre_training_bias(data(), BIAS)
    assert session.sagemaker_client.described == 3
    assert capsys.readouterr().out.splitlines() == ["a", "b"]


def test_a_failed_job_raises_with_its_reason():
    session = sdk_session(
        statuses=("InProgress", "Failed"), failure_reason="ClientError: label column y not found"
    )
    with pytest.raises(
        clarify.ClarifyJobFailedError, match="ended Failed: ClientError: label column y not found"
    ) as caught:
        processor(session).run_pre_training_bias(data(), BIAS, logs=False)
    assert caught.value.status == "Failed" and isinstance(caught.value, ValueError)


def test_without_wait_the_call_returns_once_the_job_is_created():
    session = sdk_session(statuses=("InProgress",))
    made = processor(session)
    made.run_pre_training_bias(data(), BIAS, wait=False, logs=False)
    assert session.sagemaker_client.described == 0
    assert made.latest_job.describe()["ProcessingJobStatus"] == "InProgress"


def nothing_happened(session):
    return session.s3_client.calls == [] and session.sagemaker_client.created == []


def test_logs_without_wait_is_refused_before_anything_happens():
    session = sdk_session()
    with pytest.raises(ValueError, match="logs=True needs wait=True"):
        processor(session).run_pre_training_bias(data(), BIAS, wait=False)
    assert nothing_happened(session)


def test_a_role_is_required_at_construction():
    with pytest.raises(ValueError, match="role is required"):
        clarify.SageMakerClarifyProcessor(instance_count=1, instance_type="ml.c5.xlarge")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"instance_type": None},
            r"SageMakerClarifyProcessor\(instance_type=None\): the managed job needs it",
        ),
        (
            {"instance_count": None},
            r"SageMakerClarifyProcessor\(instance_count=None\): the managed job needs it",
        ),
        ({"instance_count": 0}, "instance_count must be a positive integer"),
        ({"tags": [{"Name": "x"}]}, r"tags\[0\] must be a dict with exactly 'Key' and 'Value'"),
        ({"network_config": {"Vpc": {}}}, "network_config has unknown keys"),
    ],
)
def test_bad_job_arguments_are_refused_before_the_upload(arguments, message):
    session = sdk_session()
    with pytest.raises(ClarifyJobRequestError, match=message):
        processor(session, **arguments).run_pre_training_bias(data(), BIAS, logs=False)
    assert nothing_happened(session)


@pytest.mark.parametrize(
    ("run_arguments", "message"),
    [
        ({"job_name": "bias_job"}, "is not a valid processing job name"),
        ({"experiment_config": {"Experiment": "x"}}, "experiment_config has unknown keys"),
    ],
)
def test_bad_run_arguments_are_refused_before_the_upload(run_arguments, message):
    session = sdk_session()
    with pytest.raises(ClarifyJobRequestError, match=message):
        processor(session).run_pre_training_bias(data(), BIAS, logs=False, **run_arguments)
    assert nothing_happened(session)


@pytest.mark.parametrize(
    ("data_arguments", "argument"),
    [
        ({"s3_data_input_path": "/local/data.csv"}, "DataConfig.s3_data_input_path"),
        ({"s3_output_path": None}, "DataConfig.s3_output_path"),
        ({"s3_analysis_config_output_path": "configs/"}, "DataConfig.s3_analysis_config_output_path"),
    ],
)
def test_locations_the_managed_job_cannot_use_are_named(data_arguments, argument):
    session = sdk_session()
    with pytest.raises(ClarifyJobRequestError, match=argument):
        processor(session).run_pre_training_bias(data(**data_arguments), BIAS, logs=False)
    assert nothing_happened(session)


def test_an_invalid_config_uploads_nothing():
    session = sdk_session()
    with pytest.raises(clarify.ClarifyConfigError) as caught:
        processor(session).run_pre_training_bias(
            data(s3_compression_type="Gzip"), clarify.BiasConfig(1, "sex"), logs=False
        )
    assert sorted(caught.value.paths) == ["DataConfig.s3_compression_type", "label_values_or_threshold"]
    assert nothing_happened(session)


def test_a_method_without_a_model_source_is_refused_for_the_managed_job():
    session = sdk_session()
    with pytest.raises(clarify.ClarifyConfigError) as caught:
        processor(session).run_post_training_bias(data(), BIAS, logs=False)
    assert caught.value.paths == ["predictor"]
    assert nothing_happened(session)


def test_version_and_skip_early_validation_are_accepted_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="airflow_provider_clarify.clarify"):
        processor(version="1.0", skip_early_validation=True)
    assert "the Clarify image has one version (1.0)" in caplog.text
    assert "the analysis config is still validated" in caplog.text


def test_a_boto3_session_and_no_session_are_accepted(monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    by_boto = clarify.SageMakerClarifyProcessor(
        role=ROLE, sagemaker_session=boto3.Session(region_name="eu-central-1")
    )
    assert by_boto.clients.region == "eu-central-1"
    default = clarify.SageMakerClarifyProcessor(role=ROLE)
    assert default.clients.region == "eu-west-1"
