"""The CreateProcessingJob request of a managed Clarify job, built as a pure function (SPEC §15).

Why a pure module: the request is the contract with the managed container. Keeping its construction free of
connections, clients and Airflow makes every field testable by hand-written expectations, and lets the operator
check every argument before any upload or API call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

CONTAINER_ROOT = "/opt/ml/processing"
DATASET_INPUT_NAME = "dataset"
CONFIG_INPUT_NAME = "analysis_config"
OUTPUT_NAME = "analysis_result"
DATASET_LOCAL_PATH = f"{CONTAINER_ROOT}/input/data"
CONFIG_LOCAL_PATH = f"{CONTAINER_ROOT}/input/config"
OUTPUT_LOCAL_PATH = f"{CONTAINER_ROOT}/output"
CONFIG_FILE_NAME = "analysis_config.json"
ANALYSIS_FILE_NAME = "analysis.json"

DEFAULT_INSTANCE_TYPE = "ml.c5.xlarge"
DEFAULT_INSTANCE_COUNT = 1
DEFAULT_VOLUME_SIZE_GB = 30

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_NETWORK_KEYS = {"EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "VpcConfig"}
_VPC_KEYS = {"SecurityGroupIds", "Subnets"}


class ClarifyJobRequestError(ValueError):
    """An argument of the managed job is invalid; the message names the argument and what would be valid."""


def parse_s3_uri(uri: Any, argument: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` into (bucket, key), refusing anything that is not an S3 URI with a bucket."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ClarifyJobRequestError(
            f"{argument} must be an S3 URI like 's3://bucket/prefix', got {uri!r}: the managed Clarify job "
            "reads its inputs from and writes its output to S3"
        )
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ClarifyJobRequestError(f"{argument} has no bucket name: {uri!r}")
    return bucket, key


def join_s3_uri(prefix: str, name: str) -> str:
    """``prefix`` + ``/`` + ``name`` with exactly one slash (the SDK writes ``<output>//analysis_config.json``)."""
    return f"{prefix.rstrip('/')}/{name.lstrip('/')}"


@cache
def _image_uri_table() -> dict[str, str]:
    text = resources.files("airflow_provider_clarify").joinpath("data/clarify_image_uris.json").read_text()
    return dict(json.loads(text)["uris"])


def supported_regions() -> list[str]:
    """Regions that host the Clarify processing image (SageMaker SDK 2.257.7 table, packaged with us)."""
    return sorted(_image_uri_table())


def clarify_image_uri(region: str | None, image_uri: str | None = None) -> str:
    """The Clarify container image for ``region``; an explicit ``image_uri`` wins (new regions, mirrors)."""
    if image_uri:
        return image_uri
    table = _image_uri_table()
    if region not in table:
        raise ClarifyJobRequestError(
            f"SageMaker Clarify has no processing image in region {region!r}. Supported regions: "
            f"{', '.join(sorted(table))}. Use a connection in one of them, or pass image_uri explicitly."
        )
    return table[region]


def check_role_arn(role_arn: Any) -> str:
    if not role_arn or not isinstance(role_arn, str):
        raise ClarifyJobRequestError(
            "role_arn is required: the IAM role the Clarify job runs as, e.g. "
            "'arn:aws:iam::123456789012:role/SageMakerClarify'"
        )
    if not _ROLE_ARN.match(role_arn):
        raise ClarifyJobRequestError(
            f"role_arn must be an IAM role ARN like 'arn:aws:iam::123456789012:role/Name', got {role_arn!r}"
        )
    return role_arn


def upload_mode(dataset_type: str | None) -> str:
    """EndOfJob, except ``application/x-image`` where the SDK streams results (Continuous)."""
    return "Continuous" if (dataset_type or "").lower() == "application/x-image" else "EndOfJob"


def _s3_input(name: str, uri: str, local_path: str) -> dict[str, Any]:
    return {
        "InputName": name,
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


def normalise_tags(tags: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Tags as the API wants them: a ``{key: value}`` mapping or a list of ``{"Key", "Value"}`` dicts."""
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [{"Key": str(key), "Value": str(value)} for key, value in tags.items()]
    normalised = []
    for index, tag in enumerate(tags):
        if not isinstance(tag, Mapping) or set(tag) != {"Key", "Value"}:
            raise ClarifyJobRequestError(
                f"tags[{index}] must be a dict with exactly 'Key' and 'Value', got {tag!r} "
                "(or pass tags as a {key: value} mapping)"
            )
        normalised.append({"Key": str(tag["Key"]), "Value": str(tag["Value"])})
    return normalised


def check_network_config(network_config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The API's NetworkConfig, checked for unknown keys so a typo does not silently drop the VPC."""
    if not network_config:
        return None
    unknown = set(network_config) - _NETWORK_KEYS
    if unknown:
        raise ClarifyJobRequestError(
            f"network_config has unknown keys {sorted(unknown)}; valid keys: {sorted(_NETWORK_KEYS)}"
        )
    vpc = network_config.get("VpcConfig")
    if vpc is not None:
        if not isinstance(vpc, Mapping) or set(vpc) != _VPC_KEYS:
            raise ClarifyJobRequestError(
                "network_config.VpcConfig must hold exactly 'SecurityGroupIds' and 'Subnets' (lists of IDs), "
                f"got {vpc!r}"
            )
        for key in sorted(_VPC_KEYS):
            if not isinstance(vpc[key], (list, tuple)) or not vpc[key]:
                raise ClarifyJobRequestError(
                    f"network_config.VpcConfig.{key} must be a non-empty list of IDs"
                )
    for key in ("EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"):
        if key in network_config and not isinstance(network_config[key], bool):
            raise ClarifyJobRequestError(f"network_config.{key} must be true or false")
    return json.loads(json.dumps(dict(network_config)))


def _positive_int(value: Any, argument: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or str(number) != str(value).strip():
        raise ClarifyJobRequestError(f"{argument} must be a positive integer, got {value!r}")
    return number


def build_processing_job_request(
    *,
    job_name: str,
    image_uri: str,
    role_arn: str,
    dataset_uri: str,
    config_uri: str,
    output_uri: str,
    dataset_type: str | None = None,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    instance_count: int = DEFAULT_INSTANCE_COUNT,
    volume_size_in_gb: int = DEFAULT_VOLUME_SIZE_GB,
    volume_kms_key: str | None = None,
    output_kms_key: str | None = None,
    environment: Mapping[str, str] | None = None,
    network_config: Mapping[str, Any] | None = None,
    max_runtime_in_seconds: int | None = None,
    tags: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The CreateProcessingJob keyword arguments, exactly as SPEC §15 shows them (optional parts only when set).

    ``config_uri`` is the S3 URI of the uploaded ``analysis_config.json`` itself. No entrypoint or arguments are
    sent: the image's own entrypoint runs; distributed mode is nothing but ``instance_count > 1``.
    """
    parse_s3_uri(dataset_uri, "dataset_uri")
    parse_s3_uri(config_uri, "config_uri")
    parse_s3_uri(output_uri, "output_uri")
    cluster: dict[str, Any] = {
        "InstanceType": instance_type,
        "InstanceCount": _positive_int(instance_count, "instance_count"),
        "VolumeSizeInGB": _positive_int(volume_size_in_gb, "volume_size_in_gb"),
    }
    if volume_kms_key:
        cluster["VolumeKmsKeyId"] = volume_kms_key
    output_config: dict[str, Any] = {
        "Outputs": [
            {
                "OutputName": OUTPUT_NAME,
                "AppManaged": False,
                "S3Output": {
                    "S3Uri": output_uri,
                    "LocalPath": OUTPUT_LOCAL_PATH,
                    "S3UploadMode": upload_mode(dataset_type),
                },
            }
        ]
    }
    if output_kms_key:
        output_config["KmsKeyId"] = output_kms_key
    request: dict[str, Any] = {
        "ProcessingJobName": job_name,
        "ProcessingResources": {"ClusterConfig": cluster},
        "AppSpecification": {"ImageUri": image_uri},
        "RoleArn": check_role_arn(role_arn),
        "ProcessingInputs": [
            _s3_input(DATASET_INPUT_NAME, dataset_uri, DATASET_LOCAL_PATH),
            _s3_input(CONFIG_INPUT_NAME, config_uri, CONFIG_LOCAL_PATH),
        ],
        "ProcessingOutputConfig": output_config,
    }
    if environment:
        request["Environment"] = {str(key): str(value) for key, value in environment.items()}
    network = check_network_config(network_config)
    if network:
        request["NetworkConfig"] = network
    if max_runtime_in_seconds is not None:
        request["StoppingCondition"] = {
            "MaxRuntimeInSeconds": _positive_int(max_runtime_in_seconds, "max_runtime_in_seconds")
        }
    tag_list = normalise_tags(tags)
    if tag_list:
        request["Tags"] = tag_list
    return request


def default_job_name_prefix(config: Mapping[str, Any]) -> str:
    """The SDK's prefixes, so that jobs started here read the same in the console as SDK-started ones."""
    methods = config.get("methods") or {}
    pre, post = "pre_training_bias" in methods, "post_training_bias" in methods
    explain = "shap" in methods or "pdp" in methods or "asymmetric_shapley_value" in methods  # + time series
    if (pre or post) and explain:
        return "Clarify-Bias-And-Explainability"
    if explain:
        return "Clarify-Explainability"
    if pre and post:
        return "Clarify-Bias"
    if post:
        return "Clarify-Posttraining-Bias"
    if pre:
        return "Clarify-Pretraining-Bias"
    return "Clarify"
