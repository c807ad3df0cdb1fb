"""Run a DAG file for real with ``dag.test()`` and read back what happened (task states, XComs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _link_into_dags_folder(dag_file: Path) -> Path:
    """Make ``dag_file`` the only file in the configured DAGs folder.

    Airflow 3's ``dag.test()`` serializes the DAG from the configured DAGs-folder bundle, so a DAG parsed from
    anywhere else fails with "not serialized". A symlink keeps the real file (and its ``__file__``-relative
    resources after ``resolve()``) where it is, and keeping it alone keeps each run's parse small.
    """
    folder = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    for entry in folder.iterdir():
        if entry.is_symlink():
            entry.unlink()
    link = folder / dag_file.name
    link.symlink_to(dag_file.resolve())
    return link


def load_dag(dag_file: Path, dag_id: str):
    """Parse ``dag_file`` with Airflow's own DagBag and return the DAG, failing loudly on import errors."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(_link_into_dags_folder(dag_file)))
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not found in {dag_file}; found {sorted(bag.dag_ids)}"
    return dag


def run_dag(dag_file: Path, dag_id: str, conf: dict[str, Any] | None = None) -> DagRunOutcome:
    """``dag.test()`` the DAG (optionally with a run conf) and collect the outcome for assertions."""
    dag = load_dag(dag_file, dag_id)
    dag_run = dag.test(run_conf=conf) if conf is not None else dag.test()
    return DagRunOutcome(dag_run)


class DagRunOutcome:
    """What a finished DAG run left in the metadata DB: its state, each task's state and XCom values."""

    def __init__(self, dag_run: Any) -> None:
        self.dag_run = dag_run
        self.state = str(dag_run.state)
        self.dag_id = dag_run.dag_id
        self.run_id = dag_run.run_id

    def task_states(self) -> dict[str, str]:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = (
                session.query(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state)
                .filter(TaskInstance.dag_id == self.dag_id, TaskInstance.run_id == self.run_id)
                .all()
            )
        states: dict[str, str] = {}
        for task_id, map_index, state in rows:
            key = task_id if map_index < 0 else f"{task_id}[{map_index}]"
            states[key] = str(state) if state is not None else "none"
        return states

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session

        with create_session() as session:
            row = (
                session.query(XComModel)
                .filter(
                    XComModel.dag_id == self.dag_id,
                    XComModel.run_id == self.run_id,
                    XComModel.task_id == task_id,
                    XComModel.key == key,
                    XComModel.map_index == map_index,
                )
                .one_or_none()
            )
            if row is None:
                raise KeyError(f"no XCom {key!r} from {task_id!r} in run {self.run_id}")
            return XComModel.deserialize_value(row)

    # --- sharded runs: how often each mapped task instance ran ---
    def try_numbers(self, task_id: str) -> dict[int, int]:
        """map index → the try number of each instance of the (mapped) task ``task_id``."""
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = (
                session.query(TaskInstance.map_index, TaskInstance.try_number)
                .filter(
                    TaskInstance.dag_id == self.dag_id,
                    TaskInstance.run_id == self.run_id,
                    TaskInstance.task_id == task_id,
                )
                .all()
            )
        return {int(map_index): int(try_number) for map_index, try_number in rows}

    # --- end sharded runs ---
