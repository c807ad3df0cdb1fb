"""The one rule every reader applies to an output folder before it believes anything in it.

In order (the first that applies decides):

1. a ``complete`` manifest: the output is the files it lists, each present with its listed size (and, for the
   files a reader opens, its listed SHA-256). Anything else in the folder (files of an earlier run, a gate's
   ``constraint_violations.json``) is not part of the output. A listed file missing or of another size: incomplete;
2. a ``failure`` file: the last run failed; its first line is the reason;
3. a ``running`` manifest: a run is writing the folder, or was killed while it did: incomplete;
4. ``analysis.json`` without a manifest: the managed Clarify job's output (it writes no manifest), or one written
   before manifests existed: complete, and every (non-hidden) file of the folder belongs to it;
5. nothing of the above: no output.

Readers that know more apply it on a narrower listing: the managed operator and sensor list only the objects
written since the job was created (see ``hooks/clarify.py``). Hidden names (a part starting with ``.``) are work
files of writers and never part of an output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from airflow_provider_clarify.contract import ANALYSIS_FILE, FAILURE_FILE, MANIFEST_FILE, join_uri
from airflow_provider_clarify.outputs.manifest import (
    COMPLETE,
    FailedOutputError,
    IncompleteOutputError,
    MissingOutputError,
    RunManifest,
    sha256_of,
)

Listing = Mapping[str, int]
"""The files of an output folder: path relative to the folder (POSIX) → size in bytes."""
ReadSmall = Callable[[str], bytes | None]
"""Reads one small file of the folder by relative name (the manifest, ``failure``); None when it is absent."""

MANIFEST_RULE = "manifest"
ANALYSIS_RULE = "analysis.json"
_MAX_REASON = 500
_MAX_LISTED = 5


def is_visible(name: str) -> bool:
    """Whether a relative name can be part of an output (no part of it is hidden)."""
    return not any(part.startswith(".") for part in name.split("/"))


@dataclass(frozen=True)
class CompleteOutput:
    """An output folder that passed the rule: the files a reader may trust, and the manifest when there is one."""

    location: str
    files: tuple[str, ...]
    manifest: RunManifest | None

    @property
    def rule(self) -> str:
        """Which rule vouched for the output: ``"manifest"`` or ``"analysis.json"`` (no manifest)."""
        return MANIFEST_RULE if self.manifest is not None else ANALYSIS_RULE

    @property
    def run_id(self) -> str | None:
        return None if self.manifest is None else self.manifest.run_id

    def check_content(self, name: str, data: bytes) -> None:
        """Raise :class:`IncompleteOutputError` when ``data`` (just read) is not the file the manifest lists.

        A run that replaces the folder between the reader's look at the manifest and its read of the file is
        caught here instead of mixing two runs.
        """
        entry = None if self.manifest is None else self.manifest.entry(name)
        if entry is not None and (len(data) != entry.size or sha256_of(data) != entry.sha256):
            raise IncompleteOutputError(
                f"{join_uri(self.location, name)} is not the file run {self.manifest.run_id if self.manifest else ''} "
                "published (size or SHA-256 differ): the output changed while it was read, or was modified "
                "afterwards; read it again or run the analysis again"
            )


def resolve_output(listing: Listing, read: ReadSmall, location: str) -> CompleteOutput:
    """Apply the rule (module doc) to the folder ``location`` whose files are ``listing``."""
    files = {name: size for name, size in listing.items() if is_visible(name)}
    manifest = _manifest(files, read, location)
    if manifest is not None and manifest.status == COMPLETE:
        return _checked_against_manifest(files, manifest, location)
    if FAILURE_FILE in files:
        raise FailedOutputError(f"{location}: the last analysis run into this output failed: {_reason(read)}")
    if manifest is not None:
        raise IncompleteOutputError(
            f"{location}: run {manifest.run_id} (started {manifest.started}) has not finished writing this "
            "output: it is still running, or it was killed or failed while publishing. Nothing in the folder "
            "is trusted; wait for the run or run the analysis again"
        )
    if ANALYSIS_FILE in files:
        return CompleteOutput(location, tuple(sorted(files)), None)
    raise MissingOutputError(f"{location}: no analysis.json there (was the analysis successful?)")


def _manifest(files: Listing, read: ReadSmall, location: str) -> RunManifest | None:
    if MANIFEST_FILE not in files:
        return None
    data = read(MANIFEST_FILE)
    if data is None:  # removed between the listing and the read: a writer is at work
        raise IncompleteOutputError(f"{location}: the run manifest disappeared while it was read; read again")
    return RunManifest.from_json(data, where=join_uri(location, MANIFEST_FILE))


def _checked_against_manifest(files: Listing, manifest: RunManifest, location: str) -> CompleteOutput:
    problems = []
    for entry in manifest.files:
        size = files.get(entry.path)
        if size is None:
            problems.append(f"{entry.path} is missing")
        elif size != entry.size:
            problems.append(f"{entry.path} has {size} bytes, the manifest lists {entry.size}")
    if ANALYSIS_FILE not in manifest.names:
        problems.append("the manifest lists no analysis.json")
    if problems:
        listed = "; ".join(problems[:_MAX_LISTED]) + (
            f"; and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        )
        raise IncompleteOutputError(
            f"{location}: the output of run {manifest.run_id} is incomplete: {listed}. Run the analysis again"
        )
    return CompleteOutput(location, tuple(manifest.names), manifest)


def _reason(read: ReadSmall) -> str:
    data = read(FAILURE_FILE) or b""
    lines = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    reason = lines[0] if lines else "(the failure file is empty)"
    return reason[:_MAX_REASON]


# ------------------------------------------------------------------------------------------------ local folders


def local_listing(directory: Path) -> dict[str, int]:
    """Every visible file under ``directory``: relative POSIX name → size."""
    found: dict[str, int] = {}
    for path in directory.rglob("*"):
        name = path.relative_to(directory).as_posix()
        if is_visible(name) and path.is_file():
            found[name] = path.stat().st_size
    return found


def read_local_file(directory: Path, name: str) -> bytes | None:
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        return None


def resolve_local_output(directory: Path) -> CompleteOutput:
    """The rule applied to a local directory."""
    return resolve_output(
        local_listing(directory), lambda name: read_local_file(directory, name), str(directory)
    )


def read_local_analysis(directory: Path) -> tuple[CompleteOutput, bytes]:
    """The complete output of ``directory`` and its ``analysis.json`` bytes, checked against the manifest."""
    output = resolve_local_output(directory)
    data = read_local_file(directory, ANALYSIS_FILE)
    if data is None:
        raise IncompleteOutputError(f"{directory}: analysis.json disappeared while it was read; read again")
    output.check_content(ANALYSIS_FILE, data)
    return output, data
