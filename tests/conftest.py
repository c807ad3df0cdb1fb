"""Session-wide test set-up shared by unit and integration tests.

Airflow reads its configuration when it is first imported, so the environment that points it at a throw-away
``AIRFLOW_HOME`` (SQLite metadata DB, no examples) is set here, at collection time, before any test module can
import Airflow. Unit tests never touch the DB; integration tests migrate it once per session
(tests/integration/conftest.py).
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ADULT_GZ = REPO_ROOT / "sample_data" / "uci-adult" / "adult.csv.gz"


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
    """Mark every test by the folder it lives in, so `-m unit` / `-m integration` / `-m deployment` select whole
    layers."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO_ROOT / "tests").parts
        if parts[0] in ("integration", "dags"):
            item.add_marker(pytest.mark.integration)
        elif parts[0] == "deployment":
            item.add_marker(pytest.mark.deployment)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def adult_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """UCI Adult (CC BY 4.0), the full 48,842 rows, decompressed from the copy the repository ships
    (``sample_data/uci-adult/adult.csv.gz``, attribution in sample_data/README.md) into a session folder."""
    path = tmp_path_factory.mktemp("uci-adult") / "adult.csv"
    with gzip.open(ADULT_GZ, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    return path
