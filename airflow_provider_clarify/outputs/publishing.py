"""Publishing a finished run into an output folder so that readers see all of it or none of it.

The protocol (reader side: :mod:`.reading`), the same for a local directory and an ``s3://`` prefix:

1. the ``running`` manifest replaces whatever manifest was there: from now on the folder reads as incomplete;
2. every file of the earlier output is removed: the files its manifest listed, and the files the Clarify contract
   names (``analysis.json``, ``failure``, ``report.*``, ``explanations_shap/*``) when it had no manifest, so nothing
   of an earlier run can pass for this one;
3. the run's files are put in place, ``analysis.json`` last;
4. the ``complete`` manifest (run id, every file with size and SHA-256) is written LAST.

Any failure or cancellation removes what steps 1-4 put there (the running manifest last), then re-raises: the
folder then holds nothing of either run. A process killed outright (SIGKILL) cannot clean up: its running manifest
stays and the folder reads as incomplete until the next run replaces it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from airflow_provider_clarify.contract import (
    ANALYSIS_FILE,
    DEFAULT_REPORT_NAME,
    FAILURE_FILE,
    MANIFEST_FILE,
    REPORT_EXTENSIONS,
    SHAP_DIR,
)
from airflow_provider_clarify.engine.output import atomic_text_file
from airflow_provider_clarify.outputs.manifest import (
    COMPLETE,
    OutputStateError,
    RunManifest,
    describe_file,
    new_run,
)
from airflow_provider_clarify.outputs.reading import is_visible, local_listing, read_local_file

LOG = logging.getLogger("airflow_provider_clarify.outputs")

Cancelled = Callable[[], bool]

CONTRACT_FILES = frozenset(
    {ANALYSIS_FILE, FAILURE_FILE, *(f"{DEFAULT_REPORT_NAME}.{extension}" for extension in REPORT_EXTENSIONS)}
)
"""Files of the Clarify output contract with fixed names (besides everything under ``explanations_shap/``)."""


class PublicationCancelled(InterruptedError):
    """The task was killed while its output was being published; what was published has been removed."""


class Destination(Protocol):
    """An output folder as the protocol writes it: a local directory or an S3 prefix."""

    location: str

    def uri(self, name: str) -> str: ...

    def listing(self) -> dict[str, int]: ...

    def read(self, name: str) -> bytes | None: ...

    def put_file(self, source: Path, name: str) -> None: ...

    def put_text(self, name: str, text: str) -> None: ...

    def delete(self, names: Iterable[str]) -> None: ...


# ------------------------------------------------------------------------------------------------ the protocol


def publish(
    source: Path,
    destination: Destination,
    *,
    manifest: RunManifest | None = None,
    cancelled: Cancelled = lambda: False,
) -> RunManifest:
    """Publish the finished run in the local folder ``source`` to ``destination`` (module doc); return its manifest.

    ``manifest`` is the run's complete manifest; by default the one :func:`seal` wrote into ``source``, or, without
    one, the files of ``source`` described here under a new run id. ``cancelled()`` is asked before every step (the
    task was killed): the publication then rolls back and raises :class:`PublicationCancelled`.
    """
    manifest = source_manifest(source) if manifest is None else manifest
    before = destination.listing()
    previous = previous_manifest(destination, before)
    _stop_if(cancelled)
    attempted: list[str] = [MANIFEST_FILE]  # from here on, a failure removes what this run put there
    try:
        destination.put_text(MANIFEST_FILE, manifest.running().to_json())
        LOG.info(
            "%s: run %s started publishing %d file(s)",
            destination.location,
            manifest.run_id,
            len(manifest.files),
        )
        earlier = previous_output_names(before, previous)
        if earlier:
            destination.delete(earlier)
            LOG.info("%s: removed %d file(s) of the earlier output", destination.location, len(earlier))
        for name in manifest.names:
            _stop_if(cancelled)
            attempted.append(name)  # before the call: a lost response may follow a stored object
            destination.put_file(source / name, name)
            LOG.info("published %s", destination.uri(name))
        _stop_if(cancelled)
        destination.put_text(MANIFEST_FILE, manifest.to_json())
    except BaseException:
        roll_back(destination, attempted)
        raise
    LOG.info("%s: run %s is complete (%s)", destination.location, manifest.run_id, MANIFEST_FILE)
    return manifest


def roll_back(destination: Destination, names: list[str]) -> None:
    """Remove ``names`` and then the run manifest; best effort: a failure is logged, the original error wins."""
    removable = [name for name in names if name != MANIFEST_FILE]
    for batch in (removable, [MANIFEST_FILE]):
        if not batch:
            continue
        try:
            destination.delete(batch)
        except Exception as error:  # the caller re-raises the error that made us roll back
            LOG.warning("%s: could not remove %s while rolling back: %s", destination.location, batch, error)
            return  # keep the running manifest: the folder must go on reading as incomplete
    if removable:
        LOG.info("%s: removed the %d file(s) of the failed publication", destination.location, len(removable))


def mark_failed(destination: Destination, reason: str) -> None:
    """Leave ``destination`` reading as failed: the earlier output removed, ``failure`` holding ``reason``.

    ``analysis.json`` goes first (the earlier output stops reading as complete), then ``failure`` is written, then
    the rest of the earlier output and its manifest are removed.
    """
    before = destination.listing()
    previous = previous_manifest(destination, before)
    if ANALYSIS_FILE in before:
        destination.delete([ANALYSIS_FILE])
    destination.put_text(FAILURE_FILE, reason.rstrip("\n") + "\n")
    rest = [
        name for name in previous_output_names(before, previous) if name not in (ANALYSIS_FILE, FAILURE_FILE)
    ]
    if MANIFEST_FILE in before:
        rest.append(MANIFEST_FILE)
    if rest:
        destination.delete(rest)


def previous_manifest(destination: Destination, listing: dict[str, int]) -> RunManifest | None:
    """The manifest of the output already in ``destination`` (None when absent or unreadable)."""
    if MANIFEST_FILE not in listing:
        return None
    data = destination.read(MANIFEST_FILE)
    if data is None:
        return None
    try:
        return RunManifest.from_json(data, where=destination.uri(MANIFEST_FILE))
    except OutputStateError:
        return None


def previous_output_names(listing: dict[str, int], previous: RunManifest | None) -> list[str]:
    """The files of the earlier output present in ``listing``: its manifest's, and the contract's fixed names."""
    listed = set(previous.names) if previous is not None else set()
    return sorted(
        name for name in listing if name != MANIFEST_FILE and (name in listed or is_contract_file(name))
    )


def is_contract_file(name: str) -> bool:
    """Whether the Clarify output contract names this file (any run of the analysis may write it)."""
    return name in CONTRACT_FILES or name.startswith(f"{SHAP_DIR}/")


def _stop_if(cancelled: Cancelled) -> None:
    if cancelled():
        raise PublicationCancelled("publication cancelled: the task was killed")


# ------------------------------------------------------------------------------------------------ the source side


def publication_names(directory: Path) -> list[str]:
    """The files of a finished run under ``directory`` (visible ones, manifest excluded), ``analysis.json`` last."""
    names = sorted(name for name in local_listing(directory) if name != MANIFEST_FILE)
    names.sort(key=lambda name: name == ANALYSIS_FILE)  # stable: analysis.json moves to the end
    return names


def seal(directory: Path, run: RunManifest) -> RunManifest:
    """Describe every file of the finished run in ``directory`` and write its complete manifest there."""
    complete = run.completed(describe_file(directory / name, name) for name in publication_names(directory))
    with atomic_text_file(directory / MANIFEST_FILE) as stream:
        stream.write(complete.to_json())
    return complete


def source_manifest(source: Path) -> RunManifest:
    """The complete manifest of a finished run folder: the one written there by :func:`seal`, else a new one."""
    data = read_local_file(source, MANIFEST_FILE)
    if data is not None:
        manifest = RunManifest.from_json(data, where=str(source / MANIFEST_FILE))
        if manifest.status == COMPLETE:
            present = local_listing(source)
            wrong = [entry.path for entry in manifest.files if present.get(entry.path) != entry.size]
            if wrong:
                raise OutputStateError(f"{source}: the run's files differ from its manifest: {wrong[:5]}")
            return manifest
    return new_run().completed(describe_file(source / name, name) for name in publication_names(source))


# ------------------------------------------------------------------------------------------------ local folders


class LocalDirectory:
    """A local output directory as a :class:`Destination`; files are moved in (a rename on one filesystem)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def uri(self, name: str) -> str:
        return str(self.path / name)

    def listing(self) -> dict[str, int]:
        return local_listing(self.path) if self.path.is_dir() else {}

    def read(self, name: str) -> bytes | None:
        return read_local_file(self.path, name)

    def put_file(self, source: Path, name: str) -> None:
        destination = self.path / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        move_file(source, destination)

    def put_text(self, name: str, text: str) -> None:
        with atomic_text_file(self.path / name) as stream:
            stream.write(text)

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            if not is_visible(name):
                continue  # work files of writers are never part of an output
            path = self.path / name
            path.unlink(missing_ok=True)
            _prune_empty_parents(path.parent, self.path)


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): stop
            return
        folder = folder.parent


def move_file(source: Path, destination: Path) -> None:
    """Rename ``source`` to ``destination``; across filesystems copy to a hidden temporary name, then rename."""
    try:
        os.replace(source, destination)
    except OSError:
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
        os.close(handle)
        try:
            shutil.copy(source, temporary)  # with the source's permission bits, not mkstemp's 0o600
            os.replace(temporary, destination)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
