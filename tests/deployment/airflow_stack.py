"""Airflow as users deploy it: api-server, scheduler, dag-processor and triggerer as four separate processes,
LocalExecutor, a PostgreSQL metadata DB, and DAGs driven through the public REST API (``/api/v2``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from tests.deployment.processes import ManagedProcess, wait_for_http

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# 64 bytes and more: each component warns about a shorter secret (and the compose file's test checks the same).
JWT_SECRET = "clarify-deployment-test-jwt-secret-shared-by-every-component-0123456789"
TERMINAL = {"success", "failed"}


def airflow_environment(
    *, home: Path, dags_folder: Path, database_url: str, api_port: int, extra: Mapping[str, str]
) -> dict[str, str]:
    """The configuration every component shares, through the environment as a container deployment sets it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "PYTEST_")) and key != "AIRFLOW_HOME"
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": JWT_SECRET,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            # Pick new DAG files up quickly and schedule promptly: the test waits for both.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "MPLBACKEND": "Agg",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


class AirflowStack:
    """The four components on one metadata DB; ``api`` calls the REST API with a token of the auth manager."""

    def __init__(self, home: Path, env: Mapping[str, str], api_port: int) -> None:
        self.home = home
        self.env = dict(env)
        self.base_url = f"http://127.0.0.1:{api_port}"
        self.processes: dict[str, ManagedProcess] = {}
        self._session = requests.Session()

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, timeout: float = 180) -> AirflowStack:
        migrated = self.airflow("db", "migrate", timeout=600)
        if migrated.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed: {migrated.stderr[-3000:]}")
        airflow = str(Path(sys.executable).with_name("airflow"))
        for component in COMPONENTS:
            self.processes[component] = ManagedProcess(component, [airflow, component], self.home, self.env)
        wait_for_http(f"{self.base_url}/api/v2/version", timeout, self.processes["api-server"])
        token = self._session.get(f"{self.base_url}/auth/token", timeout=30)
        token.raise_for_status()
        self._session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return self

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{process.tail(2500)}" for name, process in self.processes.items())

    # REST API ---------------------------------------------------------------------------------------------------

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, f"{self.base_url}/api/v2{path}", timeout=60, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else None

    def wait_for_dags(self, dag_ids: set[str], timeout: float = 180) -> None:
        """Until the dag-processor has parsed every DAG and the API lists it."""
        deadline = time.monotonic() + timeout
        seen: set[str] = set()
        while time.monotonic() < deadline:
            for component, process in self.processes.items():
                assert process.alive(), f"{component} exited:\n{process.tail()}"
            seen = {dag["dag_id"] for dag in self.api("GET", "/dags", params={"limit": 100})["dags"]}
            if dag_ids <= seen:
                return
            time.sleep(1)
        raise AssertionError(f"DAGs {dag_ids - seen} not parsed in {timeout} s:\n{self.logs()}")

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.api(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": dict(conf or {})}
        )
        return str(run["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in TERMINAL:
                return state
            time.sleep(2)
        raise AssertionError(
            f"{dag_id} {run_id} still {state} after {timeout} s: {self.task_states(dag_id, run_id)}\n{self.logs()}"
        )

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(
            self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 200})[
                "task_instances"
            ]
        )

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        states = {}
        for ti in self.task_instances(dag_id, run_id):
            key = ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]"
            states[key] = str(ti["state"])
        return states

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        entry = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"deserialize": True, "stringify": False},
        )
        return entry["value"]

    def extra_links(self, dag_id: str, run_id: str, task_id: str) -> dict[str, str | None]:
        return dict(
            self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/links")["extra_links"]
        )

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        response = self._session.get(
            f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            headers={"Accept": "text/plain"},
            params={"full_content": True},
            timeout=60,
        )
        return response.text
