"""Where Clarify outputs live: a local directory or an ``s3://`` prefix, behind one small set of functions.

The local operator and the gate both read and write "next to the analysis output", which may be either; this keeps
the branching on the URI scheme in one place. S3 goes through the amazon provider's ``S3Hook`` so connections,
endpoints and credentials resolve exactly as for every other AWS task.

**Complete or absent.** Publishing and reading follow the output protocol of
:mod:`airflow_provider_clarify.outputs` on both kinds of location: a run manifest (``_manifest.json``) announces
the run first and lists every file of it last; readers trust only what a complete manifest lists. S3 has no
rename, so a failure (or a kill) while publishing deletes what was already put there, the running manifest last.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.contract import ANALYSIS_FILE, is_s3_uri, join_uri, s3_uri, split_s3_uri
from airflow_provider_clarify.engine.output import atomic_text_file
from airflow_provider_clarify.outputs.manifest import RunManifest
from airflow_provider_clarify.outputs.publishing import (
    Destination,
    LocalDirectory,
    PublicationCancelled,
    move_file,
    publication_names,
    publish,
)
from airflow_provider_clarify.outputs.reading import read_local_analysis
from airflow_provider_clarify.outputs.s3 import S3Prefix, read_s3_analysis

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
    """The files under ``directory`` (relative POSIX names; hidden files and the run manifest left out),
    ``analysis.json`` last."""
    return publication_names(directory)


def destination(output_uri: str, s3_client: Any = None) -> Destination:  # a boto3 S3 client for s3:// URIs
    """The output location as the protocol's destination: an S3 prefix (through ``s3_client``) or a directory."""
    if is_s3_uri(output_uri):
        return S3Prefix(s3_client, output_uri)
    return LocalDirectory(Path(output_uri).expanduser())


def publish_output(
    workdir: Path, output_uri: str, s3_client: Any = None, *, cancelled: Cancelled = lambda: False
) -> RunManifest:
    """Publish the finished run in ``workdir`` to ``output_uri`` by the output protocol; return its manifest."""
    return publish(workdir, destination(output_uri, s3_client), cancelled=cancelled)


def output_folder(uri: str) -> str:
    """The output folder of ``uri``: the folder or prefix itself, or the one that holds the named analysis.json."""
    trimmed = uri.rstrip("/")
    return trimmed[: -len(ANALYSIS_FILE) - 1] if trimmed.endswith(f"/{ANALYSIS_FILE}") else trimmed


def read_analysis_output(uri: str, *, aws_conn_id: str | None = "aws_default") -> tuple[Any, dict[str, str]]:
    """The ``analysis.json`` document of the complete output at ``uri`` (the folder or prefix, or its
    ``analysis.json``) and its trusted files (relative name → URI), by the reading rule of the output protocol.

    Raises :class:`~airflow_provider_clarify.outputs.OutputStateError` (a ``ValueError``) naming the location when
    the output is incomplete, failed or absent.
    """
    folder = output_folder(uri)
    if is_s3_uri(folder):
        prefix = S3Prefix(s3_hook(aws_conn_id).get_conn(), folder)
        output, data = read_s3_analysis(prefix)
        files = {name: prefix.uri(name) for name in output.files}
    else:
        local = Path(folder).expanduser()
        output, data = read_local_analysis(local)
        files = {name: str(local / name) for name in output.files}
    return json.loads(data.decode("utf-8")), files


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
    attempted: list[str] = []
    try:
        for name in names:
            _stop_if(cancelled)
            key = f"{key_prefix}/{name}" if key_prefix else name
            attempted.append(key)  # before the call: S3 may store an object whose response is then lost
            if extra_args:
                client.upload_file(str(local_dir / name), bucket, key, ExtraArgs=dict(extra_args))
            else:
                client.upload_file(str(local_dir / name), bucket, key)
            log(f"uploaded {s3_uri(bucket, key)}")
    except BaseException:
        delete_keys(client, bucket, attempted, log=log)
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


def _stop_if(cancelled: Cancelled) -> None:
    if cancelled():
        raise PublicationCancelled("publication cancelled: the task was killed")


def _move(source: Path, destination: Path) -> None:
    move_file(source, destination)
