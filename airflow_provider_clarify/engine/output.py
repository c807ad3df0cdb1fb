"""Writing analysis.json the way the managed job does: atomically, with infinities as strings, NaN as null
(:func:`airflow_provider_clarify.contract.json_ready`).

Readers of analysis.json (gates, Model Monitor baselines) must never see a half-written file, so the document is
written to a temporary file in the same directory and renamed into place (rename is atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..contract import json_ready


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the process umask (``mkstemp`` would leave 0o600).

    Read once at import: setting and restoring the umask is process-wide, so it is not done per write.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


NEW_FILE_MODE = _new_file_mode()


@contextmanager
def atomic_text_file(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Write a text file that readers see whole or not at all.

    The stream goes to a hidden temporary sibling of ``path`` (same filesystem, so the final rename is atomic on
    POSIX); on success the file gets ordinary permissions and is renamed into place, on failure it is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        os.chmod(temporary, NEW_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, document: object) -> None:
    """Write ``document`` as JSON to ``path`` atomically (see :func:`atomic_text_file`)."""
    with atomic_text_file(path) as stream:
        json.dump(json_ready(document), stream, indent=2, allow_nan=False)
        stream.write("\n")
