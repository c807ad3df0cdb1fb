"""Finding the files of a dataset: a local file, a local directory (recursively) or an ``s3://`` object/prefix.

S3 objects are fetched through a boto3 client the caller provides (the Airflow layer passes its connection's), so
the engine itself never resolves credentials. They are downloaded into a run-scoped temporary directory because
Parquet needs seekable files and downloads are faster than many small ranged reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ...contract import InvalidS3Uri, is_s3_uri, split_s3_uri
from ..errors import AnalysisError

log = logging.getLogger("airflow_provider_clarify.engine")

FILE_SCHEME = "file://"


class S3Paginator(Protocol):
    def paginate(
        self, *, Bucket: str, Prefix: str
    ) -> Iterator[Mapping[str, Sequence[Mapping[str, object]]]]: ...


class S3Body(Protocol):
    def read(self) -> bytes: ...


class S3Client(Protocol):
    """The part of a boto3 S3 client the engine uses (the caller's client, with the caller's credentials)."""

    def get_paginator(self, operation_name: str) -> S3Paginator: ...

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None: ...

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, S3Body]: ...


def list_files(
    uri: str | Path, field: str, *, s3_client: S3Client | None = None, scratch: Path | None = None
) -> list[Path]:
    """The files of a dataset, in lexicographic order of their path/key (SPEC §3.1)."""
    text = str(uri)
    if is_s3_uri(text):
        return _download_s3(text, field, s3_client, scratch)
    path = Path(text[len(FILE_SCHEME) :] if text.startswith(FILE_SCHEME) else text)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            (p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        if not files:
            raise AnalysisError(f"{field}: directory {path} holds no files; point it at the dataset file(s)")
        return files
    raise AnalysisError(
        f"{field}: {text} does not exist; give an existing local file/directory or an s3:// URI"
    )


def _download_s3(uri: str, field: str, s3_client: S3Client | None, scratch: Path | None) -> list[Path]:
    if s3_client is None:
        raise AnalysisError(
            f"{field}: {uri} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3') to run_analysis"
        )
    if scratch is None:
        raise AnalysisError("internal: no scratch directory for S3 downloads")
    try:
        bucket, key = split_s3_uri(uri, what=field)
    except InvalidS3Uri as error:
        raise AnalysisError(str(error)) from error
    selected = select_s3_keys(list_s3_keys(s3_client, bucket, key, field, uri), key)
    if not selected:
        raise AnalysisError(f"{field}: no objects under {uri}; check the bucket and prefix")
    target_root = scratch / f"{field.replace('.', '_')}-{len(list(scratch.iterdir()))}"
    files: list[Path] = []
    for object_key in selected:
        relative = object_key[len(key) :].lstrip("/") if object_key != key else Path(object_key).name
        target = target_root / (relative or Path(object_key).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            s3_client.download_file(bucket, object_key, str(target))
        except Exception as error:
            raise AnalysisError(f"{field}: cannot read s3://{bucket}/{object_key}: {error}") from error
        files.append(target)
    log.info("Downloaded %d object(s) from %s", len(files), uri)
    return files


def list_s3_keys(s3_client: S3Client, bucket: str, key: str, field: str, uri: str) -> list[str]:
    """Every object key under ``key`` (all pages); a listing failure names ``field`` and ``uri``."""
    keys: list[str] = []
    try:
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            keys.extend(str(item["Key"]) for item in page.get("Contents", []))
    except Exception as error:  # botocore ClientError, endpoint errors
        raise AnalysisError(f"{field}: cannot list {uri}: {error}") from error
    return keys


def select_s3_keys(keys: list[str], key: str) -> list[str]:
    """The object itself when ``key`` names one, else the objects under the folder ``key/``, else every object
    whose key starts with ``key`` (a plain key prefix such as ``s3://bucket/data/part-``: SageMaker S3Prefix).
    A folder marker (an empty object whose key ends in ``/``) is never a data file."""
    if key in keys and not key.endswith("/"):
        return [key]
    prefix = key if key.endswith("/") or not key else key + "/"
    selected = sorted(k for k in keys if k.startswith(prefix) and not k.endswith("/"))
    return selected or sorted(k for k in keys if not k.endswith("/"))
