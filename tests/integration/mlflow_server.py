"""A real MLflow tracking server on loopback: ``mlflow server`` with a SQLite backend store and a local artifact
destination (artifacts are served through the server, as in a team deployment), on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.integration.servers import LOOPBACK, free_port

STARTUP_SECONDS = (
    240  # the first start migrates a new SQLite store; on a busy 2-core machine that takes a while
)


class MlflowServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = ""
        self.log_path = data_dir / "mlflow-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> MlflowServer:
        port = free_port()
        self.url = f"http://{LOOPBACK}:{port}"
        command = [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{self.data_dir / 'mlflow.db'}",
            "--artifacts-destination",
            str(self.data_dir / "artifacts"),
        ]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir, start_new_session=True
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {STARTUP_SECONDS} s: {self.log_path}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)  # the server and its worker: the group it leads
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
