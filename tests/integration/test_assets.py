"""Assets under real Airflow: a DAG run publishes analysis.json as an asset event whose extra is the summary, and a
second DAG scheduled on the asset alias gates that summary (run the way the scheduler runs it, see asset_runs.py).

Expected numbers are counted by hand from the CSV built here (facet sex = Female is the sensitive group d):
10 women, 3 with income >50K, 2 predicted >50K; 30 men, 12 with >50K, 15 predicted >50K.
CI = (30 - 10) / 40 = 0.5; DPL = 12/30 - 3/10 = 0.1; DI = (2/10) / (15/30) = 0.4; DPPL = 15/30 - 2/10 = 0.3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.airflow_runs import DagRunOutcome
from tests.integration.asset_runs import due_by_assets, run_asset_triggered, sync_and_unpause

EXPECTED = {
    ("pre_training", "CI"): 0.5,
    ("pre_training", "DPL"): 0.1,
    ("post_training", "DI"): 0.4,
    ("post_training", "DPPL"): 0.3,
}


def _rows(sex: str, count: int, positives: int, predicted: int) -> list[str]:
    return [
        f"{30 + i},{sex},{'>50K' if i < positives else '<=50K'},{'>50K' if i < predicted else '<=50K'}"
        for i in range(count)
    ]


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    path = tmp_path / "adult.csv"
    lines = ["age,sex,income,prediction", *_rows("Female", 10, 3, 2), *_rows("Male", 30, 12, 15)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _asset_events(source_dag_id: str) -> list[tuple[str, dict, list[str]]]:
    """(asset URI, extra, alias names) of every asset event the DAG's tasks emitted, oldest first."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent).where(AssetEvent.source_dag_id == source_dag_id).order_by(AssetEvent.id)
        ).all()
        return [(e.asset.uri, dict(e.extra), [a.name for a in e.source_aliases]) for e in events]


def _metric_values(extra: dict) -> dict[tuple[str, str], float]:
    return {
        (stage, metric["name"]): metric["value"]
        for stage, section in extra["bias"].items()
        for groups in section["facets"].values()
        for group in groups
        for metric in group["metrics"]
    }


def test_a_run_publishes_the_summary_and_a_dag_on_the_alias_gates_it(
    test_dags_dir, sample_csv, tmp_path, monkeypatch
):
    notifications = tmp_path / "notifications.jsonl"
    monkeypatch.setenv("CLARIFY_TEST_NOTIFICATIONS", str(notifications))
    dags = sync_and_unpause(test_dags_dir / "asset_producer.py", test_dags_dir / "asset_consumer.py")

    producer = dags["clarify_asset_producer"].test(
        run_conf={"dataset": str(sample_csv), "output": str(tmp_path / "out")}
    )
    assert str(producer.state) == "success"

    [(uri, extra, aliases)] = _asset_events("clarify_asset_producer")
    assert aliases == ["clarify-test-bias"]
    output_dir = next((tmp_path / "out").iterdir())
    assert uri == f"file://{output_dir}/analysis.json"
    assert Path(uri.removeprefix("file://")).is_file()
    assert _metric_values(extra) == pytest.approx(EXPECTED, abs=1e-12)
    assert extra["clarify_summary"]["complete"] is True
    assert extra["analysis_uri"] == str(output_dir / "analysis.json")
    assert len(json.dumps(extra)) < 16 * 1024

    assert "clarify_asset_consumer" in due_by_assets()
    consumer = run_asset_triggered(dags["clarify_asset_consumer"])

    assert consumer.run_id.startswith("asset_triggered__")
    # DI 0.4 is outside [0.8, 1.25]: the gate (mode skip) skips the deploy and alerts.
    assert consumer.task_states() == {"gate": "success", "deploy": "skipped"}
    assert consumer.xcom("gate", key="violations") == [
        {
            "facet": "sex",
            "facet_value": "Female",
            "metric_name": "DI",
            "constraint_check_type": "bias_threshold_check",
            "description": "Value 0.4 does not meet the constraint requirement [0.8, 1.25]",
        }
    ]
    [sent] = [json.loads(line) for line in notifications.read_text().splitlines()]
    assert "DI sex=Female: Value 0.4 does not meet the constraint requirement [0.8, 1.25]" in sent["message"]
    assert "clarify_asset_consumer.gate" in sent["message"]
    assert f"analysis.json: {output_dir / 'analysis.json'}" in sent["message"]
    assert sent["subject"] == "Clarify gate: 1 violation(s) in clarify_asset_consumer.gate"
    # The gate wrote constraint_violations.json beside the analysis the event pointed at.
    written = json.loads((output_dir / "constraint_violations.json").read_text())
    assert [v["metric_name"] for v in written["violations"]] == ["DI"]


def test_a_manual_run_of_the_consumer_fails_clearly(test_dags_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CLARIFY_TEST_NOTIFICATIONS", str(tmp_path / "notifications.jsonl"))
    dags = sync_and_unpause(test_dags_dir / "asset_consumer.py")
    outcome = DagRunOutcome(dags["clarify_asset_consumer"].test())
    assert outcome.task_states()["gate"] == "failed"
    assert not (tmp_path / "notifications.jsonl").exists()
