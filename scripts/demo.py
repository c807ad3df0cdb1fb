"""``make demo``: run the deploy-gate example DAG end to end on the bundled sample and print what it decided.

    python scripts/demo.py [--conf '{"min_di": 0.8}']

What happens, and why this way:

* An Airflow home under the repository (``.airflow-demo/``, gitignored) with a SQLite metadata DB, so nothing
  outside the checkout is touched and a second run reuses it. Airflow reads its configuration when first
  imported, so the environment is set before anything imports ``airflow``.
* The DAGs folder is the repository's ``dags/``: Airflow 3's ``dag.test()`` only runs DAGs it can find there.
* ``airflow db migrate`` runs in-process, only when the DB is new or was made by another Airflow version (a stamp
  file remembers), which keeps the second run fast.
* Airflow's own log lines (DAG parsing, task logs) go to ``.airflow-demo/demo.log`` instead of the terminal;
  the terminal gets the gate's decision, the key metrics and where the HTML report is.

The exit status is 0 when the DAG ran as designed (gate passed and the model was deployed, or the gate blocked
the deploy), and 1 when any other task failed (the log file says why).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]
DEMO_HOME = REPO_DIR / ".airflow-demo"
DAGS_DIR = REPO_DIR / "dags"
DAG_ID = "clarify_deploy_gate"
DAG_FILE = DAGS_DIR / f"{DAG_ID}.py"
LOG_FILE = DEMO_HOME / "demo.log"
# Metrics shown first in the table (the gate's two), then the rest of the post-training metrics by name.
KEY_METRICS = ("DI", "DPPL")


def configure_environment(home: Path = DEMO_HOME) -> None:
    """Point Airflow at the demo home before it is imported (Airflow reads config at import time)."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "CLARIFY_EXAMPLES_OUTPUT": str(home / "output"),
            "MPLBACKEND": "Agg",
            # The demo never talks to AWS: make sure no real credentials or profile are picked up by accident.
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
    )


@contextlib.contextmanager
def output_to(log_file: Path) -> Iterator[None]:
    """Send everything written to stdout/stderr (Python and subprocesses alike) to ``log_file`` meanwhile."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def migrate_if_needed(home: Path = DEMO_HOME) -> bool:
    """``airflow db migrate`` in-process unless this home's DB was already migrated by this Airflow version."""
    import airflow
    from airflow.utils import db

    stamp = home / ".migrated-by"
    if stamp.exists() and stamp.read_text().strip() == airflow.__version__ and (home / "airflow.db").exists():
        return False
    db.initdb()
    stamp.write_text(airflow.__version__)
    return True


def run_gate_dag(conf: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    """Parse the gate DAG with Airflow's own DagBag, run it once with ``dag.test()``; return the run and params."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    if bag.import_errors:
        raise RuntimeError(f"{DAG_FILE} failed to import: {bag.import_errors}")
    dag = bag.get_dag(DAG_ID)
    dag_run = dag.test(run_conf=conf) if conf else dag.test()
    return dag_run, {**dag.params.dump(), **(conf or {})}


def shown(location: str | Path) -> str:
    """A path inside the repository as a relative path (shorter, and the same on every machine)."""
    try:
        return str(Path(location).resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(location)


def task_states(dag_run: Any) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(TaskInstance.task_id, TaskInstance.state)
            .filter(TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id)
            .all()
        )
    return {task_id: str(state) if state is not None else "none" for task_id, state in rows}


def xcom_value(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter(
                XComModel.dag_id == dag_run.dag_id,
                XComModel.run_id == dag_run.run_id,
                XComModel.task_id == task_id,
                XComModel.key == key,
            )
            .one_or_none()
        )
        return None if row is None else XComModel.deserialize_value(row)


def format_number(value: float | None) -> str:
    if value is None:
        return "error"
    return f"{value:.4f}" if abs(value) != float("inf") else ("Infinity" if value > 0 else "-Infinity")


def metrics_table(result_xcom: dict[str, Any]) -> list[str]:
    """Post-training bias metrics of the analysis (gate metrics first), as aligned text lines."""
    from airflow_provider_clarify.results import ClarifyResult

    rows = [row for row in ClarifyResult.from_xcom(result_xcom).rows() if row.stage == "post_training"]
    rows.sort(
        key=lambda row: (
            row.metric not in KEY_METRICS,
            KEY_METRICS.index(row.metric) if row.metric in KEY_METRICS else 0,
            row.metric,
        )
    )
    lines = [f"  {'metric':<7} {'facet':<12} {'value':>10}  description"]
    for row in rows:
        facet = f"{row.facet}={row.facet_value}"
        lines.append(f"  {row.metric:<7} {facet:<12} {format_number(row.value):>10}  {row.description}")
    return lines


def top_shap(result_xcom: dict[str, Any], limit: int = 5) -> list[str]:
    from airflow_provider_clarify.results import ClarifyResult

    lines = []
    for summary in ClarifyResult.from_xcom(result_xcom).shap.values():
        ranked = sorted(summary.global_shap_values.items(), key=lambda item: -abs(item[1]))[:limit]
        lines.append("  " + ", ".join(f"{name} {value:.4f}" for name, value in ranked))
    return lines


def report_path(result_xcom: dict[str, Any]) -> str | None:
    files = result_xcom.get("output_files") or {}
    items = files.items() if isinstance(files, dict) else ((str(f), f) for f in files)
    for name, location in items:
        if str(name).endswith(".html") or str(location).endswith(".html"):
            return str(location)
    return None


NEXT_STEPS = """
Next (docs/index.md):
  make sandbox                   the managed SageMaker path on loopback S3 + SageMaker, no AWS account (docs/install.md)
  python -m airflow_provider_clarify.config validate CONFIG --dataset DATA   check a config against its data (docs/cli.md)
  from airflow_provider_clarify import clarify   the SageMaker SDK's Clarify calls, local or managed (docs/migration.md)
  Assets, MLflow, alerts: docs/where-results-go.md; intervals and segments: docs/intervals.md, docs/segments.md"""
"""What the demo points at when it is done: the parts of the provider a first run does not show."""


def summarise(dag_run: Any, params: dict[str, Any], seconds: float) -> int:
    states = task_states(dag_run)
    result = xcom_value(dag_run, "analysis_result")
    gate = states.get("bias_gate")
    deployed = xcom_value(dag_run, "deploy") if states.get("deploy") == "success" else None
    unexpected = {
        task: state
        for task, state in states.items()
        if state not in ("success", "skipped") and task not in ("bias_gate", "deploy")
    }

    print(f"clarify_deploy_gate: run {dag_run.state} in {seconds:.0f} s")
    if unexpected:
        print(f"  tasks that failed before the gate decided: {unexpected}")
        print(f"  details: {shown(LOG_FILE)}")
        return 1
    if result:
        print("\nPost-training bias of the candidate on the validation set (facet sex, 0 = women):")
        print("\n".join(metrics_table(result)))
        shap_lines = top_shap(result)
        if shap_lines:
            print("\nGlobal SHAP values (mean |SHAP| of P(>50K)), top features:")
            print("\n".join(shap_lines))
    rules = f"DI >= {params['min_di']} and |DPPL| <= {params['max_abs_dppl']}"
    if gate == "success" and deployed:
        print(f"\nGate ({rules}): PASSED -> model deployed to {shown(deployed)}")
    elif gate == "failed":
        print(f"\nGate ({rules}): BLOCKED -> the model was not deployed")
        for violation in xcom_value(dag_run, "bias_gate", key="violations") or []:
            print(
                f"  {violation['metric_name']} {violation['facet']}={violation['facet_value']}: {violation['description']}"
            )
    else:
        print(
            f"\nGate decision: unknown (bias_gate {gate}, deploy {states.get('deploy')}); see {shown(LOG_FILE)}"
        )
        return 1
    report = report_path(result or {})
    print(f"HTML report: {shown(report)}" if report else "HTML report: (none written)")
    print(f"Airflow log: {shown(LOG_FILE)}")
    print(NEXT_STEPS)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the clarify_deploy_gate example DAG on embedded defaults"
    )
    parser.add_argument("--conf", default=None, help="run conf as JSON, e.g. '{\"min_di\": 0.8}'")
    args = parser.parse_args(argv)
    conf = json.loads(args.conf) if args.conf else None

    configure_environment()
    started = time.monotonic()
    print(
        f"Running {DAG_ID} with dag.test() (Airflow home {DEMO_HOME.relative_to(REPO_DIR)}/) ...", flush=True
    )
    with output_to(LOG_FILE):
        migrated = migrate_if_needed()
        dag_run, params = run_gate_dag(conf)
    if migrated:
        print("  (metadata DB created; later runs reuse it)")
    return summarise(dag_run, params, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
