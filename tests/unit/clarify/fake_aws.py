"""A recording stand-in for the AWS side of a processor: what an SDK ``Session`` hands over, without a network.

The processors read a session by the SDK's attribute names (``boto_session``, ``boto_region_name``,
``sagemaker_client``, ``s3_client``...). These fakes answer the calls a Clarify run makes, keep every request for
the test to compare with hand-written expectations, and play a job that ends in a chosen state. They stand in for
AWS only; the processors under test are real.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError


def _not_found(operation: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": message}}, operation)


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **extra: Any) -> dict[str, Any]:
        self.calls.append("put_object")
        self.objects[(Bucket, Key)] = {"Body": Body, **extra}
        return {}

    def upload_file(self, filename: str, bucket: str, key: str, ExtraArgs: dict | None = None) -> None:
        self.calls.append("upload_file")
        with open(filename, "rb") as handle:
            self.objects[(bucket, key)] = {"Body": handle.read(), **(ExtraArgs or {})}

    def delete_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append("delete_object")
        self.objects.pop((Bucket, Key), None)
        return {}


class FakeSageMaker:
    """CreateProcessingJob is recorded; DescribeProcessingJob answers ``statuses`` in turn (the last repeats)."""

    def __init__(self, statuses: tuple[str, ...] = ("Completed",), failure_reason: str | None = None) -> None:
        self.created: list[dict[str, Any]] = []
        self.statuses = list(statuses)
        self.failure_reason = failure_reason
        self.described = 0

    def create_processing_job(self, **request: Any) -> dict[str, Any]:
        self.created.append(request)
        return {
            "ProcessingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:processing-job/{request['ProcessingJobName']}"
        }

    def describe_processing_job(self, *, ProcessingJobName: str) -> dict[str, Any]:
        status = self.statuses[min(self.described, len(self.statuses) - 1)]
        self.described += 1
        description = {"ProcessingJobName": ProcessingJobName, "ProcessingJobStatus": status}
        if status in ("Failed", "Stopped") and self.failure_reason:
            description["FailureReason"] = self.failure_reason
        return description


class FakeLogs:
    """One log stream per job with ``lines``; before ``appear_after`` reads the log group does not exist."""

    def __init__(self, lines: tuple[str, ...] = (), appear_after: int = 0) -> None:
        self.lines = list(lines)
        self.appear_after = appear_after
        self.reads = 0

    def describe_log_streams(self, *, logGroupName: str, logStreamNamePrefix: str) -> dict[str, Any]:
        self.reads += 1
        if self.reads <= self.appear_after:
            raise _not_found("DescribeLogStreams", "The specified log group does not exist.")
        return {"logStreams": [{"logStreamName": f"{logStreamNamePrefix}algo-1-1700000000"}]}

    def get_log_events(
        self, *, logGroupName: str, logStreamName: str, startFromHead: bool, nextToken: str = ""
    ) -> dict[str, Any]:
        start = int(nextToken or 0)
        events = [{"message": line} for line in self.lines[start:]]
        return {"events": events, "nextForwardToken": str(len(self.lines))}


class FakeIam:
    def __init__(self, account: str = "123456789012") -> None:
        self.account = account

    def get_role(self, *, RoleName: str) -> dict[str, Any]:
        return {"Role": {"RoleName": RoleName, "Arn": f"arn:aws:iam::{self.account}:role/{RoleName}"}}


class FakeBotoSession:
    """``boto_session.client(name)`` for the services a processor builds itself (logs, IAM)."""

    def __init__(self, clients: dict[str, Any], region_name: str = "us-east-1") -> None:
        self.clients = clients
        self.region_name = region_name
        self.built: list[str] = []

    def client(self, service: str, region_name: str | None = None) -> Any:
        self.built.append(service)
        return self.clients[service]


def sdk_session(
    *,
    statuses: tuple[str, ...] = ("Completed",),
    failure_reason: str | None = None,
    log_lines: tuple[str, ...] = (),
    region: str = "us-east-1",
) -> SimpleNamespace:
    """A session shaped like the SDK's ``sagemaker.Session``, with fakes for every client a run uses."""
    s3, sagemaker, logs = FakeS3(), FakeSageMaker(statuses, failure_reason), FakeLogs(log_lines)
    boto = FakeBotoSession({"logs": logs, "iam": FakeIam(), "s3": s3, "sagemaker": sagemaker}, region)
    return SimpleNamespace(
        boto_session=boto,
        boto_region_name=region,
        sagemaker_client=sagemaker,
        s3_client=s3,
        sagemaker_runtime_client=None,
    )
