"""Work directories of killed runs are removed by the next run; a live run's never are (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from airflow_provider_clarify.outputs.workdirs import (
    LOCKLESS_GRACE_SECONDS,
    create_workdir,
    remove_abandoned,
)

_HOLD = """
import sys, time
from pathlib import Path
from airflow_provider_clarify.outputs.workdirs import create_workdir
workdir = create_workdir(".clarify-local-", Path(sys.argv[1]))
(workdir.path / "partial.csv").write_text("half a file")
print(workdir.path, flush=True)
time.sleep(600)
"""


def _holder(parent: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen([sys.executable, "-c", _HOLD, str(parent)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_killed_owners_directory_is_removed_and_a_live_owners_kept(tmp_path):
    killed, killed_dir = _holder(tmp_path)
    alive, alive_dir = _holder(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        mine = create_workdir(".clarify-local-", tmp_path)  # this process's own, held while we look
        assert remove_abandoned(".clarify-local-", tmp_path) == [killed_dir]
        assert not killed_dir.exists()
        assert alive_dir.is_dir() and mine.path.is_dir()
    finally:
        alive.kill()
        alive.wait(timeout=30)
    assert remove_abandoned(".clarify-local-", tmp_path) == [alive_dir]  # its owner is gone now
    mine.remove()
    assert list(tmp_path.iterdir()) == []


def test_directories_without_a_lock_are_judged_by_age(tmp_path):
    old, new = tmp_path / ".clarify-local-old", tmp_path / ".clarify-local-new"
    old.mkdir()
    new.mkdir()
    hour_ago = time.time() - LOCKLESS_GRACE_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    (tmp_path / ".clarify-local-file").write_text("not a directory: never touched")
    (tmp_path / "clarify-output").mkdir()  # another prefix: never touched
    assert remove_abandoned(".clarify-local-", tmp_path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".clarify-local-file",
        ".clarify-local-new",
        "clarify-output",
    ]
