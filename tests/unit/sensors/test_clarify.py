"""ClarifyProcessingJobSensor resuming from its trigger: each event outcome fails (or not) the way it should;
and a Completed job is announced as the asset event of its analysis.json, as the operators announce theirs.

The job's description and result come from a stand-in hook here; the sensor against the loopback SageMaker is in
tests/integration/test_remote_faults.py and test_remote_e2e.py.
"""

from __future__ import annotations

import types

import pendulum
import pytest
from airflow.sdk import DAG, AssetAlias

from airflow_provider_clarify.compat import AirflowException, AirflowSensorTimeout, PokeReturnValue
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.operators._assets import analysis_asset
from airflow_provider_clarify.results import ClarifyResult
from airflow_provider_clarify.results.summary import compact_summary
from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor
from tests.unit.results import analysis_samples as samples

JOB = "Clarify-Bias-0123456789-1"
OUTPUT = "s3://bucket/clarify/run-7"


def _sensor() -> ClarifyProcessingJobSensor:
    return ClarifyProcessingJobSensor(task_id="wait", job_name=JOB, aws_conn_id=None)


@pytest.mark.parametrize("status", ["failed", "stopped"])
def test_failed_and_stopped_events_fail_with_the_reason(status):
    with pytest.raises(ClarifyAnalysisError, match="ClientError: no column 'salary'") as caught:
        _sensor().execute_complete({}, {"status": status, "message": "ClientError: no column 'salary'"})
    assert caught.value.job_name == "Clarify-Bias-0123456789-1"
    assert caught.value.reason == "ClientError: no column 'salary'"


def test_timeout_is_a_sensor_timeout():
    with pytest.raises(AirflowSensorTimeout, match="did not finish within the sensor's timeout"):
        _sensor().execute_complete({}, {"status": "timeout", "message": "late"})


def test_error_and_missing_events_fail_the_task():
    with pytest.raises(AirflowException, match="Describing failed"):
        _sensor().execute_complete({}, {"status": "error", "message": "Describing failed"})
    with pytest.raises(AirflowException, match="resumed without a trigger event"):
        _sensor().execute_complete({}, None)


# ------------------------------------------------------------------------------------------------ asset events


def _dag() -> DAG:
    return DAG(dag_id="monitoring", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))


def test_the_sensor_declares_its_alias_as_outlet():
    with _dag():
        default = ClarifyProcessingJobSensor(task_id="wait", job_name=JOB)
        named = ClarifyProcessingJobSensor(task_id="named", job_name=JOB, asset_alias="clarify-daily")
        silent = ClarifyProcessingJobSensor(task_id="silent", job_name=JOB, emit_asset=False)
    assert default.outlets == [AssetAlias("clarify/monitoring/wait")]
    assert named.outlets == [AssetAlias("clarify-daily")]
    assert silent.outlets == []


class _Accessor:
    def __init__(self) -> None:
        self.added: list[tuple[object, dict]] = []

    def add(self, asset, extra=None):
        self.added.append((asset, extra))


class _Hook:
    """The two calls the sensor makes once the job is done, answered from a hand-written analysis.json."""

    conn_region_name = "us-east-1"
    conn_partition = "aws"

    def __init__(self, status: str) -> None:
        self.status = status

    def describe_processing_job(self, job_name: str) -> dict:
        return {"ProcessingJobName": job_name, "ProcessingJobStatus": self.status}

    def job_result(self, description: dict) -> dict:
        return ClarifyResult.from_analysis(
            samples.BIAS_ONLY,
            engine="managed",
            job_name=description["ProcessingJobName"],
            job_status=description["ProcessingJobStatus"],
            output_uri=OUTPUT,
        ).to_xcom()


def _sensor_with_hook(status: str, **kwargs) -> tuple[ClarifyProcessingJobSensor, _Accessor, dict]:
    with _dag():
        sensor = ClarifyProcessingJobSensor(
            task_id="wait", job_name=JOB, asset_alias="clarify-daily", **kwargs
        )
    sensor.__dict__["hook"] = _Hook(status)  # the hook is a cached property: this instance answers instead
    accessor = _Accessor()
    context = {"outlet_events": {AssetAlias("clarify-daily"): accessor}, "ti": types.SimpleNamespace()}
    return sensor, accessor, context


def _expected_event() -> list[tuple[object, dict]]:
    result = ClarifyResult.from_analysis(
        samples.BIAS_ONLY, engine="managed", job_name=JOB, job_status="Completed", output_uri=OUTPUT
    )
    return [(analysis_asset(OUTPUT), compact_summary(result))]


def test_a_completed_job_resumed_from_the_trigger_is_announced():
    sensor, accessor, context = _sensor_with_hook("Completed")
    pushed = sensor.execute_complete(context, {"status": "success", "job_name": JOB})
    assert pushed["job_name"] == JOB and pushed["output_uri"] == OUTPUT
    assert accessor.added == _expected_event()
    [(asset, extra)] = accessor.added
    assert asset.uri == "s3://bucket/clarify/run-7/analysis.json"
    di = extra["bias"]["post_training"]["facets"]["sex"][0]["metrics"][0]
    assert (di["name"], di["value"]) == ("DI", 0.35)  # the value written in the sample analysis.json


def test_a_completed_poke_is_announced_and_a_running_one_is_not(monkeypatch):
    monkeypatch.setattr(
        "airflow_provider_clarify.sensors.clarify.ClarifyProcessingJobLink.persist", lambda **_: None
    )
    running, silent_accessor, running_context = _sensor_with_hook("InProgress")
    assert running.poke(running_context) is False
    assert silent_accessor.added == []

    sensor, accessor, context = _sensor_with_hook("Completed")
    done = sensor.poke(context)
    assert isinstance(done, PokeReturnValue) and done.is_done
    assert done.xcom_value["job_status"] == "Completed"
    assert accessor.added == _expected_event()


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_failed_job_is_not_announced(monkeypatch, status):
    monkeypatch.setattr(
        "airflow_provider_clarify.sensors.clarify.ClarifyProcessingJobLink.persist", lambda **_: None
    )
    sensor, accessor, context = _sensor_with_hook(status)
    with pytest.raises(ClarifyAnalysisError):
        sensor.poke(context)
    assert accessor.added == []


def test_emit_asset_false_announces_nothing():
    sensor, accessor, context = _sensor_with_hook("Completed", emit_asset=False)
    sensor.execute_complete(context, {"status": "success", "job_name": JOB})
    assert accessor.added == []
