"""The gate does not care which engine ran: ClarifyOperator (managed path, stand-in container) → gate → deploy."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import running_standin

ROWS = 400
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
}


@pytest.fixture
def uploaded_sample(adult_csv, bucket, s3_client) -> dict[str, float]:
    """The first ROWS rows of Adult on the loopback S3, and CI / DPL for sex=Female counted here."""
    with adult_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:ROWS]
    buffer = io.StringIO()
    columns = ["age", "sex", "hours-per-week", "income"]
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    s3_client.put_object(Bucket=bucket, Key="data/adult.csv", Body=buffer.getvalue().encode())
    female = [row for row in rows if row["sex"] == "Female"]
    male = [row for row in rows if row["sex"] != "Female"]
    q_d = sum(row["income"] == ">50K" for row in female) / len(female)
    q_a = sum(row["income"] == ">50K" for row in male) / len(male)
    return {"CI": (len(male) - len(female)) / ROWS, "DPL": q_a - q_d}


def test_gate_on_a_managed_result(moto_server, s3_server, bucket, s3_client, test_dags_dir, uploaded_sample):
    ci = uploaded_sample["CI"]
    assert abs(ci) > 0.2  # the band below must be violated for this sample
    conf = {
        "analysis_config": CONFIG,
        "dataset_uri": f"s3://{bucket}/data/adult.csv",
        "output_uri": f"s3://{bucket}/clarify/output",
        "rules": {"CI": [-0.2, 0.2], "DPL": [-1, 1]},
    }
    with running_standin(moto_server, s3_server):
        outcome = run_dag(test_dags_dir / "gate_remote.py", "gate_remote", conf=conf)
    assert outcome.task_states() == {"clarify": "success", "gate": "failed", "deploy": "upstream_failed"}
    assert outcome.xcom("clarify")["engine"] == "managed"
    (violation,) = outcome.xcom("gate", key="violations")
    assert {
        key: violation[key] for key in ("facet", "facet_value", "metric_name", "constraint_check_type")
    } == {
        "facet": "sex",
        "facet_value": "Female",
        "metric_name": "CI",
        "constraint_check_type": "bias_threshold_check",
    }
    value = (
        violation["description"]
        .removeprefix("Value ")
        .removesuffix(" does not meet the constraint requirement [-0.2, 0.2]")
    )
    assert float(value) == pytest.approx(ci, abs=1e-12)
    body = s3_client.get_object(Bucket=bucket, Key="clarify/output/constraint_violations.json")["Body"].read()
    assert json.loads(body) == {"version": "1.0", "violations": [violation]}
