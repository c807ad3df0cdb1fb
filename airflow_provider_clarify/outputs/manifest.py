"""The run manifest: which files one run published, how large they are and what they hash to.

Why a manifest: an output folder (a local directory or an ``s3://`` prefix) may be read while a run writes it, after
a run was killed half way, or after a rerun with a smaller config left files of an earlier run beside the new
``analysis.json``. A document written FIRST as ``"running"`` and LAST as ``"complete"`` (listing every file of the
run) lets a reader tell a complete output from anything else without trusting file names or timestamps. S3 and
POSIX both replace one object atomically, so a reader sees either the running or the complete manifest, never a
mix of two.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from airflow_provider_clarify.contract import ANALYSIS_FILE, JSONObject

MANIFEST_FORMAT: Final = 1
"""Version of the manifest layout (the key ``manifest_format``)."""
RUNNING: Final = "running"
COMPLETE: Final = "complete"
STATUSES: Final = (RUNNING, COMPLETE)

_CHUNK = 1024 * 1024


class OutputStateError(ValueError):
    """An output folder does not hold a complete output; the message says where, why, and what to do."""


class IncompleteOutputError(OutputStateError):
    """A run is writing the folder, was killed while it did, or a listed file is missing or differs."""


class FailedOutputError(OutputStateError):
    """The last run into the folder failed (its ``failure`` file says why)."""


class MissingOutputError(OutputStateError):
    """The folder holds no output at all."""


@dataclass(frozen=True)
class ManifestEntry:
    """One published file: its path relative to the output folder (POSIX), its size in bytes, its SHA-256."""

    path: str
    size: int
    sha256: str

    def to_json(self) -> JSONObject:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class RunManifest:
    """The manifest of one run. ``files`` is empty while the run is ``running``."""

    run_id: str
    status: str
    started: str
    files: tuple[ManifestEntry, ...] = ()
    finished: str | None = None
    extra: JSONObject = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [entry.path for entry in self.files]

    def entry(self, name: str) -> ManifestEntry | None:
        return next((entry for entry in self.files if entry.path == name), None)

    def running(self) -> RunManifest:
        """The same run, announced as being written (what goes to the destination first)."""
        return replace(self, status=RUNNING, files=(), finished=None)

    def completed(self, files: Iterable[ManifestEntry]) -> RunManifest:
        """The same run, complete with ``files`` (``analysis.json`` among them)."""
        ordered = tuple(sorted(files, key=lambda entry: (entry.path == ANALYSIS_FILE, entry.path)))
        return replace(self, status=COMPLETE, files=ordered, finished=_now())

    def to_json(self) -> str:
        document: JSONObject = {
            "manifest_format": MANIFEST_FORMAT,
            "run_id": self.run_id,
            "status": self.status,
            "started": self.started,
        }
        if self.finished is not None:
            document["finished"] = self.finished
        if self.status == COMPLETE:
            document["files"] = [entry.to_json() for entry in self.files]
        document.update(self.extra)
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: bytes | str, *, where: str) -> RunManifest:
        """Parse a manifest; a malformed one is an :class:`IncompleteOutputError` naming ``where``."""
        try:
            document = json.loads(data)
            return cls._from_document(document)
        except (ValueError, TypeError, KeyError, RecursionError) as error:
            raise IncompleteOutputError(
                f"{where} is not a readable run manifest ({type(error).__name__}: {error}); the output cannot "
                "be trusted: run the analysis again"
            ) from None

    @classmethod
    def _from_document(cls, document: object) -> RunManifest:
        if not isinstance(document, dict):
            raise ValueError("expected a JSON object")
        if document.get("manifest_format") != MANIFEST_FORMAT:
            raise ValueError(
                f"manifest_format {document.get('manifest_format')!r} is not {MANIFEST_FORMAT} (written by "
                "another version of the provider?)"
            )
        status = document["status"]
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {list(STATUSES)}")
        files = tuple(_entry(item) for item in document.get("files") or ())
        known = {"manifest_format", "run_id", "status", "started", "finished", "files"}
        return cls(
            run_id=str(document["run_id"]),
            status=status,
            started=str(document["started"]),
            files=files,
            finished=None if document.get("finished") is None else str(document["finished"]),
            extra={key: value for key, value in document.items() if key not in known},
        )


def _entry(item: object) -> ManifestEntry:
    if not isinstance(item, dict):
        raise ValueError(f"a file entry must be an object, got {item!r}")
    path, size, digest = item["path"], item["size"], item["sha256"]
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"file path {path!r} is not a relative path inside the output")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size of {path!r} must be a non-negative integer, got {size!r}")
    if not isinstance(digest, str) or len(digest) != 64:
        raise ValueError(f"sha256 of {path!r} must be 64 hex digits, got {digest!r}")
    return ManifestEntry(path, size, digest)


def new_run(**extra: str) -> RunManifest:
    """A fresh run id (random: two runs never share one) and its start time, status ``running``."""
    return RunManifest(run_id=uuid.uuid4().hex, status=RUNNING, started=_now(), extra=dict(extra))


def describe_file(path: Path, name: str) -> ManifestEntry:
    """The manifest entry of the local file ``path`` published as ``name`` (read once, in chunks)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return ManifestEntry(name, size, digest.hexdigest())


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
