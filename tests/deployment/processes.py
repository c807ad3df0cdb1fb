"""Servers the deployment tests start as separate processes: PostgreSQL and Airflow's four components.

Every process is started in its own session (process group), so stopping it also stops what it spawned (the
api-server's workers, the LocalExecutor's task processes, the triggerer's runner); ``stop()`` sends SIGTERM to
the group, then SIGKILL to whatever is left after a grace period.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

POSTGRES_USER = "postgres"  # the OS account Debian's package creates; postgres refuses to run as root


class ManagedProcess:
    """One child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, command: Sequence[str], log_dir: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                list(command), stdout=log, stderr=subprocess.STDOUT, env=dict(env), start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM to the whole group, SIGKILL after ``grace`` seconds; the group is gone when this returns."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and group_alive(self.process.pid):
                self.process.poll()
                time.sleep(0.2)
            if not group_alive(self.process.pid):
                break
        self.process.poll()


def group_alive(pgid: int) -> bool:
    """Whether any process of process group ``pgid`` is still running (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            return True
    return False


def ensure_debian_package(binary_glob: str, package: str) -> Path:
    """The binary, installing Debian's ``package`` first when it is missing and we are root (as in CI)."""
    found = sorted(Path("/").glob(binary_glob.lstrip("/")))
    if found:
        return found[-1]
    if os.geteuid() != 0:
        raise RuntimeError(
            f"{package} is needed: run `apt-get update && apt-get install -y {package}` as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    found = sorted(Path("/").glob(binary_glob.lstrip("/")))
    if not found:
        raise RuntimeError(f"{package} installed but {binary_glob} is still missing")
    return found[-1]


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (Debian's server binaries, run as the postgres account)."""

    def __init__(self, port: int, log_dir: Path) -> None:
        self.port = port
        self.log_dir = log_dir
        self.root = Path(tempfile.mkdtemp(prefix="clarify-pg-", dir="/tmp"))
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://airflow:airflow@127.0.0.1:{self.port}/airflow"

    def _as_postgres(self, *command: str) -> list[str]:
        return ["runuser", "-u", POSTGRES_USER, "--", *command] if os.geteuid() == 0 else list(command)

    def start(self, timeout: float = 60.0) -> PostgresServer:
        postgres = ensure_debian_package("/usr/lib/postgresql/*/bin/postgres", "postgresql")
        bin_dir = postgres.parent
        data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, POSTGRES_USER)
        password_file = self.root / "password"
        password_file.write_text("airflow\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, POSTGRES_USER)
        done = subprocess.run(
            self._as_postgres(
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "airflow",
                f"--pwfile={password_file}",
                "--auth=md5",
                "--encoding=UTF8",
            ),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
        self.process = ManagedProcess(
            "postgres",
            self._as_postgres(
                str(postgres),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                # A test database: durability is not the point, speed on a 2-core machine is.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ),
            self.log_dir,
            {**os.environ, "PGPASSWORD": "airflow"},
        )
        deadline = time.monotonic() + timeout
        env = {**os.environ, "PGPASSWORD": "airflow"}
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "airflow"],
                capture_output=True,
                env=env,
                check=False,
            )
            if ready.returncode == 0:
                break
            if not self.process.alive():
                raise RuntimeError(f"postgres exited: {self.process.tail()}")
            time.sleep(0.3)
        else:
            raise RuntimeError(f"postgres did not accept connections in {timeout} s: {self.process.tail()}")
        created = subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "airflow", "airflow"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if created.returncode != 0:
            raise RuntimeError(f"createdb failed: {created.stderr}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for_http(url: str, timeout: float, process: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited: {process.tail()}")
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except requests.RequestException as error:
            last = str(error)
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 in {timeout} s ({last})")
