"""The Airflow names the provider uses resolve to the running Airflow's own classes (its Task SDK on Airflow 3)."""

from __future__ import annotations

import airflow
import pytest

from airflow_provider_clarify import compat


@pytest.mark.skipif(not airflow.__version__.startswith("3."), reason="the Task SDK paths exist on Airflow 3")
def test_airflow_3_names_come_from_the_task_sdk():
    import airflow.sdk
    import airflow.sdk.exceptions

    assert compat.BaseOperator is airflow.sdk.BaseOperator
    assert compat.Context is airflow.sdk.Context
    assert compat.get_current_context is airflow.sdk.get_current_context
    assert compat.AirflowException is airflow.sdk.exceptions.AirflowException
    assert compat.AirflowFailException is airflow.sdk.exceptions.AirflowFailException


def test_every_listed_name_is_there():
    assert all(getattr(compat, name) is not None for name in compat.__all__)
    assert issubclass(compat.AirflowFailException, compat.AirflowException)
