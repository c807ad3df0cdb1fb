"""Asset-triggered DAG runs under test, driven through Airflow's own scheduler code.

``dag.test()`` runs a producer DAG for real, and the asset events its tasks emit go through Airflow's execution
API into the metadata DB, queueing every unpaused DAG scheduled on the asset (or alias). What ``dag.test()``
cannot do is start a consumer run *from* those events: it always creates a manual run. So the consumer run is
made the way the scheduler makes it:

1. ``DagModel.dags_needing_dagruns`` (the scheduler's query) must report the consumer as due by its assets;
2. ``SchedulerJobRunner._create_dag_runs_asset_triggered`` (the scheduler's step) creates the asset-triggered
   run with the queued events as its ``consumed_asset_events``;
3. ``dag.test()`` then executes that run: its run factory is replaced, for the call only, by one that hands back
   the scheduler-made run instead of creating a manual one. The tasks see ``triggering_asset_events`` exactly as
   under a scheduler, since the execution API serves them from the run's consumed events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

from tests.integration.airflow_runs import DagRunOutcome


def link_dag_files(*dag_files: Path) -> None:
    """Make ``dag_files`` the only files of the configured DAGs folder (symlinks to the real files)."""
    folder = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    for entry in folder.iterdir():
        if entry.is_symlink():
            entry.unlink()
    for dag_file in dag_files:
        (folder / dag_file.name).symlink_to(dag_file.resolve())


def sync_and_unpause(*dag_files: Path) -> dict[str, Any]:
    """Parse the DAGs folder (holding ``dag_files``) into the metadata DB as the DAG processor does; unpause all.

    Returns the parsed DAGs by id. A paused DAG is never queued by an asset event, and DAGs start paused.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    link_dag_files(*dag_files)
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    dags: dict[str, Any] = {}
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        assert not bag.import_errors, bag.import_errors
        sync_bag_to_db(bag, bundle.name, bundle.version)
        dags.update(bag.dags)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(list(dags))).values(is_paused=False))
    return dags


def due_by_assets() -> set[str]:
    """The DAG ids the scheduler's own query finds due because of queued asset events."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        _, triggered_by_assets = DagModel.dags_needing_dagruns(session)
        return set(triggered_by_assets)


def run_asset_triggered(dag: Any) -> DagRunOutcome:
    """Create ``dag``'s asset-triggered run with the scheduler's code and execute it with ``dag.test()``."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType
    from sqlalchemy import select

    with create_session() as session:
        model = session.scalar(select(DagModel).where(DagModel.dag_id == dag.dag_id))
        SchedulerJobRunner(job=Job())._create_dag_runs_asset_triggered(dag_models=[model], session=session)
    with create_session() as session:
        run_id = session.scalar(
            select(DagRun.run_id)
            .where(DagRun.dag_id == dag.dag_id, DagRun.run_type == DagRunType.ASSET_TRIGGERED)
            .order_by(DagRun.id.desc())
            .limit(1)
        )
    assert run_id is not None, f"the scheduler created no asset-triggered run for {dag.dag_id}"

    def scheduler_made_run(*, dag: Any, session: Any, **_: Any) -> Any:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id))
        run.state = DagRunState.RUNNING
        session.commit()
        run.dag = dag  # as DAG.create_dagrun leaves it: the run's tasks are scheduled from this DAG
        return run

    with mock.patch("airflow.models.dagrun.get_or_create_dagrun", scheduler_made_run):
        return DagRunOutcome(dag.test())
