"""Bad input and faults of the remote path, each against the loopback SageMaker (moto + the Clarify stand-in) and
S3 (SeaweedFS): nothing happens before validation, failures carry the job's reason, kills and timeouts stop the
job, transient API errors are retried, and retries of a task never duplicate its job."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from airflow_provider_clarify.config.builders import BiasConfig, DataConfig
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.results import ClarifyResult
from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger
from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
}
BIAS = BiasConfig(label_values_or_threshold=[">50K"], facet_name="sex", facet_values_or_threshold=["Female"])
SAMPLE = (
    "age,sex,hours-per-week,income\n"
    + "".join(
        f"{20 + i % 40},{'Female' if i % 3 == 0 else 'Male'},{30 + i % 20},{'>50K' if i % 4 == 0 else '<=50K'}\n"
        for i in range(60)
    )
).encode()


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        yield stand_in


class TaskInstanceStub:
    """The slice of a task instance the operator reads (identity for the job name) and writes (link XCom)."""

    def __init__(self, run_id: str, dag_id: str = "remote_faults", task_id: str = "clarify") -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = dag_id, task_id, run_id, -1
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def task_context(run_id: str) -> dict[str, Any]:
    ti = TaskInstanceStub(run_id)
    return {"ti": ti, "task_instance": ti, "run_id": run_id}


def bucket_keys(s3_client, bucket: str) -> list[str]:
    return [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def operator(bucket: str, **overrides: Any) -> ClarifyOperator:
    arguments = {
        "config": CONFIG,
        "dataset_uri": f"s3://{bucket}/data/sample.csv",
        "output_uri": f"s3://{bucket}/out",
        "role_arn": ROLE,
        "check_interval": 0.2,
        **overrides,
    }
    return ClarifyOperator(task_id="clarify", **arguments)


@pytest.fixture
def data_bucket(bucket, s3_client) -> str:
    s3_client.put_object(Bucket=bucket, Key="data/sample.csv", Body=SAMPLE)
    return bucket


# Bad input: rejected before any AWS call ----------------------------------------------------------------------


def test_invalid_config_in_a_dag_run_makes_no_aws_call(clarify_standin, bucket, s3_client, test_dags_dir):
    bad = {**CONFIG, "methods": {"pre_training_bias": {"methods": ["CI", "NOPE"]}}}
    outcome = run_dag(
        test_dags_dir / "remote_clarify.py",
        "remote_clarify_sync",
        conf={
            "analysis_config": bad,
            "dataset_uri": f"s3://{bucket}/data/sample.csv",
            "output_uri": f"s3://{bucket}/out",
            "role_arn": ROLE,
        },
    )
    assert outcome.state == "failed"
    assert outcome.task_states()["clarify"] == "failed"
    assert bucket_keys(s3_client, bucket) == []
    assert clarify_standin.job_names() == []
    assert clarify_standin.calls == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role_arn": ""}, "role_arn is required"),
        ({"output_uri": "/local/output"}, "output_uri must be an S3 URI"),
        ({"dataset_uri": None}, "dataset_uri is missing"),
        ({"output_uri": None}, "output_uri is missing: pass output_uri= to the operator or s3_output_path"),
        (
            {"output_uri": None, "config": [DataConfig(s3_output_path="/local/out", label="income"), BIAS]},
            "DataConfig.s3_output_path must be an S3 URI",
        ),
        (
            {"config": {**CONFIG, "dataset_uri": "/local/data.csv"}, "dataset_uri": None},
            "the config's dataset_uri",
        ),
        ({"config": {**CONFIG, "label": None}}, "label"),
        (
            {
                "instance_count": 2,
                "config": {**CONFIG, "facet_dataset_uri": "s3://b/f/", "facet_headers": ["sex"]},
            },
            "joinsource_name_or_index: required",
        ),
    ],
    ids=[
        "missing-role",
        "output-not-s3",
        "dataset-missing",
        "output-missing",
        "builder-output-not-s3",
        "config-dataset-not-s3",
        "config-invalid",
        "distributed-without-joinsource",
    ],
)
def test_bad_argument_fails_before_any_aws_call(clarify_standin, bucket, s3_client, overrides, message):
    with pytest.raises(ClarifyInvalidConfigError, match=message):
        operator(bucket, **overrides).execute(task_context(f"run-{uuid.uuid4().hex}"))
    assert bucket_keys(s3_client, bucket) == []
    assert clarify_standin.calls == []


# Job outcomes --------------------------------------------------------------------------------------------------


def test_failed_job_fails_the_task_with_the_failure_reason(clarify_standin, data_bucket, sagemaker_client):
    config = {**CONFIG, "label": "salary"}  # valid config, but the dataset has no such column
    with pytest.raises(ClarifyAnalysisError) as caught:
        operator(data_bucket, config=config).execute(task_context(f"run-{uuid.uuid4().hex}"))
    (job_name,) = clarify_standin.job_names()
    described = sagemaker_client.describe_processing_job(ProcessingJobName=job_name)
    assert described["ProcessingJobStatus"] == "Failed"
    assert "salary" in described["FailureReason"]
    assert caught.value.reason == described["FailureReason"]
    assert caught.value.job_name == job_name


def test_stopped_job_fails_the_task(clarify_standin, data_bucket, sagemaker_client):
    clarify_standin.hold()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(operator(data_bucket).execute, task_context(f"run-{uuid.uuid4().hex}"))
        (job_name,) = clarify_standin.wait_for_job_count(1)
        sagemaker_client.stop_processing_job(ProcessingJobName=job_name)  # someone stops it in the console
        with pytest.raises(ClarifyAnalysisError, match="Stopped") as caught:
            running.result(timeout=60)
    assert caught.value.job_name == job_name
    assert clarify_standin.status(job_name) == "Stopped"


def test_throttling_and_5xx_on_describe_are_retried(clarify_standin, data_bucket):
    clarify_standin.fail_next_describes("throttle", "5xx", "throttle")
    summary = operator(data_bucket).execute(task_context(f"run-{uuid.uuid4().hex}"))
    assert clarify_standin.describe_faults_served == ["throttle", "5xx", "throttle"]
    assert summary["job_status"] == "Completed"
    assert len(clarify_standin.created) == 1


def test_throttling_that_outlasts_botocores_retries_is_polled_through(clarify_standin, data_bucket):
    """More faults in a row than botocore retries (5 attempts): the waiting loop itself polls again."""
    clarify_standin.fail_next_describes(*["throttle"] * 7)
    summary = operator(data_bucket).execute(task_context(f"run-{uuid.uuid4().hex}"))
    assert clarify_standin.describe_faults_served == ["throttle"] * 7
    assert summary["job_status"] == "Completed"


def test_trigger_polls_through_throttling(clarify_standin, data_bucket):
    op = operator(data_bucket, deferrable=True)
    from airflow.providers.common.compat.sdk import TaskDeferred

    with pytest.raises(TaskDeferred) as deferred:
        op.execute(task_context(f"run-{uuid.uuid4().hex}"))
    clarify_standin.fail_next_describes(*["throttle"] * 7)
    trigger = deferred.value.trigger
    trigger.check_interval = 0.2
    event = asyncio.run(_first_event(trigger))
    assert event.payload == {
        "status": "success",
        "job_name": trigger.job_name,
        "message": f"Processing job {trigger.job_name} completed",
    }
    assert clarify_standin.describe_faults_served == ["throttle"] * 7


# Kills and timeouts stop the job -------------------------------------------------------------------------------


def test_task_killed_by_airflow_sends_stop_processing_job(clarify_standin, data_bucket, test_dags_dir):
    """Airflow's execution_timeout kills the task mid-run; its on_kill must stop the job."""
    clarify_standin.hold()
    outcome = run_dag(
        test_dags_dir / "remote_faults.py",
        "remote_clarify_killed",
        conf={
            "analysis_config": CONFIG,
            "dataset_uri": f"s3://{data_bucket}/data/sample.csv",
            "output_uri": f"s3://{data_bucket}/out",
        },
    )
    assert outcome.state == "failed"
    (job_name,) = clarify_standin.job_names()
    assert clarify_standin.stop_requests == [job_name]
    assert clarify_standin.wait_for_status(job_name, {"Stopped"}) == "Stopped"


def test_max_ingestion_time_stops_the_job_and_fails(clarify_standin, data_bucket):
    clarify_standin.hold()
    with pytest.raises(ClarifyAnalysisError, match="max_ingestion_time") as caught:
        operator(data_bucket, max_ingestion_time=1).execute(task_context(f"run-{uuid.uuid4().hex}"))
    assert clarify_standin.stop_requests == [caught.value.job_name]


def test_deferred_wait_past_its_deadline_stops_the_job(clarify_standin, data_bucket):
    clarify_standin.hold()
    op = operator(data_bucket, deferrable=True, max_ingestion_time=1)
    context = task_context(f"run-{uuid.uuid4().hex}")
    from airflow.providers.common.compat.sdk import TaskDeferred

    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, ClarifyProcessingJobTrigger)
    # The triggerer rebuilds the trigger from its serialized state (e.g. after a restart).
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_clarify.triggers.clarify.ClarifyProcessingJobTrigger"
    resumed = ClarifyProcessingJobTrigger(**json.loads(json.dumps(kwargs)))
    event = asyncio.run(_first_event(resumed))
    assert event.payload["status"] == "timeout"
    with pytest.raises(ClarifyAnalysisError, match="max_ingestion_time"):
        op.execute_complete(context, event.payload)
    assert clarify_standin.stop_requests == [trigger.job_name]


def test_killing_the_deferred_task_stops_the_job(clarify_standin, data_bucket):
    clarify_standin.hold()
    op = operator(data_bucket, deferrable=True)
    from airflow.providers.common.compat.sdk import TaskDeferred

    with pytest.raises(TaskDeferred) as deferred:
        op.execute(task_context(f"run-{uuid.uuid4().hex}"))
    asyncio.run(deferred.value.trigger.on_kill())
    assert clarify_standin.stop_requests == [deferred.value.trigger.job_name]


async def _first_event(trigger):
    async for event in trigger.run():
        return event
    return None


# Retries never duplicate the job -------------------------------------------------------------------------------

_CRASHING_TRY = """
import json, sys
from airflow_provider_clarify.operators.clarify import ClarifyOperator

arguments = json.loads(sys.argv[1])

class TI:
    dag_id, task_id, run_id, map_index = "remote_faults", "clarify", arguments.pop("run_id"), -1
    def xcom_push(self, key, value):
        pass

ClarifyOperator(task_id="clarify", **arguments).execute({"ti": TI()})
"""


def test_retry_after_a_worker_crash_reattaches_to_the_running_job(clarify_standin, data_bucket):
    run_id = f"run-{uuid.uuid4().hex}"
    clarify_standin.hold()
    arguments = {
        "config": CONFIG,
        "dataset_uri": f"s3://{data_bucket}/data/sample.csv",
        "output_uri": f"s3://{data_bucket}/out",
        "role_arn": ROLE,
        "check_interval": 0.2,
    }
    first_try = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_TRY, json.dumps({**arguments, "run_id": run_id})]
    )
    try:
        (job_name,) = clarify_standin.wait_for_job_count(1, timeout=120)
    finally:
        first_try.kill()  # the worker dies: no on_kill, no cleanup
        first_try.wait()
    assert clarify_standin.status(job_name) == "InProgress"

    threading.Timer(1.0, clarify_standin.release).start()
    summary = operator(data_bucket).execute(task_context(run_id))  # the retry

    assert summary["job_name"] == job_name
    assert summary["job_status"] == "Completed"
    assert clarify_standin.job_names() == [job_name]
    assert len(clarify_standin.created) == 1
    assert clarify_standin.stop_requests == []


def test_builder_s3_paths_locate_the_job_without_operator_arguments(clarify_standin, data_bucket, s3_client):
    """SDK-style DataConfig carries the job's S3 paths; the operator takes them when it is given none."""
    data = DataConfig(
        s3_data_input_path=f"s3://{data_bucket}/data/sample.csv",
        s3_output_path=f"s3://{data_bucket}/from-builder/out",
        s3_analysis_config_output_path=f"s3://{data_bucket}/from-builder/config",
        label="income",
        dataset_type="text/csv",
    )
    summary = operator(data_bucket, config=[data, BIAS], dataset_uri=None, output_uri=None).execute(
        task_context(f"run-{uuid.uuid4().hex}")
    )
    assert summary["job_status"] == "Completed"
    (request,) = clarify_standin.created
    inputs = {item["InputName"]: item["S3Input"]["S3Uri"] for item in request["ProcessingInputs"]}
    assert inputs == {
        "dataset": f"s3://{data_bucket}/data/sample.csv",
        "analysis_config": f"s3://{data_bucket}/from-builder/config/analysis_config.json",
    }
    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3Uri"] == f"s3://{data_bucket}/from-builder/out"
    keys = bucket_keys(s3_client, data_bucket)
    assert "from-builder/config/analysis_config.json" in keys
    assert "from-builder/out/analysis.json" in keys
    # CI from the counts of the 60 sample rows: every third row is a woman.
    n_female = sum(1 for i in range(60) if i % 3 == 0)
    ci = ClarifyResult.from_xcom(summary).metric("CI", facet="sex", value="Female")
    assert ci == pytest.approx((60 - 2 * n_female) / 60, abs=1e-12)


def test_operator_arguments_win_over_builder_s3_paths(clarify_standin, data_bucket, s3_client):
    data = DataConfig(
        s3_data_input_path="s3://elsewhere/never-read.csv",
        s3_output_path="s3://elsewhere/never-written",
        label="income",
    )
    operator(data_bucket, config=[data, BIAS]).execute(task_context(f"run-{uuid.uuid4().hex}"))
    (request,) = clarify_standin.created
    assert [item["S3Input"]["S3Uri"] for item in request["ProcessingInputs"]] == [
        f"s3://{data_bucket}/data/sample.csv",
        f"s3://{data_bucket}/out/analysis_config.json",
    ]
    assert request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == f"s3://{data_bucket}/out"


def test_dataset_given_twice_warns_that_the_configs_one_is_read(bucket, capsys):
    """The container reads the config's dataset_uri, not the dataset input (reference §2): say so before the job.

    Airflow 3 task loggers are structlog loggers that print to the console, so the warning is read from there.
    """
    config = {**CONFIG, "dataset_uri": f"s3://{bucket}/elsewhere.csv"}
    plan = operator(bucket, config=config).plan_job()
    assert plan.spec.dataset_uri == f"s3://{bucket}/data/sample.csv"
    printed = capsys.readouterr()
    warning = [
        line
        for line in (printed.out + printed.err).splitlines()
        if "overrides the job's dataset input" in line
    ]
    assert len(warning) == 1 and "elsewhere.csv" in warning[0] and "warning" in warning[0].lower()
    operator(bucket).plan_job()  # one place only: no warning
    printed = capsys.readouterr()
    assert "overrides the job's dataset input" not in printed.out + printed.err


def test_retry_after_completion_reads_the_finished_job(clarify_standin, data_bucket, s3_client):
    context = task_context(f"run-{uuid.uuid4().hex}")
    first = operator(data_bucket).execute(context)
    second = operator(data_bucket).execute(context)
    assert second == first
    assert len(clarify_standin.created) == 1


def test_retry_after_a_stopped_job_starts_the_next_attempt(clarify_standin, data_bucket, sagemaker_client):
    context = task_context(f"run-{uuid.uuid4().hex}")
    clarify_standin.hold()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(operator(data_bucket).execute, context)
        (first_job,) = clarify_standin.wait_for_job_count(1)
        sagemaker_client.stop_processing_job(ProcessingJobName=first_job)
        with pytest.raises(ClarifyAnalysisError):
            running.result(timeout=60)
    clarify_standin.release()
    summary = operator(data_bucket).execute(context)
    assert first_job.endswith("-1")
    assert summary["job_name"] == first_job[: -len("-1")] + "-2"
    assert clarify_standin.job_names() == sorted([first_job, summary["job_name"]])
    assert len(clarify_standin.created) == 2


# The sensor -----------------------------------------------------------------------------------------------------


def test_sensor_fails_with_the_failure_reason(clarify_standin, data_bucket):
    from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor

    config = {**CONFIG, "label": "salary"}
    started = operator(data_bucket, config=config, wait_for_completion=False).execute(
        task_context(f"run-{uuid.uuid4().hex}")
    )
    clarify_standin.wait_for_status(started["job_name"], {"Failed"}, timeout=300)
    sensor = ClarifyProcessingJobSensor(task_id="wait", job_name=started["job_name"])
    with pytest.raises(ClarifyAnalysisError, match="salary") as caught:
        sensor.poke(task_context("any"))
    assert caught.value.job_name == started["job_name"]


def test_deferred_sensor_times_out_without_stopping_a_job_it_does_not_own(clarify_standin, data_bucket):
    from airflow.providers.common.compat.sdk import AirflowSensorTimeout, TaskDeferred

    from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor

    clarify_standin.hold()
    started = operator(data_bucket, wait_for_completion=False).execute(
        task_context(f"run-{uuid.uuid4().hex}")
    )
    sensor = ClarifyProcessingJobSensor(
        task_id="wait", job_name=started["job_name"], deferrable=True, poke_interval=0.2, timeout=1
    )
    context = task_context("any")
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    event = asyncio.run(_first_event(deferred.value.trigger))
    assert event.payload["status"] == "timeout"
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute_complete(context, event.payload)
    asyncio.run(deferred.value.trigger.on_kill())  # a sensor's trigger never stops the job it watches
    assert clarify_standin.stop_requests == []
    assert clarify_standin.status(started["job_name"]) == "InProgress"


def test_retry_that_cannot_see_the_failed_attempt_yet_moves_to_the_next_name(
    clarify_standin, data_bucket, sagemaker_client
):
    """The listing lags (eventual consistency): creating attempt 1 again is refused, so attempt 2 starts."""
    context = task_context(f"run-{uuid.uuid4().hex}")
    clarify_standin.hold()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(operator(data_bucket).execute, context)
        (first_job,) = clarify_standin.wait_for_job_count(1)
        sagemaker_client.stop_processing_job(ProcessingJobName=first_job)
        with pytest.raises(ClarifyAnalysisError):
            running.result(timeout=60)
    clarify_standin.hide_from_listing(first_job)
    clarify_standin.release()
    summary = operator(data_bucket).execute(context)
    assert summary["job_name"] == first_job[: -len("-1")] + "-2"
    assert summary["job_status"] == "Completed"
    assert [request["ProcessingJobName"] for request in clarify_standin.created] == [
        first_job,
        summary["job_name"],
    ]
