"""Integration fixtures: a migrated Airflow metadata DB and real AWS APIs on loopback.

The ``aws_default`` connection (``AIRFLOW_CONN_AWS_DEFAULT``) sends SageMaker (and every service but S3) to moto's
server and S3 to SeaweedFS through the amazon provider's per-service ``service_config`` — the shape of a user who
runs MinIO. ``aws_moto`` sends everything, S3 included, to moto: SeaweedFS has no KMS, so SSE-KMS uploads are
tested there.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from airflow_provider_clarify.sandbox.servers import MotoServer, SeaweedS3Server

REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> None:
    """Migrate the session's SQLite metadata DB once (the AIRFLOW_HOME was set by tests/conftest.py)."""
    from airflow.utils import db

    db.initdb()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3Server]:
    server = SeaweedS3Server(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


def _aws_connection(endpoint_url: str, s3_endpoint_url: str | None = None) -> str:
    extra: dict[str, Any] = {"region_name": REGION, "endpoint_url": endpoint_url}
    if s3_endpoint_url:
        extra["service_config"] = {"s3": {"endpoint_url": s3_endpoint_url}}
    return json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})


@pytest.fixture(scope="session", autouse=True)
def aws_connections(moto_server: MotoServer, s3_server: SeaweedS3Server) -> Iterator[None]:
    """Airflow connections (from the environment, as a deployment would set them) to the loopback servers."""
    os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = _aws_connection(moto_server.url, s3_server.url)
    os.environ["AIRFLOW_CONN_AWS_MOTO"] = _aws_connection(moto_server.url)
    yield
    os.environ.pop("AIRFLOW_CONN_AWS_DEFAULT", None)
    os.environ.pop("AIRFLOW_CONN_AWS_MOTO", None)


@pytest.fixture(scope="session")
def s3_client(s3_server: SeaweedS3Server):
    """A plain boto3 client on the loopback S3 — the test's own eyes, independent of the code under test."""
    return boto3.client("s3", endpoint_url=s3_server.url, region_name=REGION)


@pytest.fixture(scope="session")
def moto_s3_client(moto_server: MotoServer):
    return boto3.client("s3", endpoint_url=moto_server.url, region_name=REGION)


@pytest.fixture(scope="session")
def sagemaker_client(moto_server: MotoServer):
    return boto3.client("sagemaker", endpoint_url=moto_server.url, region_name=REGION)


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh, empty bucket on the loopback S3 for one test."""
    name = f"clarify-test-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def moto_bucket(moto_s3_client) -> str:
    name = f"clarify-test-{uuid.uuid4().hex[:12]}"
    moto_s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def test_dags_dir() -> Path:
    return Path(__file__).parent / "dags"
