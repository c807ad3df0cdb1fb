"""A boto3 client built on first use, for the sharded steps' S3 work folder and SageMaker runtime.

Why: a sharded step over local files must not resolve AWS credentials (an Airflow connection, the environment) or
import boto3; the client is made when the step first reads or writes S3 or calls an endpoint. Kept out of the
data package so that the operators importing it at DAG-parse time load nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ClientOnFirstUse:
    """Any boto3 client (S3 with the writes a work folder needs, SageMaker runtime), built by ``build`` on first
    attribute use."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._client is None:
            self._client = self._build()
        return getattr(self._client, name)
