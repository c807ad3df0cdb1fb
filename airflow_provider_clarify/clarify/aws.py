"""The AWS clients of a processor, from whatever ``sagemaker_session`` SDK code hands over — without the SDK.

Notebooks written for ``sagemaker.clarify`` pass ``sagemaker_session=sagemaker.Session(...)`` (or nothing). The
processors must honour such a session (its region, credentials and any clients it was built with) without
depending on the SageMaker SDK, so the session is read by the attributes the SDK's ``Session`` documents:
``boto_session``, ``boto_region_name``, ``sagemaker_client``, ``sagemaker_runtime_client`` and ``s3_client``. A
plain ``boto3.Session`` works too, and ``None`` means boto3's default session (environment, profile, instance
role), as in the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

AwsClient = Any
"""A boto3 client: botocore builds its class at run time, so there is no static type to name."""


class AwsClients:
    """The clients a processor needs, built on first use (a local run on local files never builds one)."""

    def __init__(self, sagemaker_session: object = None) -> None:
        self._session = sagemaker_session

    @cached_property
    def boto_session(self) -> Any:  # a boto3.Session
        import boto3

        session = self._session
        if session is None:
            return boto3.DEFAULT_SESSION or boto3.Session()
        if isinstance(session, boto3.Session):
            return session
        inner = getattr(session, "boto_session", None)
        return inner if inner is not None else boto3.Session()

    @property
    def region(self) -> str | None:
        """The session's region (the SDK's ``boto_region_name``), else the boto3 session's."""
        region = getattr(self._session, "boto_region_name", None)
        return str(region) if region else self.boto_session.region_name

    def _client(self, attribute: str, service: str) -> AwsClient:
        given = getattr(self._session, attribute, None)
        if given is not None:
            return given
        return self.boto_session.client(service, region_name=self.region)

    @cached_property
    def sagemaker(self) -> AwsClient:
        return self._client("sagemaker_client", "sagemaker")

    @cached_property
    def sagemaker_runtime(self) -> AwsClient:
        return self._client("sagemaker_runtime_client", "sagemaker-runtime")

    @cached_property
    def s3(self) -> AwsClient:
        return self._client("s3_client", "s3")

    @cached_property
    def logs(self) -> AwsClient:
        return self.boto_session.client("logs", region_name=self.region)

    def role_arn(self, role: str) -> str:
        """An IAM role name turned into its ARN (IAM ``GetRole``), as the SDK's ``expand_role`` does; a value
        holding ``/`` (an ARN) is returned as it is."""
        if "/" in role:
            return role
        iam = self.boto_session.client("iam", region_name=self.region)
        return str(iam.get_role(RoleName=role)["Role"]["Arn"])


def network_config_request(network_config: object) -> dict[str, Any] | None:
    """The API's ``NetworkConfig`` from an SDK ``NetworkConfig`` object (read by its attributes) or a dict that
    already has the API's shape (what ``ClarifyOperator(network_config=...)`` takes)."""
    if network_config is None:
        return None
    if isinstance(network_config, Mapping):
        return dict(network_config)
    isolation = getattr(network_config, "enable_network_isolation", None)
    request: dict[str, Any] = {"EnableNetworkIsolation": bool(isolation) if isolation is not None else False}
    encryption = getattr(network_config, "encrypt_inter_container_traffic", None)
    if encryption is not None:
        request["EnableInterContainerTrafficEncryption"] = encryption
    groups = getattr(network_config, "security_group_ids", None)
    subnets = getattr(network_config, "subnets", None)
    if groups is not None or subnets is not None:
        vpc: dict[str, Any] = {}
        if groups is not None:
            vpc["SecurityGroupIds"] = list(groups)
        if subnets is not None:
            vpc["Subnets"] = list(subnets)
        request["VpcConfig"] = vpc
    return request
