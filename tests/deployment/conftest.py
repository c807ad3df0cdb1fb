"""Deployment fixtures: the sandbox CLI as its own process, and Airflow's components on PostgreSQL.

Everything here is started as a user would start it (separate processes, configuration through the environment)
and stopped by the fixture that started it, on failure too.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_clarify.sandbox.servers import free_port
from tests.deployment.processes import PostgresServer
from tests.integration.test_report_render import chromium  # noqa: F401  (the shared Chromium fixture)

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "sample_data" / "adult"
FEATURES = ["age", "education_num", "hours_per_week", "capital_gain", "capital_loss", "married", "sex"]
LABEL = "income_gt_50k"


class SandboxProcess:
    """``python -m airflow_provider_clarify.sandbox`` running in its own process; ``state`` is its state file."""

    def __init__(self, process: subprocess.Popen[str], state: dict[str, Any], log_path: Path) -> None:
        self.process = process
        self.state = state
        self.log_path = log_path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_sandbox(workdir: Path, *args: str, timeout: float = 90) -> Iterator[SandboxProcess]:
    """Start the sandbox CLI with ``args`` (free ports, a state file), yield once it is ready, SIGTERM it after."""
    state_file = workdir / "sandbox-state.json"
    log_path = workdir / "sandbox.log"
    command = [
        sys.executable,
        "-m",
        "airflow_provider_clarify.sandbox",
        "--s3-port",
        "0",
        "--sagemaker-port",
        "0",
        "--state-file",
        str(state_file),
        *args,
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + timeout
        while not state_file.is_file() or not state_file.read_text().strip().endswith("}"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield SandboxProcess(process, json.loads(state_file.read_text()), log_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def candidate_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small scikit-learn model of the sample, saved as joblib: the sandbox's SageMaker model 'adult-candidate'."""
    import joblib
    import pandas as pd
    from sklearn.ensemble import GradientBoostingClassifier

    train = pd.read_csv(SAMPLE / "train.csv")
    model = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0)
    path = tmp_path_factory.mktemp("models") / "candidate.joblib"
    joblib.dump(model.fit(train[FEATURES], train[LABEL]), path)
    return path


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(free_port(), Path(tempfile.mkdtemp(prefix="clarify-pg-logs-")))
    try:
        yield server.start()
    finally:
        server.stop()


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc; zombies left out)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
