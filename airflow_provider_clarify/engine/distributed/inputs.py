"""The input files of a sharded run: listed once by the plan, opened by every step, downloaded only where read.

**Why a listing.** Every step must read the same data: the plan records each main-dataset file with its size and
version (an S3 ETag, a local file's modification time), and every later step checks that the files it finds are
still these — a file added, removed or rewritten after the plan fails the step, naming the file, instead of
merging shards of two different datasets.

**Why stubs.** The engine opens a dataset by reading every file's header (CSV header rows, the first JSON record,
Parquet schemas). A shard reads the rows of its own files only, so on S3 it downloads those files in full and
every other file as a *stub*: a sparse local file of the object's size holding only its first and last bytes —
enough for a header, a first record or a Parquet footer, never read for rows. The dataset is then opened by the
engine's own ``open_dataset`` (the selection rules for objects under a prefix, header detection, joins: all
unchanged), through a client that decides per object what to fetch. The first file is always fetched in full: the
column names (and for JSON documents the first record) come from it.
"""

from __future__ import annotations

import logging
import tempfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from ...config import AnalysisConfig
from ...contract import is_s3_uri
from ..data.dataset import TabularDataset
from ..data.opening import open_dataset
from ..data.sources import S3Body, S3Client, S3Paginator, list_files
from ..errors import AnalysisError

log = logging.getLogger("airflow_provider_clarify.engine")

STUB_HEAD_BYTES = 1 << 20
"""Bytes fetched from the start of a file that is only opened (grown until it holds three line breaks)."""
STUB_TAIL_BYTES = 1 << 16
"""Bytes fetched from the end of such a file (a Parquet footer; grown when the footer is longer)."""
DATASET_FIELD = "dataset_uri"


@dataclass(frozen=True)
class InputFile:
    """One file of the main dataset: its name (S3 key, or path relative to the dataset folder), size, version."""

    name: str
    size: int
    version: str

    def as_list(self) -> list[object]:
        return [self.name, self.size, self.version]

    @classmethod
    def from_list(cls, value: Sequence[object]) -> InputFile:
        name, size, version = value
        return cls(str(name), int(str(size)), str(version))


def local_listing(files: Sequence[Path], root: str) -> list[InputFile]:
    """Names, sizes and modification times of local dataset files (names relative to the dataset folder)."""
    base = Path(root[len("file://") :] if root.startswith("file://") else root)
    listing = []
    for path in files:
        stat = path.stat()
        name = path.relative_to(base).as_posix() if base.is_dir() else path.name
        listing.append(InputFile(name, stat.st_size, str(stat.st_mtime_ns)))
    return listing


FetchPolicy = Callable[[str, int], str]
"""(object key, size) → ``"full"``, ``"stub"``: how an object the engine asks for is fetched."""


class SelectiveS3Client:
    """A boto3 S3 client for ``open_dataset`` that fetches each object in full or as a stub, and remembers what
    the listings showed (key → size and ETag)."""

    def __init__(self, client: S3Client, policy: FetchPolicy) -> None:
        self._client = client
        self._policy = policy
        self.objects: dict[str, tuple[int, str]] = {}
        self.fetched: list[str] = []

    def get_paginator(self, operation_name: str) -> S3Paginator:
        return _RecordingPaginator(self._client.get_paginator(operation_name), self.objects)

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, S3Body]:
        return self._client.get_object(Bucket=Bucket, Key=Key)

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        size = self.objects.get(Key, (-1, ""))[0]
        if size >= 0 and self._policy(Key, size) == "stub":
            write_stub(self._client, Bucket, Key, size, Path(Filename))
            return
        self._client.download_file(Bucket, Key, Filename)
        self.fetched.append(Key)


class _RecordingPaginator:
    def __init__(self, paginator: S3Paginator, objects: dict[str, tuple[int, str]]) -> None:
        self._paginator = paginator
        self._objects = objects

    def paginate(self, *, Bucket: str, Prefix: str) -> Iterator[Mapping[str, Sequence[Mapping[str, object]]]]:
        for page in self._paginator.paginate(Bucket=Bucket, Prefix=Prefix):
            for item in page.get("Contents", []):
                size = item.get("Size", -1)
                self._objects[str(item["Key"])] = (
                    int(size) if isinstance(size, int) else -1,
                    str(item.get("ETag", "")).strip('"'),
                )
            yield page


def write_stub(client: S3Client, bucket: str, key: str, size: int, target: Path) -> None:
    """A sparse file of ``size`` bytes holding the object's head (three line breaks, for header detection) and
    its tail (a Parquet footer); the bytes between are never read."""
    head_bytes = min(size, STUB_HEAD_BYTES)
    head = _ranged(client, bucket, key, 0, head_bytes)
    while len(head) < size and _line_breaks(head) < 3:
        head_bytes = min(size, head_bytes * 4)
        head = _ranged(client, bucket, key, 0, head_bytes)
    tail = b""
    if len(head) < size:
        tail_bytes = min(size - len(head), STUB_TAIL_BYTES)
        tail = _ranged(client, bucket, key, size - tail_bytes, tail_bytes)
        footer = _parquet_footer_length(tail)
        if footer is not None and footer + 8 > len(tail) and footer + 8 <= size - len(head):
            tail = _ranged(client, bucket, key, size - footer - 8, footer + 8)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as stream:
        stream.truncate(size)
        stream.write(head)
        if tail:
            stream.seek(size - len(tail))
            stream.write(tail)


class RangedS3Client(Protocol):
    def get_object(self, *, Bucket: str, Key: str, Range: str) -> Mapping[str, S3Body]: ...


def _ranged(client: S3Client, bucket: str, key: str, start: int, length: int) -> bytes:
    if length <= 0:
        return b""
    ranged = cast(RangedS3Client, client)  # a boto3 client takes Range; the engine's protocol leaves it out
    try:
        body = ranged.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{start + length - 1}")["Body"]
    except Exception as error:
        raise AnalysisError(f"{DATASET_FIELD}: cannot read s3://{bucket}/{key}: {error}") from error
    data: bytes = body.read()
    return data


def _line_breaks(head: bytes) -> int:
    """Line breaks in a file's first bytes (decompressed when they are gzip)."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(wbits=31).decompress(head)
        except zlib.error:
            return 0
    return head.count(b"\n")


def _parquet_footer_length(tail: bytes) -> int | None:
    if len(tail) < 8 or tail[-4:] != b"PAR1":
        return None
    return int.from_bytes(tail[-8:-4], "little")


def open_inputs(
    config: AnalysisConfig,
    uri: str,
    *,
    s3_client: S3Client | None,
    scratch: Path,
    chunk_rows: int,
    progress_interval: float,
    read: Callable[[int], bool] | None = None,
) -> tuple[TabularDataset, list[InputFile]]:
    """The dataset as ``open_dataset`` opens it, and its main files' listing.

    ``read(i)`` says whether this step reads the rows of main file ``i`` (None: every file); on S3 the other
    files are fetched as stubs. Local files are read in place.
    """
    if not is_s3_uri(uri):
        dataset = open_dataset(
            config, uri, s3_client=s3_client, scratch=scratch, chunk_rows=chunk_rows,
            progress_interval=progress_interval,
        )  # fmt: skip
        return dataset, local_listing(dataset.main.files, uri)
    if s3_client is None:
        raise AnalysisError(
            f"{DATASET_FIELD}: {uri} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3')"
        )
    keys = main_keys(uri, s3_client, scratch)
    positions = {key: index for index, key in enumerate(keys)}

    def policy(key: str, size: int) -> str:
        index = positions.get(key)
        if index is None or index == 0 or read is None or read(index):
            return "full"
        return "stub"

    selective = SelectiveS3Client(s3_client, policy)
    dataset = open_dataset(
        config, uri, s3_client=selective, scratch=scratch, chunk_rows=chunk_rows,
        progress_interval=progress_interval,
    )  # fmt: skip
    listing = []
    for key in keys:
        size, etag = selective.objects.get(key, (-1, ""))
        listing.append(InputFile(key, size, etag))
    if len(listing) != len(dataset.main.files):
        raise AnalysisError(
            f"{DATASET_FIELD}: {uri} lists {len(listing)} object(s) but the dataset opened with "
            f"{len(dataset.main.files)} file(s); the objects changed while they were read"
        )
    log.info("Opened %s: %d file(s), %d read in full", uri, len(keys), len(selective.fetched))
    return dataset, listing


def main_keys(uri: str, s3_client: S3Client, scratch: Path) -> list[str]:
    """The keys of the main dataset's objects, selected by the engine's own rule (nothing is downloaded)."""
    return [item.name for item in s3_listing(uri, s3_client, scratch)]


def s3_listing(uri: str, s3_client: S3Client, scratch: Path, field: str = DATASET_FIELD) -> list[InputFile]:
    """The objects of an S3 dataset (selected by the engine's own rule) with their sizes and ETags."""
    recorder = _KeyRecorder(s3_client)
    listing = Path(tempfile.mkdtemp(prefix="listing-", dir=scratch))
    list_files(uri, field, s3_client=recorder, scratch=listing)
    return [InputFile(key, *recorder.objects.get(key, (-1, ""))) for key in recorder.keys]


class _KeyRecorder:
    """An S3 client whose downloads only record the key (and leave an empty placeholder)."""

    def __init__(self, client: S3Client) -> None:
        self._client = client
        self.keys: list[str] = []
        self.objects: dict[str, tuple[int, str]] = {}

    def get_paginator(self, operation_name: str) -> S3Paginator:
        return _RecordingPaginator(self._client.get_paginator(operation_name), self.objects)

    def get_object(self, *, Bucket: str, Key: str) -> Mapping[str, S3Body]:
        return self._client.get_object(Bucket=Bucket, Key=Key)

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        self.keys.append(Key)
        Path(Filename).parent.mkdir(parents=True, exist_ok=True)
        Path(Filename).touch()


def fetch_main_files(
    uri: str,
    planned: Sequence[InputFile],
    wanted: Collection[int],
    *,
    s3_client: S3Client | None,
    scratch: Path,
) -> list[Path]:
    """A path for every planned file of the main dataset: the ``wanted`` ones readable (downloaded from S3, or
    the local files themselves), the others never to be read. Fails when the files are not the planned ones."""
    if not is_s3_uri(uri):
        root = Path(uri[len("file://") :] if uri.startswith("file://") else uri)
        paths = [root / item.name if root.is_dir() else root for item in planned]
        for index in sorted(wanted):
            if not paths[index].is_file():
                check_listing(planned, [item for i, item in enumerate(planned) if i != index])
        found = local_listing([paths[i] for i in sorted(wanted)], str(root))
        check_listing([planned[i] for i in sorted(wanted)], found)
        return paths
    if s3_client is None:
        raise AnalysisError(
            f"{DATASET_FIELD}: {uri} is on S3 but no S3 client was given; pass s3_client=boto3.client('s3')"
        )
    check_listing(planned, s3_listing(uri, s3_client, scratch))
    bucket = uri[len("s3://") :].split("/", 1)[0]
    target = Path(tempfile.mkdtemp(prefix="main-", dir=scratch))
    paths = []
    for index, item in enumerate(planned):
        path = target / f"{index:06d}" / Path(item.name).name
        if index in wanted:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                s3_client.download_file(bucket, item.name, str(path))
            except Exception as error:
                raise AnalysisError(
                    f"{DATASET_FIELD}: cannot read s3://{bucket}/{item.name}: {error}"
                ) from error
        paths.append(path)
    log.info("Downloaded %d of the dataset's %d object(s)", len(wanted), len(planned))
    return paths


def check_listing(planned: Sequence[InputFile], found: Sequence[InputFile]) -> None:
    """The files a step finds are the ones the plan listed (same names, sizes and versions)."""
    if list(planned) == list(found):
        return
    planned_names = {item.name: item for item in planned}
    found_names = {item.name: item for item in found}
    added = sorted(set(found_names) - set(planned_names))
    removed = sorted(set(planned_names) - set(found_names))
    changed = sorted(
        name for name in set(found_names) & set(planned_names) if found_names[name] != planned_names[name]
    )
    parts = []
    if added:
        parts.append(f"new file(s) {added[:5]}")
    if removed:
        parts.append(f"missing file(s) {removed[:5]}")
    if changed:
        parts.append(f"changed file(s) {changed[:5]}")
    raise AnalysisError(
        f"{DATASET_FIELD}: the dataset changed since the plan was made ({'; '.join(parts) or 'other order'}); "
        "plan the analysis again on the data as it is now"
    )
