"""An ``s3://`` prefix as an output folder: the writer's :class:`~.publishing.Destination` and the reader's listing.

It takes a ready boto3 S3 client (from the amazon provider's hooks in the Airflow layer, or ``boto3.client`` in
the engine CLI), so connections, endpoints and credentials stay the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow_provider_clarify.contract import ANALYSIS_FILE, JSON, s3_uri, split_s3_uri
from airflow_provider_clarify.outputs.manifest import IncompleteOutputError
from airflow_provider_clarify.outputs.reading import CompleteOutput, Listing, resolve_output

S3Client = Any
"""A boto3 S3 client (botocore builds its class at run time: there is no static type to name)."""

_DELETE_BATCH = 1000
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3Prefix:
    """The objects under ``s3://bucket/prefix/`` addressed by names relative to the prefix."""

    def __init__(self, client: S3Client, uri: str, *, what: str = "output_uri") -> None:
        self.client = client
        self.bucket, prefix = split_s3_uri(uri, what=what)
        self.prefix = prefix.strip("/")
        self.location = s3_uri(self.bucket, self.prefix)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def uri(self, name: str) -> str:
        return s3_uri(self.bucket, self.key(name))

    def objects(self) -> dict[str, tuple[int, datetime]]:
        """Every object under the prefix: relative name → (size, LastModified)."""
        start = f"{self.prefix}/" if self.prefix else ""
        found: dict[str, tuple[int, datetime]] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                name = item["Key"][len(start) :]
                if name and not name.endswith("/"):
                    found[name] = (int(item["Size"]), item["LastModified"])
        return found

    def listing(self) -> dict[str, int]:
        return {name: size for name, (size, _) in self.objects().items()}

    def read(self, name: str) -> bytes | None:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"].read()
        except Exception as error:
            if _error_code(error) in _MISSING_CODES:
                return None
            raise
        return body

    def put_file(self, source: Path, name: str) -> None:
        self.client.upload_file(str(source), self.bucket, self.key(name))

    def put_text(self, name: str, text: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(name), Body=text.encode("utf-8"), ContentType=JSON
        )

    def delete(self, names: Iterable[str]) -> None:
        keys = [self.key(name) for name in names]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            errors = answer.get("Errors") or []
            if errors:
                failed = ", ".join(f"{error.get('Key')} ({error.get('Code')})" for error in errors[:5])
                raise OSError(f"S3 refused to delete {len(errors)} object(s) under {self.location}: {failed}")


def read_s3_analysis(prefix: S3Prefix, listing: Listing | None = None) -> tuple[CompleteOutput, bytes]:
    """The complete output under ``prefix`` (the reading rule, on ``listing`` when the caller narrowed it) and its
    ``analysis.json`` bytes, checked against the manifest."""
    output = resolve_output(prefix.listing() if listing is None else listing, prefix.read, prefix.location)
    data = prefix.read(ANALYSIS_FILE)
    if data is None:
        raise IncompleteOutputError(
            f"{prefix.location}: analysis.json disappeared while it was read; read again"
        )
    output.check_content(ANALYSIS_FILE, data)
    return output, data


def _error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))
