"""End to end: real Airflow (dag.test), moto's SageMaker on loopback, SeaweedFS S3, the Clarify stand-in running
our engine's container entrypoint. ClarifyOperator in sync, deferrable and no-wait + sensor modes; the result
reaches a downstream task through XCom, and the numbers in it are checked against counts made here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest

from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
IMAGE_US_EAST_1 = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
COLUMNS = ["age", "education-num", "sex", "hours-per-week", "income"]
ROWS = 600
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
}


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def adult_sample(adult_csv) -> tuple[bytes, dict[str, float]]:
    """The first ROWS training rows of UCI Adult (a few columns) and CI / DPL for sex=Female counted here."""
    with adult_csv.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["split"] == "train"][:ROWS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    female = [row for row in rows if row["sex"] == "Female"]
    male = [row for row in rows if row["sex"] != "Female"]
    n_d, n_a = len(female), len(male)
    q_d = sum(row["income"] == ">50K" for row in female) / n_d
    q_a = sum(row["income"] == ">50K" for row in male) / n_a
    return buffer.getvalue().encode(), {"CI": (n_a - n_d) / (n_a + n_d), "DPL": q_a - q_d}


def _conf(bucket: str, s3_client, sample: bytes) -> dict:
    s3_client.put_object(Bucket=bucket, Key="data/adult.csv", Body=sample)
    return {
        "analysis_config": CONFIG,
        "dataset_uri": f"s3://{bucket}/data/adult.csv",
        "output_uri": f"s3://{bucket}/clarify/output",
        "role_arn": ROLE,
    }


def _check_run(outcome, clarify_task: str, stand_in, s3_client, bucket: str, expected: dict) -> dict:
    assert outcome.state == "success", outcome.task_states()
    summary = outcome.xcom(clarify_task)
    assert summary["engine"] == "managed"
    assert summary["job_status"] == "Completed"
    assert summary["output_uri"] == f"s3://{bucket}/clarify/output"
    assert summary["output_files"]["analysis.json"] == f"s3://{bucket}/clarify/output/analysis.json"
    downstream = outcome.xcom("read_metrics")
    assert downstream["job_name"] == summary["job_name"]
    assert downstream["CI"] == pytest.approx(expected["CI"], abs=1e-12)
    assert downstream["DPL"] == pytest.approx(expected["DPL"], abs=1e-12)

    # Exactly one job, started with the reference §15 request, and waited for (InProgress seen before Completed).
    assert stand_in.job_names() == [summary["job_name"]]
    (request,) = stand_in.created
    assert request["AppSpecification"] == {"ImageUri": IMAGE_US_EAST_1}
    assert request["RoleArn"] == ROLE
    assert [item["S3Input"]["S3Uri"] for item in request["ProcessingInputs"]] == [
        f"s3://{bucket}/data/adult.csv",
        f"s3://{bucket}/clarify/output/analysis_config.json",
    ]
    assert stand_in.statuses_seen(summary["job_name"])[-1] == "Completed"
    assert "InProgress" in stand_in.statuses_seen(summary["job_name"])

    # The uploaded config is the document given, unchanged.
    body = s3_client.get_object(Bucket=bucket, Key="clarify/output/analysis_config.json")["Body"].read()
    assert json.loads(body) == CONFIG
    return summary


def _asset_events(dag_id: str, run_id: str) -> list[tuple[str, str, dict, list[str]]]:
    """(task id, asset URI, extra, alias names) of every asset event the run's tasks emitted, oldest first."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent)
            .where(AssetEvent.source_dag_id == dag_id, AssetEvent.source_run_id == run_id)
            .order_by(AssetEvent.id)
        ).all()
        return [
            (e.source_task_id, e.asset.uri, dict(e.extra), [a.name for a in e.source_aliases]) for e in events
        ]


def _check_sensor_announced(outcome, bucket: str, expected: dict) -> None:
    """The sensor, not the no-wait operator, added the analysis.json event, the job's numbers in its extra."""
    [(task_id, uri, extra, aliases)] = _asset_events(outcome.dag_id, outcome.run_id)
    assert (task_id, aliases) == ("wait", [f"clarify/{outcome.dag_id}/wait"])
    assert uri == f"s3://{bucket}/clarify/output/analysis.json"
    [group] = extra["bias"]["pre_training"]["facets"]["sex"]
    values = {metric["name"]: metric["value"] for metric in group["metrics"]}
    assert values == pytest.approx(expected, abs=1e-12)
    assert extra["job_name"] == outcome.xcom("start")["job_name"]


def test_sync_operator_runs_the_job_and_feeds_downstream(
    clarify_standin, bucket, s3_client, test_dags_dir, adult_sample
):
    sample, expected = adult_sample
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py", "remote_clarify_sync", conf=_conf(bucket, s3_client, sample)
    )
    summary = _check_run(outcome, "clarify", clarify_standin, s3_client, bucket, expected)
    assert summary["job_name"].startswith("Clarify-Pretraining-Bias-")
    assert summary["job_name"].endswith("-1")
    # The console link of the task instance points at its job.
    assert outcome.xcom("clarify", key="clarify_processing_job") == {
        "region_name": "us-east-1",
        "aws_domain": "aws.amazon.com",
        "job_name": summary["job_name"],
    }


def test_deferrable_operator_waits_in_the_trigger(
    clarify_standin, bucket, s3_client, test_dags_dir, adult_sample
):
    sample, expected = adult_sample
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_deferrable",
        conf=_conf(bucket, s3_client, sample),
    )
    _check_run(outcome, "clarify", clarify_standin, s3_client, bucket, expected)


def test_no_wait_operator_then_sensor(clarify_standin, bucket, s3_client, test_dags_dir, adult_sample):
    sample, expected = adult_sample
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_nowait_sensor",
        conf=_conf(bucket, s3_client, sample),
    )
    started = outcome.xcom("start")
    assert started["job_status"] == "InProgress"
    summary = _check_run(outcome, "wait", clarify_standin, s3_client, bucket, expected)
    assert summary["job_name"] == started["job_name"]
    _check_sensor_announced(outcome, bucket, expected)


def test_no_wait_operator_then_deferrable_sensor(
    clarify_standin, bucket, s3_client, test_dags_dir, adult_sample
):
    sample, expected = adult_sample
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_sensor_deferrable",
        conf=_conf(bucket, s3_client, sample),
    )
    _check_run(outcome, "wait", clarify_standin, s3_client, bucket, expected)
    _check_sensor_announced(outcome, bucket, expected)


def test_no_wait_operator_then_rescheduling_sensor(
    clarify_standin, bucket, s3_client, test_dags_dir, adult_sample
):
    sample, expected = adult_sample
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_sensor_reschedule",
        conf=_conf(bucket, s3_client, sample),
    )
    _check_run(outcome, "wait", clarify_standin, s3_client, bucket, expected)
    _check_sensor_announced(outcome, bucket, expected)


def test_mapped_tasks_get_one_job_each(clarify_standin, bucket, s3_client, test_dags_dir, adult_csv):
    """Two mapped task instances of one task must never share (reattach to) each other's job."""
    with adult_csv.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["split"] == "train"][:400]
    expected_ci = []
    uris = []
    for index, part in enumerate((rows[:200], rows[200:])):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(part)
        s3_client.put_object(Bucket=bucket, Key=f"slices/{index}.csv", Body=buffer.getvalue().encode())
        uris.append(f"s3://{bucket}/slices/{index}.csv")
        n_d = sum(row["sex"] == "Female" for row in part)
        expected_ci.append((len(part) - 2 * n_d) / len(part))
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_mapped",
        conf={
            "analysis_config": CONFIG,
            "output_uri": f"s3://{bucket}/mapped",
            "role_arn": ROLE,
            "slices": uris,
        },
    )
    assert outcome.state == "success", outcome.task_states()
    collected = outcome.xcom("collect")
    assert [entry["CI"] for entry in collected] == pytest.approx(expected_ci, abs=1e-12)
    names = [entry["job_name"] for entry in collected]
    assert len(set(names)) == 2
    assert sorted(names) == clarify_standin.job_names()
    # dag.test() may run map index 1 before map index 0, so pair each job with its slice by name, not by order.
    input_by_job = {
        request["ProcessingJobName"]: request["ProcessingInputs"][0]["S3Input"]["S3Uri"]
        for request in clarify_standin.created
    }
    assert [input_by_job[name] for name in names] == uris
