"""The processing image (``Dockerfile``): checked statically, and its entrypoint run as the container would run it.

There is no Docker engine here, so the Dockerfile is parsed with the official BuildKit parser (PyPI's
``dockerfile``) and its facts are checked: a pinned base image, only existing files copied, the engine's
requirements being the provider's minus Airflow, and ENTRYPOINT = the engine CLI, exactly the command the sandbox
runs. Then that ENTRYPOINT runs with no arguments in a private mount namespace whose ``/opt`` is a temp folder
holding ``/opt/ml/processing`` — the container layout, with Airflow made unimportable — and writes the results a
Clarify container writes, or the ``failure`` file.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dockerfile
import pandas as pd
import pytest
from packaging.requirements import Requirement

from airflow_provider_clarify.engine.__main__ import CONTAINER_CONFIG, CONTAINER_DATA, CONTAINER_OUTPUT
from airflow_provider_clarify.sandbox.container import CONTAINER_ENTRYPOINT, entrypoint_command
from tests.deployment.conftest import LABEL, REPO_ROOT, SAMPLE

DOCKERFILE = REPO_ROOT / "Dockerfile"
PINNED_TAG = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+-[\w.-]+$|@sha256:[0-9a-f]{64}$")
BLOCK_AIRFLOW = """
import importlib.abc, sys
class _NoAirflow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "airflow" or name.startswith("airflow."):
            raise ImportError(f"{name}: Airflow is not installed in the processing image")
sys.meta_path.insert(0, _NoAirflow())
"""


@pytest.fixture(scope="module")
def instructions() -> list:
    return list(dockerfile.parse_file(str(DOCKERFILE)))


def args_of(instructions: list) -> dict[str, str]:
    found = {}
    for instruction in instructions:
        if instruction.cmd == "ARG":
            for value in instruction.value:
                name, _, default = value.partition("=")
                found[name] = default
    return found


def test_base_image_is_pinned(instructions):
    [base] = [i for i in instructions if i.cmd == "FROM"]
    image = base.value[0]
    reference = re.sub(r"\$\{(\w+)\}", lambda m: args_of(instructions)[m.group(1)], image)
    assert PINNED_TAG.search(reference), f"base image {reference!r} is not a fixed release (or digest)"
    assert "latest" not in reference


def test_only_existing_files_are_copied(instructions):
    for instruction in instructions:
        if instruction.cmd == "COPY":
            for source in instruction.value[:-1]:
                assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the build context"


def test_entrypoint_is_the_engine_cli_and_exactly_what_the_sandbox_runs(instructions):
    entrypoints = [i for i in instructions if i.cmd == "ENTRYPOINT"]
    assert len(entrypoints) == 1 and entrypoints[0].json, "ENTRYPOINT must be one exec-form (JSON) list"
    assert list(entrypoints[0].value) == list(CONTAINER_ENTRYPOINT)
    assert not [i for i in instructions if i.cmd == "CMD"], "no CMD: the engine runs with no arguments"
    # The sandbox runs that entrypoint with the container paths spelled out; re-rooted at "/" they are the
    # engine's own defaults, so both run the same program on the same layout.
    command = entrypoint_command(Path("/"), python="python")
    assert command[: len(CONTAINER_ENTRYPOINT)] == list(CONTAINER_ENTRYPOINT)
    assert command[len(CONTAINER_ENTRYPOINT) :] == [
        "--config",
        str(CONTAINER_CONFIG),
        "--dataset",
        str(CONTAINER_DATA),
        "--output",
        str(CONTAINER_OUTPUT),
    ]


def test_engine_requirements_are_the_providers_without_airflow(instructions, tmp_path):
    """The RUN line's own command (run here, verbatim) lists install_requires minus apache-airflow*; compared
    with the installed distribution's metadata, not with setup.cfg read the same way."""
    [run] = [i for i in instructions if i.cmd == "RUN" and "engine-requirements.txt" in i.value[0]]
    script = run.value[0].split(" > /tmp/engine-requirements.txt")[0]
    done = subprocess.run(["sh", "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    listed = {Requirement(line).name for line in done.stdout.splitlines()}
    declared = {
        Requirement(text).name
        for text in importlib.metadata.requires("airflow-provider-clarify") or []
        if "extra ==" not in text
    }
    assert listed == {name for name in declared if not name.startswith("apache-airflow")}
    assert "pandas" in listed and not any(name.startswith("apache-airflow") for name in listed)
    assert "--constraint" in run.value[0] and "pip install --no-deps ." in run.value[0]


def namespace_available() -> bool:
    return bool(shutil.which("unshare")) and (
        subprocess.run(["unshare", "--mount", "--map-root-user", "true"], capture_output=True).returncode == 0
    )


def run_entrypoint_in_container_layout(opt: Path, entrypoint: list[str]) -> subprocess.CompletedProcess[str]:
    """``entrypoint`` with no arguments, in a mount namespace where ``opt`` is mounted on /opt."""
    blocker = opt.parent / "no-airflow"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCK_AIRFLOW)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "PYTHONPATH": str(blocker),
        "HOME": str(opt.parent),
        "MPLBACKEND": "Agg",
    }
    return subprocess.run(
        [
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-c",
            'mount --bind "$0" /opt && exec "$@"',
            str(opt),
            *entrypoint,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def lay_out(opt: Path, config: dict) -> Path:
    processing = opt / "ml" / "processing"
    (processing / "input" / "config").mkdir(parents=True)
    (processing / "input" / "data").mkdir(parents=True)
    (processing / "input" / "config" / "analysis_config.json").write_text(json.dumps(config))
    shutil.copyfile(SAMPLE / "validation.csv", processing / "input" / "data" / "validation.csv")
    return processing


@pytest.mark.skipif(not namespace_available(), reason="needs unshare with user and mount namespaces")
def test_the_entrypoint_without_arguments_analyses_the_container_layout(instructions, tmp_path):
    [entrypoint] = [list(i.value) for i in instructions if i.cmd == "ENTRYPOINT"]
    config = {
        "version": "1.0",
        "dataset_type": "text/csv",
        "label": LABEL,
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
    }
    processing = lay_out(tmp_path / "opt", config)
    done = run_entrypoint_in_container_layout(tmp_path / "opt", entrypoint)
    assert done.returncode == 0, done.stderr[-3000:]

    analysis = json.loads((processing / "output" / "analysis.json").read_text())
    [group] = analysis["pre_training_bias_metrics"]["facets"]["sex"]
    values = {m["name"]: m["value"] for m in group["metrics"]}
    data = pd.read_csv(SAMPLE / "validation.csv")
    women, men = data[data["sex"] == 0], data[data["sex"] != 0]
    assert values["CI"] == pytest.approx((len(men) - len(women)) / len(data), abs=1e-12)
    assert values["DPL"] == pytest.approx(men[LABEL].mean() - women[LABEL].mean(), abs=1e-12)
    assert not (processing / "output" / "failure").exists()


@pytest.mark.skipif(not namespace_available(), reason="needs unshare with user and mount namespaces")
def test_the_entrypoint_writes_the_failure_file_for_a_bad_config(instructions, tmp_path):
    [entrypoint] = [list(i.value) for i in instructions if i.cmd == "ENTRYPOINT"]
    config = {
        "version": "1.0",
        "dataset_type": "text/csv",
        "label": "no_such_column",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "methods": {"pre_training_bias": {"methods": ["CI"]}},
    }
    processing = lay_out(tmp_path / "opt", config)
    done = run_entrypoint_in_container_layout(tmp_path / "opt", entrypoint)
    assert done.returncode == 1
    reason = (processing / "output" / "failure").read_text().strip()
    assert reason.startswith("ClientError: ") and "no_such_column" in reason
    assert reason in done.stderr
    assert sorted(p.name for p in (processing / "output").iterdir()) == ["failure"]
