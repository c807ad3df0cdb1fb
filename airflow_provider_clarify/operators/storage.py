"""Where Clarify outputs live: a local directory or an ``s3://`` prefix, behind one small set of functions.

The local operator and the gate both read and write "next to the analysis output", which may be either; this keeps
the branching on the URI scheme in one place. S3 goes through the amazon provider's ``S3Hook`` so connections,
endpoints and credentials resolve exactly as for every other AWS task.

**Atomic publication on S3.** S3 has no rename, so "atomic" means: every file is uploaded first and
``analysis.json`` LAST — its presence marks a complete output, exactly as a reader of the managed job's output
would assume. If anything fails (or the task is killed) before that, the objects already uploaded are deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.contract import ANALYSIS_FILE, is_s3_uri, join_uri, s3_uri, split_s3_uri
from airflow_provider_clarify.engine.output import atomic_text_file

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

Log = Callable[[str], None]
Cancelled = Callable[[], bool]


def join(base: str, name: str) -> str:
    """``name`` inside the output location ``base``: an S3 key under the prefix, or a local path."""
    if is_s3_uri(base):
        return join_uri(base, name)
    return str(Path(base) / name)


def s3_hook(aws_conn_id: str | None) -> S3Hook:
    from airflow.providers.amazon.aws.hooks.s3 import (
        S3Hook,  # the amazon provider's S3 is imported on use only
    )

    return S3Hook(aws_conn_id=aws_conn_id)


def write_text(uri: str, text: str, *, aws_conn_id: str | None = "aws_default") -> None:
    """Write one small text file; locally via a temporary name and rename, so readers never see half a file."""
    if is_s3_uri(uri):
        bucket, key = split_s3_uri(uri)
        s3_hook(aws_conn_id).load_string(text, key=key, bucket_name=bucket, replace=True)
        return
    with atomic_text_file(Path(uri)) as stream:
        stream.write(text)


def read_json(uri: str, *, aws_conn_id: str | None = "aws_default") -> Any:  # any JSON document
    if is_s3_uri(uri):
        bucket, key = split_s3_uri(uri)
        return json.loads(s3_hook(aws_conn_id).read_key(key, bucket_name=bucket))
    return json.loads(Path(uri).read_text(encoding="utf-8"))


def publication_order(directory: Path) -> list[str]:
    """The files under ``directory`` (relative POSIX names, hidden files left out), ``analysis.json`` last."""
    names = sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    names.sort(key=lambda name: name == ANALYSIS_FILE)  # stable: analysis.json moves to the end
    return names


def upload_directory(
    local_dir: Path,
    prefix: str,
    client: Any,  # a boto3 S3 client (botocore builds its class at run time)
    *,
    log: Log = print,
    cancelled: Cancelled = lambda: False,
    extra_args: dict[str, str] | None = None,
) -> list[str]:
    """Upload every file under ``local_dir`` to the ``s3://`` ``prefix``, ``analysis.json`` last.

    ``extra_args`` are boto3's ``ExtraArgs`` for every object (e.g. SSE-KMS). Returns the relative names uploaded. On any failure (including KeyboardInterrupt, a timeout, or
    ``cancelled()`` turning true because the task was killed) the objects uploaded so far are deleted before the
    error propagates, so the prefix holds all of the output or none.
    """
    bucket, key_prefix = split_s3_uri(prefix, what="output_uri")
    key_prefix = key_prefix.rstrip("/")
    names = publication_order(local_dir)
    uploaded: list[str] = []
    try:
        for name in names:
            _stop_if(cancelled)
            key = f"{key_prefix}/{name}" if key_prefix else name
            if extra_args:
                client.upload_file(str(local_dir / name), bucket, key, ExtraArgs=dict(extra_args))
            else:
                client.upload_file(str(local_dir / name), bucket, key)
            uploaded.append(key)
            log(f"uploaded {s3_uri(bucket, key)}")
    except BaseException:
        delete_keys(client, bucket, uploaded, log=log)
        raise
    return names


def delete_keys(client: Any, bucket: str, keys: list[str], *, log: Log = print) -> None:
    """Best-effort removal of partially published outputs (never masks the original error)."""
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        try:
            client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            log(f"removed {len(batch)} partially uploaded object(s) from s3://{bucket}")
        except Exception as err:  # pragma: no cover - reported, not raised: the first error matters more
            log(f"could not remove partial outputs from s3://{bucket}: {err}")


def publish_local_directory(source: Path, target: Path, *, cancelled: Cancelled = lambda: False) -> list[str]:
    """Move a finished output directory's files into ``target`` (a local directory), analysis.json last.

    Files are renamed within one filesystem when possible (``os.replace`` is atomic per file); the completion
    marker is moved last so a reader that waits for analysis.json never sees a partial output.
    """
    target.mkdir(parents=True, exist_ok=True)
    names = publication_order(source)
    moved: list[Path] = []
    try:
        for name in names:
            _stop_if(cancelled)
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            _move(source / name, destination)
            moved.append(destination)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    return names


class PublicationCancelled(InterruptedError):
    """The task was killed while its output was being published; what was published has been removed."""


def _stop_if(cancelled: Cancelled) -> None:
    if cancelled():
        raise PublicationCancelled("publication cancelled: the task was killed")


def _move(source: Path, destination: Path) -> None:
    try:
        os.replace(source, destination)
    except OSError:
        # Across filesystems: copy to a hidden temporary name beside the destination, then rename.
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
        os.close(handle)
        try:
            shutil.copy(source, temporary)  # with the source's permission bits, not mkstemp's 0o600
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
