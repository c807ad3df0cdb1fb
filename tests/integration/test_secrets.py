"""A model URL with credentials never shows: not in a log record, an exception, XCom, the report or lineage.

The model is a real HTTP server on loopback; its URL carries a password (``user:password@``) and keys in the
query string (``api_key=``, ``sig=``), as a templated ``http://user:{{ conn.model.password }}@host/...`` renders.
Every log record of the run is captured (DEBUG and up, the HTTP client's own included), and so is everything
written to stdout/stderr.
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from tests.integration.model_servers import Failure, ModelServer, estimator_csv_model

PASSWORD = "pw-7f3a9c1d"
API_KEY = "key-51e0b2aa"
SIGNATURE = "sig-c0ffee42"
SECRETS = (PASSWORD, API_KEY, SIGNATURE)
FEATURES = ["x1", "x2", "group"]
CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "group", "value_or_threshold": [1]}],
    "predictor": {"content_type": "text/csv", "accept_type": "text/csv", "probability": 1},
    "methods": {
        "post_training_bias": {"methods": ["DPPL"]},
        "report": {"name": "report", "title": "Model behind a secret URL"},
    },
}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, object]:
    from sklearn.linear_model import LogisticRegression

    i = np.arange(80)
    frame = pd.DataFrame(
        {
            "label": ((i % 7 + (i * 3) % 5) > 5).astype(int),
            "x1": i % 7,
            "x2": (i * 3) % 5,
            "group": (i % 3 == 0).astype(int),
        }
    )
    path = tmp_path_factory.mktemp("secrets") / "data.csv"
    frame.to_csv(path, index=False)
    return path, LogisticRegression().fit(frame[FEATURES], frame["label"])


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        if record.exc_info:
            self.texts.append("".join(traceback.format_exception(*record.exc_info)))


@pytest.fixture
def all_logs() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "urllib3", "requests")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _secret_url(server: ModelServer) -> str:
    host = server.endpoint_url.removeprefix("http://")
    return f"http://modeluser:{PASSWORD}@{host}/invocations?api_key={API_KEY}&sig={SIGNATURE}"


def _assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (
            f"{secret!r} appears in {where}: ...{text[max(0, text.find(secret) - 120) :][:240]}"
        )


def _exception_texts(error: BaseException) -> list[str]:
    """The exception, every exception chained to it (cause and context) and the traceback Airflow would log."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), *map(str, current.args)]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return texts


def test_a_model_that_fails_once_shows_its_url_nowhere(data, tmp_path, all_logs, capfd):
    dataset, estimator = data
    output = tmp_path / "out"
    with ModelServer(estimator_csv_model(estimator, FEATURES)) as server:
        server.fail_next(Failure(status=500))
        operator = LocalClarifyOperator(
            task_id="secret",
            config=CONFIG,
            dataset_uri=str(dataset),
            output_uri=str(output),
            predictor=_secret_url(server),
        )
        xcom = operator.execute({})
        assert (
            len(server.requests) >= 2
        )  # the failure was retried: the retry is logged, with the model's name
        assert server.requests[0].path.endswith(
            f"api_key={API_KEY}&sig={SIGNATURE}"
        )  # the model got its keys
    assert any("answered HTTP 500" in text for text in all_logs.texts)
    for text in all_logs.texts:
        _assert_no_secret("a log record", text)
    captured = capfd.readouterr()
    _assert_no_secret("stdout/stderr", captured.out + captured.err)
    _assert_no_secret("the XCom value", json.dumps(xcom))
    for path in output.rglob("*"):
        if path.is_file():
            _assert_no_secret(str(path), path.read_bytes().decode("latin-1"))
    _assert_no_secret("the lineage", repr(operator.lineage_uris()))


@pytest.mark.parametrize("unreachable", [False, True], ids=["always-500", "connection-refused"])
def test_a_model_that_keeps_failing_shows_its_url_nowhere(data, tmp_path, all_logs, capfd, unreachable):
    dataset, estimator = data
    with ModelServer(estimator_csv_model(estimator, FEATURES)) as server:
        server.fail_always(Failure(status=503))
        url = _secret_url(server)
    if not unreachable:  # serve again, failing every request
        server = ModelServer(estimator_csv_model(estimator, FEATURES))
        server.fail_always(Failure(status=503))
        url = _secret_url(server)
        server.__enter__()
    try:
        operator = LocalClarifyOperator(
            task_id="secret",
            config=CONFIG,
            dataset_uri=str(dataset),
            output_uri=str(tmp_path / "out"),
            predictor=url,
            engine_options={"max_retries": 1, "backoff_seconds": 0.01},
        )
        with pytest.raises(ClarifyAnalysisError) as caught:
            operator.execute({})
    finally:
        if not unreachable:
            server.__exit__()
    reason = caught.value.reason
    assert ("unreachable" if unreachable else "HTTP 503") in reason
    assert "http://***@127.0.0.1" in reason and "api_key=***" in reason  # still says which model failed
    for text in _exception_texts(caught.value):
        _assert_no_secret("the exception", text)
    for text in all_logs.texts:
        _assert_no_secret("a log record", text)
    captured = capfd.readouterr()
    _assert_no_secret("stdout/stderr", captured.out + captured.err)


def _stored_rendered_fields(dag_id: str, run_id: str) -> dict[tuple[str, int], dict]:
    """What Airflow stored as each task instance's rendered template fields (the UI's "Rendered Template")."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id, run_id=run_id).all()
        return {(row.task_id, row.map_index): dict(row.rendered_fields) for row in rows}


def test_url_credentials_in_the_config_are_masked_in_the_stored_rendered_fields(
    data, tmp_path, test_dags_dir
):
    from tests.integration.airflow_runs import run_dag

    dataset, estimator = data
    password, api_key = f"pw-{uuid.uuid4().hex[:12]}", f"key-{uuid.uuid4().hex[:12]}"
    with ModelServer(estimator_csv_model(estimator, FEATURES)) as server:
        host = server.endpoint_url.removeprefix("http://")
        url = f"http://modeluser:{password}@{host}/invocations?api_key={api_key}&format=text-csv"
        outcome = run_dag(
            test_dags_dir / "rendered_secrets.py",
            "rendered_secrets",
            conf={"dataset": str(dataset), "output": str(tmp_path / "out"), "model_url": url},
        )
        called = [request.path for request in server.requests]
    assert outcome.task_states() == {"plain": "success", "mapped[0]": "success"}
    assert called and all(path.endswith(f"api_key={api_key}&format=text-csv") for path in called)

    stored = _stored_rendered_fields("rendered_secrets", outcome.run_id)
    assert set(stored) == {("plain", -1), ("mapped", 0)}
    for (task_id, _), fields in stored.items():
        text = json.dumps(fields)
        assert password not in text and api_key not in text, (task_id, text)
        # The URL is still recognisable: host, path and the harmless parameter stay.
        assert fields["config"]["predictor"]["local_predictor"] == (
            f"http://***@{host}/invocations?api_key=***&format=text-csv"
        )
        assert fields["dataset_uri"] == str(dataset)
