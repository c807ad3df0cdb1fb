"""Upload ``analysis_config.json`` for a managed Clarify job, with any boto3 S3 client.

Why a module apart from the hook: the Airflow hook (``ClarifyHook``) and the SDK-compatible
``SageMakerClarifyProcessor`` (which runs without Airflow, in notebooks) must put the same object at the same key
with the same encryption, so the upload exists once, free of Airflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.contract import CONFIG_FILE, JSON, join_uri, split_s3_uri

if TYPE_CHECKING:
    from airflow_provider_clarify.config import AnalysisConfig


def upload_analysis_config(
    s3_client: Any,  # a boto3 S3 client (botocore builds its class at run time)
    config: AnalysisConfig,
    config_prefix: str,
    *,
    kms_key_id: str | None = None,
) -> str:
    """Write ``analysis_config.json`` (the document as given, UTF-8 JSON) under ``config_prefix``; SSE-KMS when a
    key is given. Returns the object's URI."""
    uri = join_uri(config_prefix, CONFIG_FILE)
    bucket, key = split_s3_uri(uri, what="config_uri")
    extra: dict[str, str] = {}
    if kms_key_id:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    body = config.to_json(indent=2).encode("utf-8")
    s3_client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=JSON, **extra)
    return uri
