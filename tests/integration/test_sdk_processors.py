"""The SDK drop-in end to end: the notebook script against LocalClarifyOperator in a real Airflow run, and
SageMakerClarifyProcessor against the loopback SageMaker (moto + the Clarify stand-in) and S3 (SeaweedFS)."""

from __future__ import annotations

import csv
import json
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from airflow_provider_clarify import clarify
from airflow_provider_clarify.config import AnalysisConfigBuilder
from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "scripts" / "clarify_notebook.py"
ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"


def test_the_notebook_and_the_local_operator_write_the_same_analysis(test_dags_dir, tmp_path, monkeypatch):
    notebook_output, operator_output = tmp_path / "notebook", tmp_path / "operator"
    monkeypatch.setattr(sys, "argv", [str(NOTEBOOK), str(notebook_output)])
    runpy.run_path(str(NOTEBOOK), run_name="__main__")
    dataset = REPO / "sample_data" / "adult" / "partitions" / "ds=2024-01-01" / "data.csv"
    outcome = run_dag(
        test_dags_dir / "sdk_notebook_local.py",
        "sdk_notebook_local",
        conf={"dataset": str(dataset), "output": str(operator_output)},
    )
    assert outcome.task_states() == {"bias_and_shap": "success"}
    from_notebook = json.loads((notebook_output / "analysis.json").read_text())
    from_operator = json.loads((operator_output / "analysis.json").read_text())
    assert from_notebook == from_operator
    assert set(from_notebook) == {
        "version",
        "pre_training_bias_metrics",
        "post_training_bias_metrics",
        "explanations",
    }
    # CI from counts of the dataset (sex 0 is facet d).
    with dataset.open(newline="") as handle:
        sexes = [row["sex"] for row in csv.DictReader(handle)]
    n_d, n_a = sexes.count("0"), sexes.count("1")
    (facet,) = from_notebook["pre_training_bias_metrics"]["facets"]["sex"]
    ci = next(metric["value"] for metric in facet["metrics"] if metric["name"] == "CI")
    assert ci == pytest.approx((n_a - n_d) / (n_a + n_d), abs=1e-12)
    # The notebook's output also holds the analysis config, as the SDK uploads it beside the output.
    config = json.loads((notebook_output / "analysis_config.json").read_text())
    assert config["methods"]["shap"]["seed"] == 0 and config["predictor"]["endpoint_name"] == "adult-income"


SAMPLE_ROWS = [
    (20 + i, "Female" if i % 3 == 0 else "Male", ">50K" if i % 4 == 0 else "<=50K") for i in range(48)
]


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        yield stand_in


@pytest.fixture
def loopback_session(moto_server, s3_server, monkeypatch):
    """What a user with a private S3 (MinIO) and a SageMaker endpoint override would pass: a boto3 session, with
    the endpoints in the environment (moto for SageMaker and CloudWatch Logs, SeaweedFS for S3)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.url)
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def test_the_managed_processor_sends_the_operator_s_request_and_waits_for_the_job(
    clarify_standin, loopback_session, bucket, s3_client
):
    from airflow_provider_clarify.operators.clarify import ClarifyOperator

    body = "age,sex,income\n" + "".join(f"{a},{s},{y}\n" for a, s, y in SAMPLE_ROWS)
    s3_client.put_object(Bucket=bucket, Key="data/sample.csv", Body=body.encode())
    data_config = clarify.DataConfig(
        s3_data_input_path=f"s3://{bucket}/data/sample.csv",
        s3_output_path=f"s3://{bucket}/clarify/output",
        label="income",
        headers=["age", "sex", "income"],
    )
    bias_config = clarify.BiasConfig([">50K"], "sex", ["Female"])
    processor = clarify.SageMakerClarifyProcessor(
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=loopback_session,
        tags={"team": "ml"},
    )
    processor.poll_seconds = 0.5
    processor.run_pre_training_bias(data_config, bias_config, methods=["CI", "DPL"])  # wait=True, logs=True

    # wait=True returned once the stand-in had run the job to completion, and its output is there.
    job_name = processor.latest_job.job_name
    assert job_name.startswith("Clarify-Pretraining-Bias-")
    assert clarify_standin.wait_for_status(job_name, {"Completed", "Failed"}, timeout=1) == "Completed"
    analysis = json.loads(
        s3_client.get_object(Bucket=bucket, Key="clarify/output/analysis.json")["Body"].read()
    )
    (facet,) = analysis["pre_training_bias_metrics"]["facets"]["sex"]
    values = {metric["name"]: metric["value"] for metric in facet["metrics"]}
    female = [row for row in SAMPLE_ROWS if row[1] == "Female"]
    male = [row for row in SAMPLE_ROWS if row[1] == "Male"]
    assert values["CI"] == pytest.approx((len(male) - len(female)) / len(SAMPLE_ROWS), abs=1e-12)
    q_d = sum(row[2] == ">50K" for row in female) / len(female)
    q_a = sum(row[2] == ">50K" for row in male) / len(male)
    assert values["DPL"] == pytest.approx(q_a - q_d, abs=1e-12)

    # ClarifyOperator, given the same objects, sends the same request (its job name is its own, deterministic).
    class TaskInstance:
        dag_id, task_id, run_id, map_index = "sdk", "clarify", "run-1", -1

        def xcom_push(self, key, value) -> None:
            pass

    ClarifyOperator(
        task_id="clarify",
        config=AnalysisConfigBuilder.pre_training_bias(data_config, bias_config, ["CI", "DPL"]),
        role_arn=ROLE,
        instance_type="ml.m5.xlarge",
        tags={"team": "ml"},
        wait_for_completion=False,
    ).execute({"ti": TaskInstance()})
    from_processor, from_operator = clarify_standin.created
    assert from_operator["ProcessingJobName"] != from_processor["ProcessingJobName"]
    from_processor.pop("ProcessingJobName"), from_operator.pop("ProcessingJobName")
    assert from_processor == from_operator
    assert (
        from_processor["ProcessingInputs"][1]["S3Input"]["S3Uri"]
        == f"s3://{bucket}/clarify/output/analysis_config.json"
    )
