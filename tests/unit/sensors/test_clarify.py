"""ClarifyProcessingJobSensor resuming from its trigger: each event outcome fails (or not) the way it should.

Only the events that need no AWS call are checked here; the sensor against the loopback SageMaker is in
tests/integration/test_remote_faults.py.
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.compat import AirflowException, AirflowSensorTimeout
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.sensors.clarify import ClarifyProcessingJobSensor


def _sensor() -> ClarifyProcessingJobSensor:
    return ClarifyProcessingJobSensor(task_id="wait", job_name="Clarify-Bias-0123456789-1", aws_conn_id=None)


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
