"""The hook's pure rules: why a job failed, which AWS errors are worth another poll, where a job's output went."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_clarify.hooks.clarify import failure_reason, is_transient, output_uri_of


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ({"ProcessingJobStatus": "Failed", "FailureReason": "ClientError: no column 'salary'"}, None),
        ({"ProcessingJobStatus": "Failed"}, "the job ended in state Failed"),
        ({"ProcessingJobStatus": "Stopped"}, "the job ended in state Stopped"),
        (
            {"ProcessingJobStatus": "Stopped", "FailureReason": "stopped by user"},
            "the job was stopped (stopped by user)",
        ),
        ({"ProcessingJobStatus": "Failed", "FailureReason": ""}, "the job ended in state Failed"),
    ],
)
def test_failure_reason_is_the_jobs_own_or_says_what_state_it_ended_in(description, reason):
    assert failure_reason(description) == (reason or description["FailureReason"])


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeProcessingJob",
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_client_error("ThrottlingException", 400), True),
        (_client_error("TooManyRequestsException", 429), True),
        (_client_error("SomethingNew", 503), True),
        (_client_error("ValidationException", 400), False),
        (_client_error("AccessDeniedException", 403), False),
        (ValueError("not an AWS error"), False),
    ],
)
def test_throttling_and_server_faults_are_transient(error, transient):
    assert is_transient(error) is transient


def test_output_uri_is_the_analysis_result_output():
    description = {
        "ProcessingOutputConfig": {
            "Outputs": [
                {"OutputName": "other", "S3Output": {"S3Uri": "s3://b/other"}},
                {"OutputName": "analysis_result", "S3Output": {"S3Uri": "s3://b/clarify"}},
            ]
        }
    }
    assert output_uri_of(description) == "s3://b/clarify"
    assert output_uri_of({"ProcessingOutputConfig": {"Outputs": []}}) is None
    assert output_uri_of({}) is None
