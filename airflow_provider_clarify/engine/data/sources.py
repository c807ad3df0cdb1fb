"""Finding the files of a dataset: a local file, a local directory (recursively) or an ``s3://`` object/prefix.

S3 objects are fetched through a boto3 client the caller provides (the Airflow layer passes its connection's), so
the engine itself never resolves credentials. They are downloaded into a run-scoped temporary directory because
Parquet needs seekable files and downloads are faster than many small ranged reads.

Inside a folder or under a prefix, a path with a component whose name starts with ``.`` or ``_`` is skipped: the
hidden files and the markers Spark and Hadoop write beside their part files (``_SUCCESS``, ``.part-0.crc``,
``_temporary/``) are never data, and Hadoop's own input formats skip exactly these. Anything else that is not a
regular file (a FIFO, a dangling or looping symbolic link) is refused by name rather than skipped: a part that
cannot be read would silently change the result.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
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
    """The files of a dataset, in lexicographic order of their path/key (reference §3.1)."""
    text = str(uri)
    if is_s3_uri(text):
        return _download_s3(text, field, s3_client, scratch)
    path = Path(text[len(FILE_SCHEME) :] if text.startswith(FILE_SCHEME) else text)
    mode = _file_mode(path, field, str(path))
    if stat.S_ISREG(mode):
        return [path]
    if not stat.S_ISDIR(mode):
        raise AnalysisError(
            f"{field}: {text} is {_kind_of(mode)}, not a file or folder; point it at the dataset file(s)"
        )
    return _folder_files(path, field)


def is_skipped_name(relative_parts: Sequence[str]) -> bool:
    """Hidden files and Spark/Hadoop markers: any path component starting with ``.`` or ``_``."""
    return any(part.startswith((".", "_")) for part in relative_parts if part)


def _folder_files(folder: Path, field: str) -> list[Path]:
    files: list[Path] = []
    skipped: list[str] = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder)
        if is_skipped_name(relative.parts):
            skipped.append(relative.as_posix())
            continue
        mode = _file_mode(path, field, f"{relative.as_posix()} in {folder}")
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            raise AnalysisError(
                f"{field}: {relative.as_posix()} in {folder} is {_kind_of(mode)}, not a data file; remove it "
                "from the folder"
            )
        files.append(path)
    if skipped:
        log.info(
            "Skipped %d hidden or marker file(s) in %s: %s", len(skipped), folder, ", ".join(skipped[:5])
        )
    if not files:
        raise AnalysisError(f"{field}: directory {folder} holds no files; point it at the dataset file(s)")
    return files


def _file_mode(path: Path, field: str, shown: str) -> int:
    """``stat`` mode of ``path`` (links followed), or an error that says what is wrong with it."""
    try:
        return path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise AnalysisError(
                f"{field}: {shown} is a symbolic link that loops back on itself; point it at the data itself"
            ) from error
        if path.is_symlink():
            raise AnalysisError(
                f"{field}: {shown} is a symbolic link to {os.readlink(path)}, which does not exist; fix or remove "
                "the link"
            ) from error
        if error.errno == errno.EACCES:
            raise AnalysisError(f"{field}: {shown} cannot be read (permission denied)") from error
        raise AnalysisError(
            f"{field}: {shown} does not exist; give an existing local file/directory or an s3:// URI"
        ) from error


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


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
    A folder marker (an empty object whose key ends in ``/``) is never a data file, nor is a key with a hidden or
    marker component (``_SUCCESS``, ``.crc``) below the folder."""
    if key in keys and not key.endswith("/"):
        return [key]
    prefix = key if key.endswith("/") or not key else key + "/"
    selected = _data_keys([k for k in keys if k.startswith(prefix)], prefix)
    return selected or _data_keys(keys, key[: key.rfind("/") + 1])


def _data_keys(keys: list[str], folder: str) -> list[str]:
    """Object keys that are data: not folder markers, no hidden or marker component below ``folder``."""
    return sorted(k for k in keys if not k.endswith("/") and not is_skipped_name(k[len(folder) :].split("/")))
