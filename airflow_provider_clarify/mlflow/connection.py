"""The MLflow tracking server an Airflow connection names, and the client settings it carries.

**Connection convention** (default id ``mlflow_default``; type ``http`` or ``generic``):

- ``host`` — the tracking server: ``mlflow.example.com`` or a full URL ``https://mlflow.example.com/prefix``;
  ``schema`` is the scheme when ``host`` has none (``http`` by default, ``https``); ``port`` when the host has
  none;
- ``login`` / ``password`` — HTTP basic auth (MLflow's ``MLFLOW_TRACKING_USERNAME`` / ``PASSWORD``);
- extra ``tracking_uri`` — used verbatim instead of host/schema/port (``sqlite:///...``, ``file:///...``,
  ``databricks``);
- extra ``token`` — a bearer token (``MLFLOW_TRACKING_TOKEN``); ``insecure_tls`` — skip TLS verification;
- extra ``request_timeout`` (seconds, default 30), ``max_retries`` (default 3) and ``backoff_factor`` (default 1)
  — how long an unreachable server may hold the task (MLflow's own defaults retry for minutes).

The settings reach MLflow's client as environment variables, the only way it reads them; :func:`client_settings`
sets them for the duration of the logging step and restores the previous values after.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONN_ID = "mlflow_default"
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF_FACTOR = 1


class MlflowConnectionError(ValueError):
    """The connection does not name a usable tracking server (the message says which field to set)."""


@dataclass(frozen=True)
class TrackingTarget:
    """Where to log (``tracking_uri``) and the client environment to log with (secrets are never logged)."""

    conn_id: str
    tracking_uri: str
    environment: dict[str, str] = field(default_factory=dict, repr=False)


def tracking_target(conn_id: str) -> TrackingTarget:
    """Read the Airflow connection ``conn_id`` (see the module docstring)."""
    from airflow_provider_clarify.compat import BaseHook

    try:
        connection = BaseHook.get_connection(conn_id)
    except Exception as err:  # Airflow raises its own "not defined" error type, which differs by version
        raise MlflowConnectionError(
            f"MLflow connection {conn_id!r} is not defined: create it with host = the tracking server URL "
            '(e.g. http://mlflow:5000) or extra {"tracking_uri": ...}'
        ) from err
    return target_from_fields(
        conn_id,
        host=connection.host,
        schema=connection.schema,
        port=connection.port,
        login=connection.login,
        password=connection.password,
        extra=connection.extra_dejson,
    )


def target_from_fields(
    conn_id: str,
    *,
    host: str | None,
    schema: str | None = None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> TrackingTarget:
    """The tracking target of a connection's fields (no Airflow needed: the convention in one function)."""
    extra = dict(extra or {})
    uri = str(extra.get("tracking_uri") or "").strip() or _uri_from_host(conn_id, host, schema, port)
    environment = {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(
            _positive(extra, "request_timeout", DEFAULT_TIMEOUT_SECONDS, conn_id)
        ),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(
            _non_negative(extra, "max_retries", DEFAULT_MAX_RETRIES, conn_id)
        ),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": str(
            _non_negative(extra, "backoff_factor", DEFAULT_BACKOFF_FACTOR, conn_id)
        ),
    }
    if login:
        environment["MLFLOW_TRACKING_USERNAME"] = login
        environment["MLFLOW_TRACKING_PASSWORD"] = password or ""
    if extra.get("token"):
        environment["MLFLOW_TRACKING_TOKEN"] = str(extra["token"])
    if extra.get("insecure_tls"):
        environment["MLFLOW_TRACKING_INSECURE_TLS"] = "true"
    return TrackingTarget(conn_id, uri, environment)


@contextlib.contextmanager
def client_settings(target: TrackingTarget) -> Iterator[None]:
    """Set the target's MLflow client environment meanwhile; the previous values come back after."""
    saved = {name: os.environ.get(name) for name in target.environment}
    os.environ.update(target.environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _uri_from_host(conn_id: str, host: str | None, schema: str | None, port: int | None) -> str:
    host = (host or "").strip()
    if not host:
        raise MlflowConnectionError(
            f"MLflow connection {conn_id!r} names no tracking server: set its host (e.g. "
            'http://mlflow:5000) or extra {"tracking_uri": ...}'
        )
    scheme, separator, rest = host.partition("://")
    if not separator:
        scheme, rest = (schema or "http").strip().lower(), host
    if scheme not in ("http", "https"):
        raise MlflowConnectionError(
            f"MLflow connection {conn_id!r}: scheme {scheme!r} is not http or https; put other tracking URIs "
            "(sqlite:///..., file:///..., databricks) in extra 'tracking_uri'"
        )
    authority, slash, path = rest.partition("/")
    if port and ":" not in authority:
        authority = f"{authority}:{port}"
    return f"{scheme}://{authority}{slash}{path}".rstrip("/")


def _positive(extra: Mapping[str, Any], name: str, default: int, conn_id: str) -> int:
    value = _integer(extra, name, default, conn_id)
    if value < 1:
        raise MlflowConnectionError(f"MLflow connection {conn_id!r}: extra {name!r} must be at least 1")
    return value


def _non_negative(extra: Mapping[str, Any], name: str, default: int, conn_id: str) -> int:
    value = _integer(extra, name, default, conn_id)
    if value < 0:
        raise MlflowConnectionError(f"MLflow connection {conn_id!r}: extra {name!r} must not be negative")
    return value


def _integer(extra: Mapping[str, Any], name: str, default: int, conn_id: str) -> int:
    value = extra.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MlflowConnectionError(
            f"MLflow connection {conn_id!r}: extra {name!r} must be a whole number, got {value!r}"
        ) from None
