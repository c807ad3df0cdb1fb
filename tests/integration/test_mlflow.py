"""ClarifyMlflowOperator against a real ``mlflow server`` on loopback (SQLite store), read back with MLflow's client.

Expected values are counted by hand from the CSV built here (facet sex = Female is the sensitive group):
10 women, 3 with income >50K, 2 predicted >50K; 30 men, 12 with >50K, 15 predicted >50K:
CI = (30 - 10) / 40 = 0.5; DPL = 12/30 - 3/10 = 0.1; DI = (2/10) / (15/30) = 0.4; DPPL = 15/30 - 2/10 = 0.3.
"""

from __future__ import annotations

import json
import os
import types
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_clarify.operators.mlflow import ClarifyMlflowError, ClarifyMlflowOperator
from tests.integration.airflow_runs import load_dag, run_dag
from tests.integration.mlflow_server import MlflowServer
from tests.integration.servers import LOOPBACK, free_port

EXPECTED_METRICS = {
    "bias/pre_training/CI/sex/Female": 0.5,
    "bias/pre_training/DPL/sex/Female": 0.1,
    "bias/post_training/DI/sex/Female": 0.4,
    "bias/post_training/DPPL/sex/Female": 0.3,
}
# The config of tests/integration/dags/mlflow_logging.py, flattened by hand as the docs describe.
EXPECTED_PARAMS = {
    "config/dataset_type": "text/csv",
    "config/label": "income",
    "config/label_values_or_threshold": '[">50K"]',
    "config/facet/0/name_or_index": "sex",
    "config/facet/0/value_or_threshold": '["Female"]',
    "config/predicted_label": "prediction",
    "config/methods/pre_training_bias/methods": '["CI","DPL"]',
    "config/methods/post_training_bias/methods": '["DI","DPPL"]',
    "config/methods/report/name": "report",
    "config/methods/report/title": "MLflow test",
}
DATES = ("2024-01-01", "2024-01-02", "2024-01-03")


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = MlflowServer(tmp_path_factory.mktemp("mlflow")).start()
    yield server
    server.stop()


def _connection(url: str, **extra: object) -> str:
    host = url.removeprefix("http://")
    return json.dumps({"conn_type": "http", "host": host, "schema": "http", "extra": extra})


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    def rows(sex: str, count: int, positives: int, predicted: int) -> list[str]:
        return [
            f"{30 + i},{sex},{'>50K' if i < positives else '<=50K'},{'>50K' if i < predicted else '<=50K'}"
            for i in range(count)
        ]

    path = tmp_path / "adult.csv"
    lines = ["age,sex,income,prediction", *rows("Female", 10, 3, 2), *rows("Male", 30, 12, 15)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_for(client, experiment_id: str, date: str):
    runs = client.search_runs([experiment_id], filter_string=f"tags.`airflow.logical_date` LIKE '{date}%'")
    assert len(runs) == 1, [r.info.run_name for r in runs]
    return runs[0]


def test_a_backfill_logs_one_run_per_logical_date_with_the_results_values(
    test_dags_dir, mlflow_server, sample_csv, tmp_path, monkeypatch
):
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_TEST", _connection(mlflow_server.url))
    dag = load_dag(test_dags_dir / "mlflow_logging.py", "clarify_mlflow")
    conf = {"dataset": str(sample_csv), "output": str(tmp_path / "out")}
    for date in DATES:
        logical_date = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
        assert str(dag.test(logical_date=logical_date, run_conf=conf).state) == "success"

    client = MlflowClient(tracking_uri=mlflow_server.url)
    experiment = client.get_experiment_by_name("clarify-tests")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == [f"clarify_mlflow {d}" for d in DATES]
    for date in DATES:
        run = _run_for(client, experiment.experiment_id, date)
        assert run.info.status == "FINISHED"
        assert run.data.metrics == pytest.approx(EXPECTED_METRICS, abs=1e-12)
        assert run.data.params == EXPECTED_PARAMS
        assert run.data.tags["airflow.dag_id"] == "clarify_mlflow"
        assert run.data.tags["airflow.task_id"] == "log_to_mlflow"
        assert run.data.tags["clarify.engine"] == "local"
        history = client.get_metric_history(run.info.run_id, "bias/post_training/DI/sex/Female")
        midnight = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
        assert [m.timestamp for m in history] == [int(midnight.timestamp() * 1000)]

        artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "clarify")}
        assert {"clarify/analysis.json", "clarify/report.html"} <= artifacts
        published = tmp_path / "out" / date / "analysis.json"
        downloaded = client.download_artifacts(run.info.run_id, "clarify/analysis.json", str(tmp_path))
        assert Path(downloaded).read_bytes() == published.read_bytes()
        assert run.data.tags["clarify.analysis_uri"] == str(published)


def test_a_retried_task_completes_its_run_instead_of_adding_one(
    mlflow_server, sample_csv, tmp_path, monkeypatch
):
    """A retry is the same task instance (DAG, task, run id, map index) executing again."""
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_TEST", _connection(mlflow_server.url))
    result = _local_result(sample_csv, tmp_path)
    ti = types.SimpleNamespace(dag_id="retried", task_id="log", run_id="scheduled__2024-02-01", map_index=3)
    context = {"ti": ti, "logical_date": datetime(2024, 2, 1, tzinfo=timezone.utc)}
    operator = ClarifyMlflowOperator(
        task_id="log", result=result, mlflow_conn_id="mlflow_test", experiment_name="clarify-retries"
    )
    tries = [operator.execute(context) for _ in range(2)]

    assert [t["reused_run"] for t in tries] == [False, True]
    assert tries[0]["run_id"] == tries[1]["run_id"]
    client = MlflowClient(tracking_uri=mlflow_server.url)
    experiment = client.get_experiment_by_name("clarify-retries")
    [run] = client.search_runs([experiment.experiment_id])
    assert (run.info.run_name, run.info.status) == ("retried 2024-02-01 [3]", "FINISHED")
    assert run.data.metrics == pytest.approx(EXPECTED_METRICS, abs=1e-12)


def _local_result(sample_csv: Path, tmp_path: Path) -> dict:
    from airflow_provider_clarify.operators.local import LocalClarifyOperator
    from tests.integration.dags.mlflow_logging import CONFIG

    config = {**CONFIG, "methods": {k: v for k, v in CONFIG["methods"].items() if k != "report"}}
    return LocalClarifyOperator(
        task_id="bias", config=config, dataset_uri=str(sample_csv), output_uri=str(tmp_path / "out")
    ).execute({})


@pytest.fixture
def unreachable(monkeypatch) -> str:
    """A connection to a loopback port nobody listens on (no retries: the refusal is immediate)."""
    url = f"http://{LOOPBACK}:{free_port()}"
    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_TEST", _connection(url, max_retries=0, request_timeout=5))
    return url


def test_an_unreachable_server_fails_only_the_logging_step(test_dags_dir, sample_csv, tmp_path, unreachable):
    conf = {"dataset": str(sample_csv), "output": str(tmp_path / "out")}
    outcome = run_dag(test_dags_dir / "mlflow_logging.py", "clarify_mlflow", conf=conf)

    assert outcome.task_states() == {"bias_analysis": "success", "log_to_mlflow": "failed"}
    result = outcome.xcom("bias_analysis")  # the analysis result stays where it was
    assert Path(result["analysis_uri"]).is_file()


def test_best_effort_warns_and_the_run_succeeds(test_dags_dir, sample_csv, tmp_path, unreachable):
    conf = {"dataset": str(sample_csv), "output": str(tmp_path / "out")}
    outcome = run_dag(test_dags_dir / "mlflow_logging.py", "clarify_mlflow_best_effort", conf=conf)

    assert outcome.task_states() == {"bias_analysis": "success", "log_to_mlflow": "success"}
    logged = outcome.xcom("log_to_mlflow")
    assert logged["logged"] is False
    assert unreachable in logged["error"]
    assert "The Clarify result is unaffected" in logged["error"]


def test_the_error_names_the_server_the_connection_and_the_result(sample_csv, tmp_path, unreachable):
    result = _local_result(sample_csv, tmp_path)
    ti = types.SimpleNamespace(dag_id="d", task_id="log", run_id="r", map_index=-1)
    operator = ClarifyMlflowOperator(task_id="log", result=result, mlflow_conn_id="mlflow_test")
    with pytest.raises(ClarifyMlflowError) as raised:
        operator.execute({"ti": ti, "logical_date": datetime(2024, 1, 1, tzinfo=timezone.utc)})
    message = str(raised.value)
    assert f"MLflow logging to {unreachable} (connection 'mlflow_test') failed" in message
    assert (
        f"The Clarify result is unaffected: analysis.json at {tmp_path / 'out' / 'analysis.json'}" in message
    )
    assert os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES") is None  # the client settings were restored
