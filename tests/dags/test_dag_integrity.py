"""dags/ loads in Airflow's DagBag without import errors, and parsing does no data, model or network work.

Airflow parses DAG files every few seconds in the DAG processor, so anything heavy at module level (reading the
sample, training a model, an S3 listing) would run on every parse. The parse here happens in a fresh interpreter
with Python audit hooks recording every data file opened and blocking every socket while the DagBag collects the files
(after Airflow and the provider's operator modules are imported), once on the real dags/ and once on a copy whose sample_data/ does not exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAG_IDS = {"clarify_monitoring", "clarify_deploy_gate", "clarify_backfill"}

PARSE_SCRIPT = r"""
import json, sys
from pathlib import Path

dags_dir = Path(sys.argv[1])
from airflow.dag_processing.dagbag import DagBag  # Airflow's own imports happen before the hooks
# So do the provider's: importing botocore/urllib3 probes IPv6 support with a socket, which is not the DAG's doing.
import airflow_provider_clarify.operators.clarify, airflow_provider_clarify.operators.gate  # noqa: E401
import airflow_provider_clarify.operators.local  # noqa: F401

events = []
DATA_SUFFIXES = (".csv", ".parquet", ".jsonl", ".joblib", ".pkl", ".pickle", ".png")

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        path = str(args[0])
        if path.endswith(DATA_SUFFIXES) or "sample_data" in path:
            events.append(["open", path])
    elif event.startswith("socket.") and event != "socket.gethostname":
        events.append([event, repr(args)[:200]])
        raise OSError(f"network blocked while parsing DAGs: {event}")

sys.addaudithook(hook)
heavy_before = {m for m in ("sklearn", "matplotlib.pyplot", "joblib") if m in sys.modules}
bag = DagBag(dag_folder=str(dags_dir))
heavy_after = {m for m in ("sklearn", "matplotlib.pyplot", "joblib") if m in sys.modules}
print(json.dumps({
    "dag_ids": sorted(bag.dag_ids),
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "events": events,
    "heavy_imports": sorted(heavy_after - heavy_before),
    "params": {d: sorted(bag.get_dag(d).params.keys()) for d in bag.dag_ids},
    "param_specs": {
        d: {k: {"default": p.value, "schema": p.schema} for k, p in bag.get_dag(d).params.items()}
        for d in bag.dag_ids
    },
    "managed_pre_execute": {
        d: sorted(
            t.task_id for t in bag.get_dag(d).tasks
            if t.task_type == "ClarifyOperator"
            and (t.partial_kwargs.get("pre_execute") if hasattr(t, "partial_kwargs") else t._pre_execute_hook)
        )
        for d in bag.dag_ids
    },
}, default=str))
"""


def parse_in_subprocess(dags_dir: Path) -> dict:
    env = dict(os.environ)
    env.pop("AIRFLOW_CONN_AWS_DEFAULT", None)
    env.pop("AIRFLOW_CONN_AWS_MOTO", None)
    result = subprocess.run(
        [sys.executable, "-c", PARSE_SCRIPT, str(dags_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(dags_dir.parent),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def real_parse() -> dict:
    return parse_in_subprocess(REPO_ROOT / "dags")


def test_dagbag_loads_every_example_without_import_errors(real_parse):
    assert real_parse["import_errors"] == {}
    assert set(real_parse["dag_ids"]) == DAG_IDS


def test_parsing_reads_no_data_and_opens_no_socket(real_parse):
    assert real_parse["events"] == []
    # Model and plotting libraries are imported inside tasks only.
    assert real_parse["heavy_imports"] == []


def test_every_example_switches_engine_by_one_param(real_parse):
    for dag_id in DAG_IDS:
        assert "engine" in real_parse["params"][dag_id], dag_id


def param_problems(specs: dict[str, dict]) -> list[str]:
    """Params the trigger form cannot submit as declared: a default outside its own JSON schema (checked with
    jsonschema directly, not Airflow's Param), or an empty default whose schema does not admit null — the form
    sends an empty text field as null, so ``Param("", type="string")`` is required-but-empty there."""
    problems = []
    for name, spec in specs.items():
        errors = list(jsonschema.Draft7Validator(spec["schema"]).iter_errors(spec["default"]))
        if errors:
            problems.append(f"{name}: default {spec['default']!r} invalid: {errors[0].message}")
        if spec["default"] in ("", None) and "null" not in (spec["schema"].get("type") or []):
            problems.append(f"{name}: empty default {spec['default']!r} but null is not allowed")
    return problems


def test_every_param_default_is_valid_so_the_trigger_form_can_submit(real_parse):
    for dag_id, specs in real_parse["param_specs"].items():
        assert param_problems(specs) == [], dag_id


def test_the_param_check_catches_a_required_but_empty_string():
    assert param_problems(
        {
            "model": {"default": "", "schema": {"type": "string"}},
            "day": {"default": "x", "schema": {"type": ["null", "string"], "pattern": "^\\d+$"}},
            "ok": {"default": None, "schema": {"type": ["null", "string"]}},
        }
    ) == [
        "model: empty default '' but null is not allowed",
        "day: default 'x' invalid: 'x' does not match '^\\\\d+$'",
    ]


def test_the_managed_analysis_waits_as_each_run_asks(real_parse):
    """Every example exposes deferral and the polling interval, and hooks them into its ClarifyOperator task."""
    for dag_id, specs in real_parse["param_specs"].items():
        assert specs["deferrable"]["schema"]["type"] == "boolean", dag_id
        assert specs["check_interval"]["schema"] == {"type": "number", "minimum": 1}, dag_id
        assert real_parse["managed_pre_execute"][dag_id] == ["managed_analysis"], dag_id


def test_wait_hook_applies_the_run_params_to_its_task():
    from dags.clarify_deploy_gate import wait_as_the_run_asks

    class Task:
        deferrable, check_interval = False, 30.0

    task = Task()
    wait_as_the_run_asks({"task": task, "params": {"deferrable": True, "check_interval": 2}})
    assert (task.deferrable, task.check_interval) == (True, 2.0)
    wait_as_the_run_asks({"task": task, "params": {"deferrable": False, "check_interval": 45}})
    assert (task.deferrable, task.check_interval) == (False, 45.0)


def test_dags_parse_when_the_sample_data_is_absent(tmp_path):
    copy = tmp_path / "checkout" / "dags"
    shutil.copytree(REPO_ROOT / "dags", copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert not (copy.parent / "sample_data").exists()
    parsed = parse_in_subprocess(copy)
    assert parsed["import_errors"] == {}
    assert set(parsed["dag_ids"]) == DAG_IDS
    assert parsed["events"] == []


def test_the_audit_hook_would_see_a_dag_that_reads_data(tmp_path):
    """The checks above can fail: a DAG file that reads a CSV at parse time is caught."""
    dags = tmp_path / "checkout" / "dags"
    dags.mkdir(parents=True)
    (tmp_path / "checkout" / "sample.csv").write_text("a\n1\n")
    (dags / "bad_dag.py").write_text(
        "from pathlib import Path\n"
        "import pendulum\n"
        "from airflow.sdk import DAG\n"
        "ROWS = Path(__file__).resolve().parents[1].joinpath('sample.csv').read_text()\n"
        "with DAG(dag_id='bad_dag', schedule=None, start_date=pendulum.datetime(2024, 1, 1)):\n"
        "    pass\n"
    )
    parsed = parse_in_subprocess(dags)
    assert parsed["dag_ids"] == ["bad_dag"]
    assert [event[0] for event in parsed["events"]] == ["open"]
    assert parsed["events"][0][1].endswith("sample.csv")
