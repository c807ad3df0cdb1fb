"""Real model servers on 127.0.0.1 for the model-transport tests and the endpoint benchmark.

- ``ModelServer``: a threaded HTTP server. ``POST /invocations`` (any path, in fact) is a plain HTTP model like
  MLflow or BentoML would serve; ``POST /endpoints/{name}/invocations`` speaks SageMaker's InvokeEndpoint
  protocol (REST-JSON: raw body, ``X-Amzn-SageMaker-*`` headers, ``x-amzn-ErrorType`` on errors), so a boto3
  ``sagemaker-runtime`` client with ``endpoint_url`` pointing here is served like by the real service. (moto's
  InvokeEndpoint answers canned results that ignore the request body, so it cannot drive a real analysis.)
- The model itself is a function ``body: bytes, headers: dict -> bytes``; scripted failures (HTTP status,
  throttling, delays) are queued with ``fail_next``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
_ENDPOINT_PATH = re.compile(r"^/endpoints/([^/]+)/invocations$")

ModelFunction = Callable[[bytes, dict[str, str]], bytes]


@dataclass
class Failure:
    """One scripted failure: an HTTP status (with a SageMaker error type) or a delay before answering."""

    status: int = 500
    error_type: str = "InternalFailure"
    delay_seconds: float = 0.0


@dataclass
class RequestLog:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _State:
    model: ModelFunction
    latency_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    always_fail: Failure | None = None
    requests: list[RequestLog] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {key.lower(): value for key, value in self.headers.items()}
        with state.lock:
            state.requests.append(RequestLog(self.path, headers, body))
            failure = state.failures.pop(0) if state.failures else state.always_fail
        sagemaker = _ENDPOINT_PATH.match(self.path) is not None
        if failure is not None:
            if failure.delay_seconds:
                time.sleep(failure.delay_seconds)
            if failure.status:
                self._error(failure.status, failure.error_type, sagemaker)
                return
        if state.latency_seconds:
            time.sleep(state.latency_seconds)
        try:
            answer = state.model(body, headers)
        except Exception as error:
            self._error(400, "ValidationError", sagemaker, str(error))
            return
        self.send_response(200)
        self.send_header("Content-Type", headers.get("accept", "text/csv"))
        if sagemaker:
            self.send_header("x-Amzn-Invoked-Production-Variant", "AllTraffic")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _error(
        self, status: int, error_type: str, sagemaker: bool, message: str = "scripted failure"
    ) -> None:
        payload = json.dumps({"message": message}).encode() if sagemaker else message.encode()
        self.send_response(status)
        if sagemaker:
            self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) leaves a broken pipe behind: expected, not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class ModelServer:
    """A model served over HTTP on 127.0.0.1 with a free port: ``url`` (plain HTTP model) and ``endpoint_url``
    (for a boto3 sagemaker-runtime client)."""

    def __init__(self, model: ModelFunction, *, latency_seconds: float = 0.0) -> None:
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.state = _State(model=model, latency_seconds=latency_seconds)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host}:{port}"
        self.url = f"{self.endpoint_url}/invocations"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> list[RequestLog]:
        return list(self._server.state.requests)

    def fail_next(self, *failures: Failure) -> None:
        self._server.state.failures.extend(failures)

    def fail_always(self, failure: Failure | None) -> None:
        self._server.state.always_fail = failure


def estimator_csv_model(estimator: Any, feature_names: list[str]) -> ModelFunction:
    """A scikit-learn estimator behind a text/csv wire: each request line is a record, each answer line its
    class probabilities."""
    import io

    import numpy as np
    import pandas as pd

    def model(body: bytes, headers: dict[str, str]) -> bytes:
        frame = pd.read_csv(io.BytesIO(body), header=None, names=feature_names)
        scores = np.asarray(estimator.predict_proba(frame))
        buffer = io.StringIO()
        np.savetxt(buffer, scores, delimiter=",", fmt="%.17g")
        return buffer.getvalue().encode()

    return model
