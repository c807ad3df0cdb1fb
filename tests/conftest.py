"""Session-wide test set-up shared by unit and integration tests.

Airflow reads its configuration when it is first imported, so the environment that points it at a throw-away
``AIRFLOW_HOME`` (SQLite metadata DB, no examples) is set here, at collection time, before any test module can
import Airflow. Unit tests never touch the DB; integration tests migrate it once per session
(tests/integration/conftest.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


def _isolate_environment() -> None:
    home = Path(tempfile.mkdtemp(prefix="clarify-airflow-home-"))
    (home / "dags").mkdir()
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # No test may reach a real AWS account: credentials are fake and no profile is read.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
            "MPLBACKEND": "Agg",
        }
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)


_isolate_environment()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test by the folder it lives in, so `-m unit` / `-m integration` select whole layers."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO_ROOT / "tests").parts
        if parts[0] in ("integration", "dags"):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def adult_csv() -> Path:
    """UCI Adult (CC BY 4.0) as shipped beside the repository in shared/datasets."""
    path = SHARED_DIR / "datasets" / "adult.csv"
    if not path.exists():
        pytest.fail(f"{path} is missing: the repository expects shared/ beside it (as in CI)")
    return path
