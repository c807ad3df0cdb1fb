"""An S3 client made on first use, for the engine's command line (the processing container's entrypoint).

Why: a run may need S3 although its dataset is local. Inside the processing container the dataset is always a
local folder (SageMaker downloads it), but the config can still name ``s3://`` locations the container reads
itself: an image baseline or a time-series baseline file (``methods.*.baseline``), the images a manifest lists,
a tabular SHAP baseline. A client made up front would cost every run boto3's import (about half a second); one
made only for an ``s3://`` dataset left those locations unreadable ("no S3 client was given"). This one is made
when the run first touches S3, with boto3's default credentials and endpoint (the container's role).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .sources import S3Body, S3Client, S3Paginator


def _boto3_client() -> S3Client:
    import boto3  # imported on use: most command-line runs read nothing from S3

    client: S3Client = boto3.client("s3")
    return client


class S3ClientOnDemand:
    """An :class:`~.sources.S3Client` that makes the real client (``make``; None: boto3's) on first use."""

    def __init__(self, make: Callable[[], S3Client] | None = None) -> None:
        self._make = make
        self._client: S3Client | None = None

    @property
    def created(self) -> bool:
        """Whether the run has touched S3 (the client exists)."""
        return self._client is not None

    def _get(self) -> S3Client:
        if self._client is None:
            self._client = (self._make or _boto3_client)()
        return self._client

    def get_paginator(self, operation_name: str) -> S3Paginator:
        return self._get().get_paginator(operation_name)

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        self._get().download_file(Bucket=Bucket, Key=Key, Filename=Filename)

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, S3Body]:
        return self._get().get_object(Bucket=Bucket, Key=Key)
