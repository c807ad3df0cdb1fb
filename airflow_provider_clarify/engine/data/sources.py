"""Finding the files of a dataset: a local file, a local directory (recursively) or an ``s3://`` object/prefix.

S3 objects are fetched through a boto3 client the caller provides (the Airflow layer passes its connection's), so
the engine itself never resolves credentials. They are downloaded into a run-scoped temporary directory because
Parquet needs seekable files and downloads are faster than many small ranged reads.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import AnalysisError

log = logging.getLogger("airflow_provider_clarify.engine")


def split_s3_uri(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise AnalysisError(f"invalid S3 URI {uri!r}: expected s3://bucket/key-or-prefix")
    return bucket, key


def list_files(
    uri: str | Path, field: str, *, s3_client: Any = None, scratch: Path | None = None
) -> list[Path]:
    """The files of a dataset, in lexicographic order of their path/key (SPEC §3.1)."""
    text = str(uri)
    if text.startswith("s3://"):
        return _download_s3(text, field, s3_client, scratch)
    path = Path(text[len("file://") :] if text.startswith("file://") else text)
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


def _download_s3(uri: str, field: str, s3_client: Any, scratch: Path | None) -> list[Path]:
    if s3_client is None:
        raise AnalysisError(
            f"{field}: {uri} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3') to run_analysis"
        )
    if scratch is None:
        raise AnalysisError("internal: no scratch directory for S3 downloads")
    bucket, key = split_s3_uri(uri)
    keys: list[tuple[str, int]] = []
    paginator = s3_client.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            keys.extend((item["Key"], item.get("Size", 0)) for item in page.get("Contents", []))
    except Exception as error:  # botocore ClientError, endpoint errors
        raise AnalysisError(f"{field}: cannot list {uri}: {error}") from error
    exact = [k for k, _ in keys if k == key]
    if exact:
        selected = exact
    else:
        prefix = key if key.endswith("/") or not key else key + "/"
        selected = sorted(k for k, size in keys if k.startswith(prefix) and not k.endswith("/"))
        if not selected:  # a plain key prefix such as s3://bucket/data/part- also counts (SageMaker S3Prefix)
            selected = sorted(k for k, size in keys if not k.endswith("/"))
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
