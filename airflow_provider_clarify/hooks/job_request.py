"""The CreateProcessingJob request of a managed Clarify job, built as a pure function (reference §15).

Why a pure module: the request is the contract with the managed container. Keeping its construction free of
connections, clients and Airflow makes every field testable by hand-written expectations, and lets the operator
check every argument before any upload or API call. :class:`ProcessingJobSpec` is that check, done once:
:meth:`ProcessingJobSpec.checked` turns the operator's arguments into typed, valid values (or names the argument
to fix), and :func:`build_processing_job_request` only lays the spec out as the API wants it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from airflow_provider_clarify.config.model import EXPLANATION_METHODS
from airflow_provider_clarify.contract import (
    CONFIG_INPUT_NAME,
    CONFIG_LOCAL_PATH,
    DATASET_INPUT_NAME,
    DATASET_LOCAL_PATH,
    IMAGE,
    OUTPUT_LOCAL_PATH,
    OUTPUT_NAME,
    InvalidS3Uri,
    split_s3_uri,
)
from airflow_provider_clarify.hooks.api_limits import StringRule, processing_job_limits

DEFAULT_INSTANCE_TYPE = "ml.c5.xlarge"
DEFAULT_INSTANCE_COUNT = 1
DEFAULT_VOLUME_SIZE_GB = 30

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_NETWORK_KEYS = {"EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "VpcConfig"}
_VPC_KEYS = {"SecurityGroupIds", "Subnets"}
_EXPERIMENT_KEYS = ("ExperimentName", "TrialName", "TrialComponentDisplayName", "RunName")

TagsInput = Mapping[str, object] | Sequence[Mapping[str, object]] | None
"""Tags as users give them: ``{key: value}`` or the API's ``[{"Key": k, "Value": v}]``."""
JsonObject = dict[str, Any]
"""A JSON object of the API request (its values are arbitrary JSON)."""


class ClarifyJobRequestError(ValueError):
    """An argument of the managed job is invalid; the message names the argument and what would be valid."""


def check_s3_uri(uri: object, argument: str) -> str:
    """``uri`` when it is an ``s3://bucket/...`` URI; otherwise an error naming ``argument``."""
    try:
        split_s3_uri(uri, what=argument)
    except InvalidS3Uri as error:
        raise ClarifyJobRequestError(
            f"{error}: the managed Clarify job reads its inputs from and writes its output to S3"
        ) from None
    assert isinstance(uri, str)
    return uri


@cache
def _image_uri_table() -> dict[str, str]:
    text = resources.files("airflow_provider_clarify").joinpath("data/clarify_image_uris.json").read_text()
    return dict(json.loads(text)["uris"])


def clarify_image_uri(region: str | None, image_uri: str | None = None) -> str:
    """The Clarify container image for ``region`` (SageMaker SDK table, packaged with us); an explicit
    ``image_uri`` wins (new regions, mirrors)."""
    if image_uri:
        return image_uri
    table = _image_uri_table()
    if region is None or region not in table:
        raise ClarifyJobRequestError(
            f"SageMaker Clarify has no processing image in region {region!r}. Supported regions: "
            f"{', '.join(sorted(table))}. Use a connection in one of them, or pass image_uri explicitly."
        )
    return table[region]


def check_role_arn(role_arn: object) -> str:
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
    return "Continuous" if (dataset_type or "").lower() == IMAGE else "EndOfJob"


def normalise_tags(tags: TagsInput) -> list[dict[str, str]]:
    """Tags as the API wants them: a ``{key: value}`` mapping or a list of ``{"Key", "Value"}`` dicts.

    Keys and values are strings (a number is written in its decimal form); the API's count, length and character
    limits (botocore's model, :mod:`.api_limits`) are checked here, naming the tag.
    """
    if not tags:
        return []
    pairs: list[tuple[str, object, object]]
    if isinstance(tags, Mapping):
        pairs = [(f"tags[{key!r}]", key, value) for key, value in tags.items()]
    elif isinstance(tags, (str, bytes)) or not isinstance(tags, Sequence):
        raise ClarifyJobRequestError(
            f"tags must be a {{key: value}} mapping or a list of {{'Key': ..., 'Value': ...}} dicts, got "
            f"{type(tags).__name__}"
        )
    else:
        pairs = []
        for index, tag in enumerate(tags):
            if not isinstance(tag, Mapping) or set(tag) != {"Key", "Value"}:
                raise ClarifyJobRequestError(
                    f"tags[{index}] must be a dict with exactly 'Key' and 'Value', got {tag!r} "
                    "(or pass tags as a {key: value} mapping)"
                )
            pairs.append((f"tags[{index}]", tag["Key"], tag["Value"]))
    rule = processing_job_limits().tags
    _check_count("tags", len(pairs), rule.max_entries)
    normalised = []
    for where, key, value in pairs:
        key_text = _api_string(key, f"{where} key", rule.key)
        value_text = _api_string(value, f"{where} (key {key_text!r}) value", rule.value)
        normalised.append({"Key": key_text, "Value": value_text})
    return normalised


def check_environment(environment: object) -> dict[str, str]:
    """The container environment as the API wants it: string names and values within the API's limits.

    ``None``, booleans, lists and dicts are refused naming the variable (they would otherwise reach the container
    as ``"None"``, ``"True"`` or a Python repr); numbers are written in their decimal form.
    """
    if environment is None:
        return {}
    if not isinstance(environment, Mapping):
        raise ClarifyJobRequestError(
            f"environment must be a {{name: value}} mapping of strings, got {type(environment).__name__}"
        )
    rule = processing_job_limits().environment
    _check_count("environment", len(environment), rule.max_entries)
    checked = {}
    for name, value in environment.items():
        name_text = _api_string(name, f"environment variable name {name!r}", rule.key)
        checked[name_text] = _api_string(value, f"environment[{name_text!r}]", rule.value)
    return checked


def check_instance_type(instance_type: object) -> str:
    """``instance_type`` when the API lists it as a processing instance type; else an error with close names."""
    problem = processing_job_limits().instance_type_problem(instance_type)
    if problem is not None:
        raise ClarifyJobRequestError(f"instance_type {problem}")
    assert isinstance(instance_type, str)
    return instance_type


def _check_count(argument: str, count: int, limit: int | None) -> None:
    if limit is not None and count > limit:
        raise ClarifyJobRequestError(f"{argument} has {count} entries; the API accepts at most {limit}")


def _api_string(value: object, where: str, rule: StringRule) -> str:
    """``value`` as the string the API receives: strings as they are, integers and floats in decimal form;
    anything else (None, booleans, lists, dicts) is refused, naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ClarifyJobRequestError(
            f"{where} must be a string, got {type(value).__name__} {value!r}"
            + (" (give the text the container should see, e.g. 'true')" if isinstance(value, bool) else "")
        )
    text = value if isinstance(value, str) else str(value)
    problem = rule.problem(text)
    if problem is not None:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ClarifyJobRequestError(f"{where} {shown!r} {problem}")
    return text


def check_network_config(network_config: Mapping[str, object] | None) -> JsonObject | None:
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
    checked: JsonObject = json.loads(json.dumps(dict(network_config)))
    return checked


def check_experiment_config(experiment_config: Mapping[str, object] | None) -> dict[str, str] | None:
    """The API's ``ExperimentConfig`` (SageMaker Experiments): string values under its four keys only."""
    if not experiment_config:
        return None
    unknown = sorted(set(experiment_config) - set(_EXPERIMENT_KEYS))
    if unknown:
        raise ClarifyJobRequestError(
            f"experiment_config has unknown keys {unknown}; valid keys: {', '.join(_EXPERIMENT_KEYS)}"
        )
    for key, value in experiment_config.items():
        if not isinstance(value, str) or not value:
            raise ClarifyJobRequestError(f"experiment_config.{key} must be a non-empty string, got {value!r}")
    return {key: str(experiment_config[key]) for key in _EXPERIMENT_KEYS if key in experiment_config}


def positive_int(value: object, argument: str) -> int:
    """``value`` as a positive integer (``"2"`` from a template too); an error naming ``argument`` otherwise."""
    try:
        number = int(value)  # type: ignore[call-overload]  # anything int() takes; the rest is reported
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or str(number) != str(value).strip():
        raise ClarifyJobRequestError(f"{argument} must be a positive integer, got {value!r}")
    return number


@dataclass(frozen=True)
class ProcessingJobSpec:
    """Everything of a managed Clarify job but its name, checked: build it with :meth:`checked`.

    ``config_uri`` is the S3 URI of the uploaded ``analysis_config.json`` itself. ``dataset_type`` (the config's)
    only decides the output upload mode.
    """

    image_uri: str
    role_arn: str
    dataset_uri: str
    config_uri: str
    output_uri: str
    dataset_type: str | None = None
    instance_type: str = DEFAULT_INSTANCE_TYPE
    instance_count: int = DEFAULT_INSTANCE_COUNT
    volume_size_in_gb: int = DEFAULT_VOLUME_SIZE_GB
    volume_kms_key: str | None = None
    output_kms_key: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    network_config: JsonObject | None = None
    max_runtime_in_seconds: int | None = None
    tags: tuple[tuple[str, str], ...] = ()
    experiment_config: dict[str, str] | None = None

    @classmethod
    def checked(
        cls,
        *,
        image_uri: str,
        role_arn: object,
        dataset_uri: object,
        config_uri: object,
        output_uri: object,
        dataset_type: str | None = None,
        instance_type: object = DEFAULT_INSTANCE_TYPE,
        instance_count: object = DEFAULT_INSTANCE_COUNT,
        volume_size_in_gb: object = DEFAULT_VOLUME_SIZE_GB,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        environment: object = None,
        network_config: Mapping[str, object] | None = None,
        max_runtime_in_seconds: object = None,
        tags: TagsInput = None,
        experiment_config: Mapping[str, object] | None = None,
    ) -> ProcessingJobSpec:
        """Check every argument (raising :class:`ClarifyJobRequestError` naming the first bad one) and return
        the spec with typed values: integers from rendered strings, tags as (key, value) pairs."""
        return cls(
            image_uri=image_uri,
            dataset_uri=check_s3_uri(dataset_uri, "dataset_uri"),
            config_uri=check_s3_uri(config_uri, "config_uri"),
            output_uri=check_s3_uri(output_uri, "output_uri"),
            instance_count=positive_int(instance_count, "instance_count"),
            volume_size_in_gb=positive_int(volume_size_in_gb, "volume_size_in_gb"),
            role_arn=check_role_arn(role_arn),
            dataset_type=dataset_type,
            instance_type=check_instance_type(instance_type),
            volume_kms_key=volume_kms_key,
            output_kms_key=output_kms_key,
            environment=check_environment(environment),
            network_config=check_network_config(network_config),
            max_runtime_in_seconds=None
            if max_runtime_in_seconds is None
            else positive_int(max_runtime_in_seconds, "max_runtime_in_seconds"),
            tags=tuple((tag["Key"], tag["Value"]) for tag in normalise_tags(tags)),
            experiment_config=check_experiment_config(experiment_config),
        )


def _s3_input(name: str, uri: str, local_path: str) -> JsonObject:
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


def _output_config(spec: ProcessingJobSpec) -> JsonObject:
    output: JsonObject = {
        "OutputName": OUTPUT_NAME,
        "AppManaged": False,
        "S3Output": {
            "S3Uri": spec.output_uri,
            "LocalPath": OUTPUT_LOCAL_PATH,
            "S3UploadMode": upload_mode(spec.dataset_type),
        },
    }
    config: JsonObject = {"Outputs": [output]}
    if spec.output_kms_key:
        config["KmsKeyId"] = spec.output_kms_key
    return config


def build_processing_job_request(spec: ProcessingJobSpec, job_name: str) -> JsonObject:
    """The CreateProcessingJob keyword arguments, exactly as reference §15 shows them (optional parts only when set).

    No entrypoint or arguments are sent: the image's own entrypoint runs; distributed mode is nothing but
    ``instance_count > 1``.
    """
    cluster: JsonObject = {
        "InstanceType": spec.instance_type,
        "InstanceCount": spec.instance_count,
        "VolumeSizeInGB": spec.volume_size_in_gb,
    }
    if spec.volume_kms_key:
        cluster["VolumeKmsKeyId"] = spec.volume_kms_key
    request: JsonObject = {
        "ProcessingJobName": job_name,
        "ProcessingResources": {"ClusterConfig": cluster},
        "AppSpecification": {"ImageUri": spec.image_uri},
        "RoleArn": spec.role_arn,
        "ProcessingInputs": [
            _s3_input(DATASET_INPUT_NAME, spec.dataset_uri, DATASET_LOCAL_PATH),
            _s3_input(CONFIG_INPUT_NAME, spec.config_uri, CONFIG_LOCAL_PATH),
        ],
        "ProcessingOutputConfig": _output_config(spec),
    }
    if spec.environment:
        request["Environment"] = dict(spec.environment)
    if spec.network_config:
        request["NetworkConfig"] = json.loads(json.dumps(spec.network_config))
    if spec.max_runtime_in_seconds is not None:
        request["StoppingCondition"] = {"MaxRuntimeInSeconds": spec.max_runtime_in_seconds}
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in spec.tags]
    if spec.experiment_config:
        request["ExperimentConfig"] = dict(spec.experiment_config)
    return request


def default_job_name_prefix(method_names: Collection[str]) -> str:
    """The SDK's prefixes, so that jobs started here read the same in the console as SDK-started ones."""
    pre, post = "pre_training_bias" in method_names, "post_training_bias" in method_names
    explain = any(name in method_names for name in EXPLANATION_METHODS)
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
