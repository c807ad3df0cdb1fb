"""ClarifyMlflowOperator refuses bad input before it contacts a tracking server."""

from __future__ import annotations

import types
from datetime import datetime, timezone

import pytest

from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError, ClarifyResultInputError
from airflow_provider_clarify.operators.mlflow import ClarifyMlflowError, ClarifyMlflowOperator
from airflow_provider_clarify.results import ClarifyResult
from tests.unit.results import analysis_samples as samples

TI = types.SimpleNamespace(dag_id="d", task_id="log", run_id="r", map_index=-1)
CONTEXT = {"ti": TI, "logical_date": datetime(2024, 1, 5, tzinfo=timezone.utc)}


@pytest.fixture
def no_server(monkeypatch):
    """A connection whose server would be contacted if anything got that far: the tests must fail before."""

    def contacted(*args, **kwargs):
        raise AssertionError("the tracking server was contacted")

    monkeypatch.setattr("airflow_provider_clarify.operators.mlflow._client", contacted)


def _operator(**kwargs) -> ClarifyMlflowOperator:
    kwargs.setdefault("result", ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri="/o").to_xcom())
    return ClarifyMlflowOperator(task_id="log", mlflow_conn_id="mlflow_unit_missing", **kwargs)


def test_a_value_that_is_not_a_clarify_result_is_refused(no_server):
    with pytest.raises(ClarifyResultInputError, match="result input is unusable: not a Clarify result"):
        _operator(result={"rows": 3}).execute(CONTEXT)


def test_a_bad_config_is_refused(no_server):
    with pytest.raises(ClarifyInvalidConfigError, match="config"):
        _operator(config={"label": 3}).execute(CONTEXT)


def test_a_bad_logical_date_is_refused(no_server):
    with pytest.raises(ClarifyResultInputError, match="logical_date 'yesterday' is not a date"):
        _operator(logical_date="yesterday").execute(CONTEXT)


def test_a_missing_connection_fails_with_how_to_define_it(no_server):
    with pytest.raises(ClarifyMlflowError, match="'mlflow_unit_missing' is not defined"):
        _operator().execute(CONTEXT)


def test_an_empty_connection_id_is_refused_at_parse_time():
    with pytest.raises(ValueError, match="mlflow_conn_id is empty"):
        ClarifyMlflowOperator(task_id="log", result={}, mlflow_conn_id="")


def test_the_run_is_named_and_tagged_by_its_date():
    operator = _operator(tags={"team": "fairness"})
    ti = types.SimpleNamespace(dag_id="backfill", task_id="log", run_id="backfill__2024-01-05", map_index=2)
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri="/o")
    spec = operator._run_spec({"ti": ti, "logical_date": datetime(2024, 1, 5, tzinfo=timezone.utc)}, result)
    assert spec.run_name == "backfill 2024-01-05 [2]"
    assert spec.experiment_name == "clarify/backfill"
    assert spec.tags["airflow.logical_date"] == "2024-01-05T00:00:00+00:00"
    assert spec.tags["team"] == "fairness"
    assert spec.timestamp_ms == 1704412800000
    explicit = _operator(logical_date="2023-12-31")._run_spec({"ti": ti}, result)
    assert explicit.run_name == "backfill 2023-12-31 [2]"
