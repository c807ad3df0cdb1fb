"""The example DAGs run for real with ``dag.test()`` on their embedded defaults (local engine, bundled sample).

Only the output folder is redirected (``CLARIFY_EXAMPLES_OUTPUT``, read when the DAG file is parsed), so runs
never write into the checkout. Expected numbers are computed here from the sample CSVs and the saved model with
plain pandas / scikit-learn, independently of the Clarify engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest

from scripts import demo
from tests.integration.airflow_runs import run_dag

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS = REPO_ROOT / "dags"
SAMPLE = REPO_ROOT / "sample_data" / "adult"
FEATURES = ["age", "education_num", "hours_per_week", "capital_gain", "capital_loss", "married", "sex"]


@pytest.fixture
def output_root(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CLARIFY_EXAMPLES_OUTPUT", str(tmp_path))
    return tmp_path


def post_training(result: dict, metric: str) -> float:
    groups = result["bias"]["post_training"]["facets"]["sex"]
    assert len(groups) == 1
    return next(m["value"] for m in groups[0]["metrics"] if m["name"] == metric)


def pre_training(result: dict, metric: str) -> float:
    groups = result["bias"]["pre_training"]["facets"]["sex"]
    return next(m["value"] for m in groups[0]["metrics"] if m["name"] == metric)


def predicted_rates(model_file: Path, data: pd.DataFrame) -> tuple[float, float]:
    """P(ŷ=1 | women), P(ŷ=1 | men) straight from scikit-learn."""
    predicted = joblib.load(model_file).predict(data[FEATURES])
    women = (data["sex"] == 0).to_numpy()
    return predicted[women].mean(), predicted[~women].mean()


def class_imbalance(data: pd.DataFrame) -> float:
    """CI = (n_a - n_d) / (n_a + n_d) with d = women (sex 0)."""
    n_d = int((data["sex"] == 0).sum())
    n_a = len(data) - n_d
    return (n_a - n_d) / (n_a + n_d)


def test_deploy_gate_passes_and_deploys_on_defaults(output_root, capsys):
    outcome = run_dag(DAGS / "clarify_deploy_gate.py", "clarify_deploy_gate")

    assert outcome.state == "success", outcome.task_states()
    assert outcome.task_states() == {
        "train_candidate": "success",
        "choose_engine": "success",
        "local_analysis": "success",
        "managed_analysis": "skipped",
        "analysis_result": "success",
        "bias_gate": "success",
        "deploy": "success",
    }
    candidate = Path(outcome.xcom("train_candidate"))
    result = outcome.xcom("analysis_result")
    assert result["engine"] == "local"

    women, men = predicted_rates(candidate, pd.read_csv(SAMPLE / "validation.csv"))
    assert post_training(result, "DI") == pytest.approx(women / men, rel=1e-9)
    assert post_training(result, "DPPL") == pytest.approx(men - women, abs=1e-12)
    assert post_training(result, "DI") >= 0.5 and abs(post_training(result, "DPPL")) <= 0.1
    assert set(result["shap"]) and set(next(iter(result["shap"].values()))["global_shap_values"]) == set(
        FEATURES
    )

    report = Path(result["output_files"]["report.html"])
    assert report.is_file() and report.stat().st_size > 1000
    deployed = output_root / "clarify_deploy_gate" / "deployed"
    assert (deployed / "model.joblib").read_bytes() == candidate.read_bytes()
    manifest = json.loads((deployed / "manifest.json").read_text())
    assert manifest["gate"]["passed"] is True
    assert (
        json.loads(Path(result["output_uri"], "constraint_violations.json").read_text())["violations"] == []
    )


def test_deploy_gate_blocks_a_model_outside_the_four_fifths_rule(output_root, capsys):
    outcome = run_dag(DAGS / "clarify_deploy_gate.py", "clarify_deploy_gate", conf={"min_di": 0.8})

    assert outcome.state == "failed"
    states = outcome.task_states()
    assert states["local_analysis"] == "success"
    assert states["bias_gate"] == "failed"
    assert states["deploy"] == "upstream_failed"
    assert not (output_root / "clarify_deploy_gate" / "deployed").exists()
    result = outcome.xcom("analysis_result")
    violations = json.loads(Path(result["output_uri"], "constraint_violations.json").read_text())[
        "violations"
    ]
    assert [(v["metric_name"], v["facet"]) for v in violations] == [("DI", "sex")]
    assert outcome.xcom("bias_gate", key="violations") == violations

    capsys.readouterr()
    assert demo.summarise(outcome.dag_run, {"min_di": 0.8, "max_abs_dppl": 0.1}, 1.0) == 0
    printed = capsys.readouterr().out
    assert "Gate (DI >= 0.8 and |DPPL| <= 0.1): BLOCKED -> the model was not deployed" in printed
    assert f"  DI sex=0: {violations[0]['description']}" in printed


def test_monitoring_records_history_and_flags_drift_against_the_first_day(output_root):
    first = run_dag(
        DAGS / "clarify_monitoring.py", "clarify_monitoring", conf={"partition_date": "2024-01-01"}
    )
    assert first.state == "success", first.task_states()
    assert first.task_states()["flag_drift"] == "skipped"  # the first day is its own baseline: no drift

    # Embedded defaults: a manual run analyses the newest partition (2024-01-14), against the registered baseline.
    latest = run_dag(DAGS / "clarify_monitoring.py", "clarify_monitoring")
    assert latest.state == "success", latest.task_states()
    states = latest.task_states()
    assert states["managed_analysis"] == "skipped"
    assert states["flag_drift"] == "success"
    assert latest.xcom("select_partition")["ds"] == "2024-01-14"

    day1 = pd.read_csv(SAMPLE / "partitions" / "ds=2024-01-01" / "data.csv")
    day14 = pd.read_csv(SAMPLE / "partitions" / "ds=2024-01-14" / "data.csv")
    assert pre_training(latest.xcom("analysis_result"), "CI") == pytest.approx(
        class_imbalance(day14), abs=1e-12
    )
    history = pd.read_csv(output_root / "clarify_monitoring" / "history.csv")
    ci = history[history["metric"] == "CI"].set_index("ds")
    assert list(ci.index) == ["2024-01-01", "2024-01-14"]
    assert ci.loc["2024-01-01", "value"] == pytest.approx(class_imbalance(day1), abs=1e-12)
    # Fewer women on day 14: CI moved away from 0 compared with the baseline day, so it is flagged as drift.
    assert abs(class_imbalance(day14)) > abs(class_imbalance(day1))
    assert bool(ci.loc["2024-01-14", "drift_flagged"]) is True
    assert bool(ci.loc["2024-01-01", "drift_flagged"]) is False
    assert any(v["metric_name"] == "CI" for v in latest.xcom("flag_drift"))


def test_backfill_maps_over_the_fortnight_and_charts_the_trend(output_root):
    outcome = run_dag(DAGS / "clarify_backfill.py", "clarify_backfill")

    assert outcome.state == "success", outcome.task_states()
    states = outcome.task_states()
    mapped = {k: v for k, v in states.items() if k.startswith("local_analysis[")}
    assert len(mapped) == 14 and set(mapped.values()) == {"success"}
    assert states["managed_analysis"] == "skipped"

    out = output_root / "clarify_backfill"
    summary = pd.read_csv(out / "summary.csv").set_index("ds")
    days = sorted(p.parent.name[3:] for p in (SAMPLE / "partitions").glob("ds=*/data.csv"))
    assert list(summary.index) == days
    for day in days:
        data = pd.read_csv(SAMPLE / "partitions" / f"ds={day}" / "data.csv")
        assert summary.loc[day, "CI"] == pytest.approx(class_imbalance(data), abs=1e-12), day
    assert (out / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "summary.md").read_text().count("\n") == len(days) + 2


def test_deploy_gate_runs_the_managed_job_when_engine_is_managed(
    output_root, tmp_path, moto_server, s3_server, s3_client, bucket
):
    """One param switches the DAG to ClarifyOperator: a processing job on the loopback SageMaker API.

    Only the Clarify container is a stand-in (the sandbox's processing-job emulator runs our engine's container
    entrypoint for the job). It cannot host a SageMaker model, so the emulator serves the model name with the
    candidate file (``models``: the engine's ``--predictor``); the DAG gets the same file as ``candidate_model``.
    """
    from sklearn.ensemble import GradientBoostingClassifier

    from tests.integration.clarify_standin import ClarifyStandIn
    from tests.integration.conftest import MOTO_ACCOUNT, REGION

    train = pd.read_csv(SAMPLE / "train.csv")
    model_file = tmp_path / "candidate.joblib"
    joblib.dump(
        GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0).fit(
            train[FEATURES], train["income_gt_50k"]
        ),
        model_file,
    )
    s3_client.upload_file(str(SAMPLE / "validation.csv"), bucket, "sample/validation.csv")
    stand_in = ClarifyStandIn(
        account=MOTO_ACCOUNT,
        region=REGION,
        s3_endpoints=[s3_server.url, moto_server.url],
        models={"adult-candidate": str(model_file)},
    )
    stand_in.install()
    try:
        outcome = run_dag(
            DAGS / "clarify_deploy_gate.py",
            "clarify_deploy_gate",
            conf={
                "engine": "managed",
                "candidate_model": str(model_file),
                "validation_data": f"s3://{bucket}/sample/validation.csv",
                "managed_s3_output": f"s3://{bucket}/clarify",
                "managed_role_arn": f"arn:aws:iam::{MOTO_ACCOUNT}:role/ClarifyJobRole",
                "managed_model_name": "adult-candidate",
                "min_di": 0.0,  # this quick model is not mitigated; the test is about the engine switch
                "max_abs_dppl": 1.0,
            },
        )
    finally:
        stand_in.uninstall()

    assert outcome.state == "success", outcome.task_states()
    states = outcome.task_states()
    assert (states["local_analysis"], states["managed_analysis"], states["deploy"]) == (
        "skipped",
        "success",
        "success",
    )
    result = outcome.xcom("analysis_result")
    assert (result["engine"], result["job_status"]) == ("managed", "Completed")
    assert result["output_uri"].startswith(f"s3://{bucket}/clarify/")

    [request] = stand_in.created
    assert request["ProcessingInputs"][0]["S3Input"]["S3Uri"] == f"s3://{bucket}/sample/validation.csv"
    config_key = request["ProcessingInputs"][1]["S3Input"]["S3Uri"].removeprefix(f"s3://{bucket}/")
    uploaded = json.loads(s3_client.get_object(Bucket=bucket, Key=config_key)["Body"].read())
    assert uploaded["predictor"]["model_name"] == "adult-candidate"
    assert uploaded["predictor"]["probability"] == 1

    women, men = predicted_rates(model_file, pd.read_csv(SAMPLE / "validation.csv"))
    assert post_training(result, "DI") == pytest.approx(women / men, rel=1e-9)
