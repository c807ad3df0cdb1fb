"""Private working directories that the next run removes when their owner died without cleaning up.

A run stages its output in a hidden directory (``.clarify-local-*`` beside a local output or in the temp folder,
``.clarify-run-*`` inside the output folder, ``clarify-engine-*`` for downloads). ``finally`` and ``on_kill`` remove
them, but a SIGKILL (the OOM killer, a worker lost) runs neither. Each directory therefore carries a lock file
held for the life of its owner (``flock``: the kernel releases it when the process dies, however it dies); a later
run removes every directory of the same kind whose lock is free. A live run's directory is never touched, whoever
owns it.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:
    import fcntl
except (
    ImportError
):  # pragma: no cover - not POSIX: no locks, so only lock-less directories are judged (by age)
    fcntl = None  # type: ignore[assignment]

LOG = logging.getLogger("airflow_provider_clarify.outputs")

LOCK_FILE = ".lock"
LOCKLESS_GRACE_SECONDS = 24 * 3600.0
"""A directory without a lock file (left by a version of the provider that did not lock, or being created this
instant) is removed only when it has not changed for this long: a run of an older version may still be using it
during an upgrade, and nothing tells whether it is alive."""


@dataclass
class WorkDir:
    """A private working directory and the lock that marks its owner alive."""

    path: Path
    _lock: IO[str] | None = field(default=None, repr=False)

    def remove(self) -> None:
        """Delete the directory, then release the lock (another run may then reuse the name)."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def create_workdir(prefix: str, parent: Path | None = None) -> WorkDir:
    """A new directory ``<parent>/<prefix><random>`` (``parent`` None: the temp folder), locked by this process."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    handle = (path / LOCK_FILE).open("w", encoding="utf-8")
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
    handle.flush()
    return WorkDir(path, handle)


def remove_abandoned(prefix: str, parent: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove every ``<parent>/<prefix>*`` directory whose owner is gone; return what was removed.

    Owned directories are judged by their lock (free: the owner died); directories without a lock file by age
    (:data:`LOCKLESS_GRACE_SECONDS`). Errors are logged, never raised: cleaning up must not fail a run.
    """
    folder = Path(tempfile.gettempdir()) if parent is None else parent
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = [path for path in folder.glob(f"{prefix}*") if path.is_dir() and not path.is_symlink()]
    except OSError as error:
        LOG.warning("could not look for abandoned work directories in %s: %s", folder, error)
        return []
    for candidate in candidates:
        try:
            if _abandoned(candidate, now):
                shutil.rmtree(candidate, ignore_errors=True)
                removed.append(candidate)
                LOG.info("removed %s, left behind by a run that was killed", candidate)
        except OSError as error:
            LOG.warning("could not remove the abandoned work directory %s: %s", candidate, error)
    return removed


def _abandoned(directory: Path, now: float) -> bool:
    lock = directory / LOCK_FILE
    if not lock.is_file():
        return now - directory.stat().st_mtime > LOCKLESS_GRACE_SECONDS
    if fcntl is None:  # pragma: no cover
        return False
    with lock.open("r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its owner is alive
        return True  # the lock is released when the handle closes, after the caller removed the directory
