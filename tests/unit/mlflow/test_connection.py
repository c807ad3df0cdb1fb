"""The tracking server an Airflow connection names, and the MLflow client settings it carries."""

from __future__ import annotations

import json
import os

import pytest

from airflow_provider_clarify.mlflow.connection import (
    MlflowConnectionError,
    client_settings,
    target_from_fields,
    tracking_target,
)


@pytest.mark.parametrize(
    ("fields", "uri"),
    [
        ({"host": "mlflow.internal", "port": 5000}, "http://mlflow.internal:5000"),
        ({"host": "mlflow.internal", "schema": "https"}, "https://mlflow.internal"),
        ({"host": "https://mlflow.example.com/prefix/"}, "https://mlflow.example.com/prefix"),
        ({"host": "http://mlflow:5000", "port": 6000}, "http://mlflow:5000"),
        ({"host": "", "extra": {"tracking_uri": "sqlite:////tmp/m.db"}}, "sqlite:////tmp/m.db"),
    ],
)
def test_the_tracking_uri_comes_from_host_schema_port_or_extra(fields, uri):
    assert target_from_fields("mlflow_default", **fields).tracking_uri == uri


def test_credentials_and_client_limits_become_mlflow_settings():
    target = target_from_fields(
        "m", host="h", login="me", password="pw", extra={"token": "t", "max_retries": 0, "request_timeout": 5}
    )
    assert target.environment == {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_TRACKING_USERNAME": "me",
        "MLFLOW_TRACKING_PASSWORD": "pw",
        "MLFLOW_TRACKING_TOKEN": "t",
    }
    assert "pw" not in repr(target)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"host": None}, "names no tracking server: set its host"),
        ({"host": "ftp://files"}, "scheme 'ftp' is not http or https"),
        ({"host": "h", "extra": {"max_retries": "many"}}, "'max_retries' must be a whole number, got 'many'"),
        ({"host": "h", "extra": {"request_timeout": 0}}, "'request_timeout' must be at least 1"),
    ],
)
def test_unusable_connections_are_refused_naming_the_field(fields, message):
    with pytest.raises(MlflowConnectionError, match=message):
        target_from_fields("mlflow_x", **fields)


def test_a_connection_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLFLOW_UNIT", json.dumps({"conn_type": "http", "host": "mlflow", "port": 5000})
    )
    assert tracking_target("mlflow_unit").tracking_uri == "http://mlflow:5000"


def test_a_missing_connection_says_how_to_define_it():
    with pytest.raises(MlflowConnectionError, match="'mlflow_missing' is not defined: create it with host"):
        tracking_target("mlflow_missing")


def test_settings_apply_meanwhile_and_are_restored(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "120")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    target = target_from_fields("m", host="h", extra={"max_retries": 1, "request_timeout": 3})
    with client_settings(target):
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "3"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "1"
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "120"
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ
