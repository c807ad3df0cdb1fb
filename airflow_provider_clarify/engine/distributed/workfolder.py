"""The work folder of a sharded run: where the plan, its artefacts and the shards' partial states live.

A work folder is a local directory or an ``s3://`` prefix. Every step of a sharded run reads and writes it through
this one small interface, so the steps never branch on the scheme and every write is atomic: a local file is
written under a hidden temporary name and renamed into place, an S3 object is one ``PutObject`` (S3 never shows a
half-written object). A reader therefore sees a file whole or not at all, which is what lets a retried shard
simply write its state again.

S3 goes through the boto3 client the caller passes (the Airflow layer passes its connection's client), so the
engine never resolves credentials itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ...contract import InvalidS3Uri, is_s3_uri, join_uri, split_s3_uri
from ..errors import AnalysisError
from ..output import NEW_FILE_MODE


class WorkS3Body(Protocol):
    def read(self) -> bytes: ...


class WorkS3Paginator(Protocol):
    def paginate(
        self, *, Bucket: str, Prefix: str
    ) -> Iterator[Mapping[str, Sequence[Mapping[str, object]]]]: ...


class WorkS3Client(Protocol):
    """The part of a boto3 S3 client a work folder uses."""

    def get_paginator(self, operation_name: str) -> WorkS3Paginator: ...

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, WorkS3Body]: ...

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> object: ...

    def delete_object(self, *, Bucket: str, Key: str) -> object: ...


class WorkFolder:
    """Named files (POSIX-style relative names such as ``shards/shard-00003.zip``) under a local directory or an
    ``s3://`` prefix."""

    def __init__(self, uri: str | Path, s3_client: WorkS3Client | None = None) -> None:
        text = str(uri).strip()
        if not text:
            raise AnalysisError("work: no work folder given; pass a local directory or an s3:// prefix")
        self.uri = text.rstrip("/") if is_s3_uri(text) else text
        self._client = s3_client
        self._bucket = self._prefix = ""
        if is_s3_uri(text):
            try:
                self._bucket, prefix = split_s3_uri(text, what="work")
            except InvalidS3Uri as error:
                raise AnalysisError(str(error)) from error
            self._prefix = prefix.strip("/")
            if s3_client is None:
                raise AnalysisError(
                    f"work: {text} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3')"
                )
        elif "://" in text:
            raise AnalysisError(f"work: {text!r} is neither a local directory nor an s3:// prefix")

    @property
    def on_s3(self) -> bool:
        return bool(self._bucket)

    def location(self, name: str) -> str:
        """The URI or path of ``name`` inside the folder (for messages)."""
        return join_uri(self.uri, name) if self.on_s3 else str(Path(self.uri) / name)

    def read(self, name: str) -> bytes | None:
        """The bytes of ``name``, or None when the folder has no such file."""
        if self.on_s3:
            assert self._client is not None
            try:
                return self._client.get_object(Bucket=self._bucket, Key=self._key(name))["Body"].read()
            except Exception as error:
                if _is_missing(error):
                    return None
                raise AnalysisError(f"work: cannot read {self.location(name)}: {error}") from error
        path = Path(self.uri) / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise AnalysisError(f"work: cannot read {path}: {error}") from error

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` atomically (readers see the old file, or nothing, until the new one is complete)."""
        if self.on_s3:
            assert self._client is not None
            try:
                self._client.put_object(Bucket=self._bucket, Key=self._key(name), Body=data)
            except Exception as error:
                raise AnalysisError(f"work: cannot write {self.location(name)}: {error}") from error
            return
        path = Path(self.uri) / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as error:
            raise AnalysisError(f"work: cannot write {path}: {error}") from error
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, NEW_FILE_MODE)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def list(self, folder: str) -> list[str]:
        """The names of the files directly under ``folder`` (sorted; hidden temporary files left out)."""
        folder = folder.strip("/")
        if self.on_s3:
            assert self._client is not None
            prefix = f"{self._key(folder)}/"
            names: list[str] = []
            try:
                pages = self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self._bucket, Prefix=prefix
                )
                for page in pages:
                    for item in page.get("Contents", []):
                        rest = str(item["Key"])[len(prefix) :]
                        if rest and "/" not in rest and not rest.startswith("."):
                            names.append(f"{folder}/{rest}")
            except Exception as error:
                raise AnalysisError(f"work: cannot list {self.location(folder)}: {error}") from error
            return sorted(names)
        directory = Path(self.uri) / folder
        if not directory.is_dir():
            return []
        return sorted(
            f"{folder}/{path.name}"
            for path in directory.iterdir()
            if path.is_file() and not path.name.startswith(".")
        )

    def delete(self, name: str) -> None:
        """Remove ``name`` (nothing when it is absent)."""
        if self.on_s3:
            assert self._client is not None
            try:
                self._client.delete_object(Bucket=self._bucket, Key=self._key(name))
            except Exception as error:
                if not _is_missing(error):
                    raise AnalysisError(f"work: cannot remove {self.location(name)}: {error}") from error
            return
        (Path(self.uri) / name).unlink(missing_ok=True)

    def _key(self, name: str) -> str:
        name = name.strip("/")
        return f"{self._prefix}/{name}" if self._prefix else name


def _is_missing(error: Exception) -> bool:
    """Whether a botocore error says the object does not exist (NoSuchKey / 404)."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("NoSuchKey", "404", "NotFound")
