"""The harness itself: Airflow sees our provider, dag.test() runs real DAGs, and S3 answers on loopback."""

from __future__ import annotations

import importlib

import pytest

from tests.integration.airflow_runs import run_dag


def test_providers_manager_lists_this_provider():
    from airflow.providers_manager import ProvidersManager

    providers = ProvidersManager().providers
    assert "airflow-provider-clarify" in providers
    info = providers["airflow-provider-clarify"].data
    assert info["package-name"] == "airflow-provider-clarify"
    # Every module the provider declares must import: Airflow would otherwise fail to load it lazily later.
    for section in ("hooks", "operators", "sensors", "triggers"):
        for entry in info.get(section, []):
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for link in info.get("extra-links", []):
        module, _, name = link.rpartition(".")
        assert hasattr(importlib.import_module(module), name), link


def test_dag_runs_and_passes_xcom_downstream(test_dags_dir):
    outcome = run_dag(test_dags_dir / "harness_xcom.py", "harness_xcom", conf={"rows": 5})
    assert outcome.state == "success"
    assert outcome.task_states() == {"count_rows": "success", "receive": "success"}
    assert outcome.xcom("count_rows") == {"rows": 10, "provider": "airflow-provider-clarify"}
    assert outcome.xcom("receive") == "airflow-provider-clarify:10"


def test_param_validation_rejects_bad_run_conf(test_dags_dir):
    from tests.integration.airflow_runs import load_dag

    dag = load_dag(test_dags_dir / "harness_xcom.py", "harness_xcom")
    with pytest.raises(Exception, match="rows"):
        dag.test(run_conf={"rows": 0})


def test_s3_hook_round_trip_on_loopback_s3(bucket, s3_client):
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook(aws_conn_id="aws_default")
    hook.load_string("a,b\n1,2\n", key="in/data.csv", bucket_name=bucket)
    # Read back through the hook and, independently, through a plain client on the same server.
    assert hook.read_key("in/data.csv", bucket_name=bucket) == "a,b\n1,2\n"
    assert s3_client.get_object(Bucket=bucket, Key="in/data.csv")["Body"].read() == b"a,b\n1,2\n"
    assert hook.list_keys(bucket_name=bucket, prefix="in/") == ["in/data.csv"]


def test_sagemaker_api_answers_on_loopback(sagemaker_client):
    from airflow.providers.amazon.aws.hooks.sagemaker import SageMakerHook

    hook = SageMakerHook(aws_conn_id="aws_default")
    assert hook.conn.meta.endpoint_url.startswith("http://127.0.0.1:")
    # The hook and an independent client see the same server state (other tests may have created jobs).
    names = sorted(s["ProcessingJobName"] for s in hook.conn.list_processing_jobs()["ProcessingJobSummaries"])
    expected = sorted(
        s["ProcessingJobName"] for s in sagemaker_client.list_processing_jobs()["ProcessingJobSummaries"]
    )
    assert names == expected
    # A real API answers an unknown job with the service's error, not a Python-side stub.
    with pytest.raises(hook.conn.exceptions.ClientError, match=r"ValidationException|ResourceNotFound"):
        hook.conn.describe_processing_job(ProcessingJobName="no-such-clarify-job")
