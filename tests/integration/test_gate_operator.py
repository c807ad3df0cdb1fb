"""ClarifyGateOperator under real Airflow: fail / skip / branch modes, XCom, constraint_violations.json."""

from __future__ import annotations

import json

import pytest

from tests.integration.airflow_runs import run_dag
from tests.unit.results import analysis_samples as samples

# BIAS_ONLY has DI 0.35 and DPPL 0.18 for sex=Female (post-training).
FAILING = {"DI": [0.8, 1.25]}
PASSING = {"DI": [0.3, 1.25]}
DI_VIOLATION = {
    "facet": "sex",
    "facet_value": "Female",
    "metric_name": "DI",
    "constraint_check_type": "bias_threshold_check",
    "description": "Value 0.35 does not meet the constraint requirement [0.8, 1.25]",
}


@pytest.fixture
def analysis(tmp_path):
    path = tmp_path / "run" / "analysis.json"
    path.parent.mkdir()
    path.write_text(json.dumps(samples.BIAS_ONLY))
    return path


def _conf(analysis, rules, output_uri=None):
    return {"analysis": str(analysis), "rules": rules, "output_uri": output_uri}


def test_fail_mode_blocks_deploy_and_records_violations(test_dags_dir, analysis):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_fail", conf=_conf(analysis, FAILING))
    assert outcome.state == "failed"
    states = outcome.task_states()
    assert states["gate"] == "failed"  # AirflowFailException: retries=2 is not used
    assert states["deploy"] == "upstream_failed" and states["after_deploy"] == "upstream_failed"
    assert outcome.xcom("gate", key="violations") == [DI_VIOLATION]
    written = json.loads((analysis.parent / "constraint_violations.json").read_text())
    assert written == {"version": "1.0", "violations": [DI_VIOLATION]}
    assert outcome.xcom("gate", key="constraint_violations_uri") == str(
        analysis.parent / "constraint_violations.json"
    )


def test_fail_mode_passes_and_deploy_runs(test_dags_dir, analysis):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_fail", conf=_conf(analysis, PASSING))
    assert outcome.state == "success"
    assert outcome.task_states() == {
        "analysis_result": "success",
        "gate": "success",
        "deploy": "success",
        "after_deploy": "success",
    }
    assert outcome.xcom("gate") == {
        "passed": True,
        "counts": {"pass": 1, "violation": 0, "skipped": 0, "not compared": 0},
        "version": "1.0",
        "violations": [],
    }
    assert json.loads((analysis.parent / "constraint_violations.json").read_text())["violations"] == []


def test_skip_mode_skips_everything_downstream_and_writes_to_s3(test_dags_dir, analysis, bucket, s3_client):
    conf = _conf(analysis, FAILING, output_uri=f"s3://{bucket}/runs/7")
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_skip", conf=conf)
    assert outcome.state == "success"
    states = outcome.task_states()
    assert (states["gate"], states["deploy"], states["after_deploy"]) == ("success", "skipped", "skipped")
    assert outcome.xcom("gate", key="violations") == [DI_VIOLATION]
    assert outcome.xcom("gate")["passed"] is False
    body = s3_client.get_object(Bucket=bucket, Key="runs/7/constraint_violations.json")["Body"].read()
    assert json.loads(body) == {"version": "1.0", "violations": [DI_VIOLATION]}


@pytest.mark.parametrize(
    ("rules", "followed", "skipped"), [(FAILING, "alert", "deploy"), (PASSING, "deploy", "alert")]
)
def test_branch_mode_follows_pass_or_fail_ids(test_dags_dir, analysis, rules, followed, skipped):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_branch", conf=_conf(analysis, rules))
    assert outcome.state == "success"
    states = outcome.task_states()
    assert states["gate"] == "success"
    assert states[followed] == "success" and states[skipped] == "skipped"
    assert states["after_deploy"] == ("success" if followed == "deploy" else "skipped")


def test_result_by_task_id(test_dags_dir, analysis):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_by_task_id", conf=_conf(analysis, FAILING))
    assert outcome.task_states()["gate"] == "failed"
    (violation,) = outcome.xcom("gate", key="violations")
    assert (violation["metric_name"], violation["description"]) == (
        "DPPL",
        "Value 0.18 does not meet the constraint requirement [-0.1, 0.1]",
    )


def test_an_input_that_is_missing_or_not_a_clarify_result_fails_the_gate(test_dags_dir):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_not_a_result")
    states = outcome.task_states()
    assert (states["gate"], states["deploy"], states["gate_missing"]) == (
        "failed",
        "upstream_failed",
        "failed",
    )
    with pytest.raises(KeyError):
        outcome.xcom("gate", key="violations")  # failed before any check ran


def test_taskflow_function(test_dags_dir, analysis):
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_taskflow", conf=_conf(analysis, PASSING))
    assert outcome.task_states()["deploy"] == "success"
    assert outcome.xcom("taskflow_gate")["passed"] is True
    failing = run_dag(test_dags_dir / "gate_modes.py", "gate_taskflow", conf=_conf(analysis, FAILING))
    assert failing.task_states()["deploy"] == "upstream_failed"
    assert failing.xcom("taskflow_gate", key="violations") == [DI_VIOLATION]


def test_baseline_drift_from_an_s3_baseline(test_dags_dir, analysis, bucket, s3_client):
    # Current (BIAS_ONLY): DI 0.35, DPPL 0.18, CI sex 0.3384, CI age 0.12.
    baseline = {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": "income",
            "label_value_or_threshold": ">50K",
            "facets": {
                "sex": [{"value_or_threshold": "Female", "metrics": [{"name": "CI", "value": 0.4}]}],
                "race": [{"value_or_threshold": "Black", "metrics": [{"name": "CI", "value": 0.8}]}],
            },
        },
        "post_training_bias_metrics": {
            "label": "income",
            "label_value_or_threshold": ">50K",
            "facets": {
                "sex": [
                    {
                        "value_or_threshold": "Female",
                        "metrics": [{"name": "DI", "value": 0.5}, {"name": "DPPL", "value": -0.2}],
                    }
                ]
            },
        },
    }
    s3_client.put_object(Bucket=bucket, Key="baseline/analysis.json", Body=json.dumps(baseline).encode())
    conf = {**_conf(analysis, FAILING), "baseline": f"s3://{bucket}/baseline"}
    outcome = run_dag(test_dags_dir / "gate_modes.py", "gate_drift", conf=conf)
    assert outcome.task_states()["gate"] == "failed"
    # |0.35 - 1| = 0.65 > |0.5 - 1| = 0.5 violates; |0.18| <= |-0.2| and |0.3384| <= |0.4| pass.
    assert outcome.xcom("gate", key="violations") == [
        {
            "facet": "sex",
            "facet_value": "Female",
            "metric_name": "DI",
            "constraint_check_type": "bias_drift_check",
            "description": "Value 0.35 does not meet the constraint requirement",
        }
    ]
    # DPL and CI for age (only in the result) and CI for race (only in the baseline): reported, not compared.
    assert outcome.xcom("gate")["counts"] == {"pass": 2, "violation": 1, "skipped": 0, "not compared": 3}
