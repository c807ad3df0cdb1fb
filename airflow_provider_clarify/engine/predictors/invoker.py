"""Batching, bounded concurrency and retries around one transport.

Batches are bounded by a record count and by the 6 MB InvokeEndpoint payload limit; a batch that serializes too
large is halved until it fits. For a remote model (endpoint, URL) batches run on a small thread pool (I/O bound:
the model is elsewhere) and come back in request order; an in-process model is called on the caller's thread. Each worker serializes its own batch right before sending it and parses the answer right
after, so with ``max_concurrency`` workers that many requests stay in flight while the others are being prepared:
a large call (Kernel SHAP sends the synthetic rows of many records at once) keeps the endpoint busy from its first
request to its last. Throttling / 5xx / timeouts are retried with exponential backoff; anything else, or the last
retry, fails the whole call: callers get all outputs or an exception, never part of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .errors import ModelInvocationError
from .responses import RecordOutput, ResponseParser
from .transports import RetryableModelError, Transport

LOG = logging.getLogger("airflow_provider_clarify.engine.predictors")

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024

T = TypeVar("T")
Record = TypeVar("Record")
RecordIn = TypeVar("RecordIn", contravariant=True)


class BodySerializer(Protocol[RecordIn]):
    """Writes the request body of a batch of records (tabular rows, images, time series)."""

    @property
    def content_type(self) -> str: ...

    @property
    def single_record(self) -> bool:
        """Whether a body holds exactly one record (then every request carries one)."""

    def serialize(self, records: Sequence[RecordIn]) -> bytes: ...


class Accepts(Protocol):
    """What the invoker needs of a response reader: the ``Accept`` header to send."""

    @property
    def accept_type(self) -> str: ...


Reader = TypeVar("Reader", bound=Accepts)


@dataclass(frozen=True)
class AcceptHeader:
    """An ``Accepts`` for callers that read responses themselves (``invoke_batches`` with their own parser)."""

    accept_type: str


MIN_SPLIT_RECORDS = 50


@dataclass
class InvocationSettings:
    """Knobs of the client; the defaults suit a SageMaker endpoint."""

    batch_size: int = 1000
    max_concurrency: int = 4
    max_retries: int = 4
    backoff_seconds: float = 0.2
    timeout_seconds: float = 60.0
    max_payload_bytes: int = MAX_PAYLOAD_BYTES

    @classmethod
    def from_options(cls, options: Any) -> InvocationSettings:
        """Read the engine's options object (EngineOptions or anything with the same attribute names)."""
        settings = cls()
        for name in ("batch_size", "max_concurrency", "max_retries", "backoff_seconds", "timeout_seconds"):
            value = getattr(options, name, None) if options is not None else None
            if value is not None:
                setattr(settings, name, value)
        settings.batch_size = max(1, int(settings.batch_size))
        settings.max_concurrency = max(1, int(settings.max_concurrency))
        return settings


class ModelInvoker(Generic[Record, Reader]):
    """Sends records to a model and returns one parsed output per record, in order."""

    def __init__(
        self,
        serializer: BodySerializer[Record],
        parser: Reader,
        transport: Transport,
        settings: InvocationSettings,
    ) -> None:
        self.serializer = serializer
        self.parser = parser
        self.transport = transport
        self.settings = settings
        self.requests_sent = 0
        # at most max_concurrency requests in flight, even when several calls overlap (Kernel SHAP scores the
        # next block of records while the previous one's last requests are still out)
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._count_lock = threading.Lock()

    @property
    def remote(self) -> bool:
        """Whether the model is elsewhere (an endpoint, a URL): then overlapping calls keep it busy."""
        return bool(getattr(self.transport, "remote", False))

    def _batches(self, rows: Sequence[Record]) -> list[Sequence[Record]]:
        """The rows of each request, by record count (the payload limit is checked when a batch is sent)."""
        size = 1 if self.serializer.single_record else self.settings.batch_size
        if getattr(self.transport, "remote", False) and self.settings.max_concurrency > 1:
            # A remote model answers several smaller requests at once faster than one big one: spread a call
            # over the allowed concurrency (never below MIN_SPLIT_RECORDS records per request).
            spread = -(-len(rows) // self.settings.max_concurrency)
            size = min(size, max(spread, MIN_SPLIT_RECORDS))
        return [rows[start : start + size] for start in range(0, len(rows), size)]

    def _send_rows(self, batch: Sequence[Record], parse: Callable[[bytes, int], T]) -> list[T]:
        """Serialize and send one batch; a body over the payload limit is halved (and each half sent) until it
        fits."""
        body = self.serializer.serialize(batch)
        if len(body) <= self.settings.max_payload_bytes:
            return [self._send(body, len(batch), parse)]
        if len(batch) == 1:
            raise ModelInvocationError(
                f"one record serializes to {len(body)} bytes, over the {self.settings.max_payload_bytes} byte "
                "request limit of InvokeEndpoint"
            )
        half = len(batch) // 2
        return self._send_rows(batch[:half], parse) + self._send_rows(batch[half:], parse)

    def _send(self, body: bytes, count: int, parse: Callable[[bytes, int], T]) -> T:
        attempt = 0
        while True:
            try:
                with self._count_lock:
                    self.requests_sent += 1
                with self._slots:
                    response = self.transport.invoke(
                        body, self.serializer.content_type, self.parser.accept_type
                    )
                return parse(response, count)
            except RetryableModelError as error:
                if attempt >= self.settings.max_retries:
                    raise ModelInvocationError(
                        f"{error.reason} (gave up after {attempt + 1} attempts)"
                    ) from error
                delay = self.settings.backoff_seconds * (2**attempt)
                LOG.warning("%s; retrying in %.2f s", error.reason, delay)
                time.sleep(delay)
                attempt += 1

    def invoke_batches(self, rows: Sequence[Record], parse: Callable[[bytes, int], T]) -> list[T]:
        """``parse(response, record_count)`` of every request, in request order. The first failure cancels the
        batches not yet sent and propagates: no partial result."""
        if not rows:
            return []
        batches = self._batches(rows)
        if len(batches) == 1 or self.settings.max_concurrency == 1 or not self.remote:
            # an in-process model runs on the caller's thread (it need not be thread-safe, and threads would not
            # make Python code faster)
            return [result for batch in batches for result in self._send_rows(batch, parse)]
        workers = min(self.settings.max_concurrency, len(batches))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clarify-model")
        try:
            futures = [pool.submit(self._send_rows, batch, parse) for batch in batches]
            return [result for future in futures for result in future.result()]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def invoke(
        self: ModelInvoker[Sequence[Any], ResponseParser], rows: Sequence[Sequence[Any]]
    ) -> list[RecordOutput]:
        """One parsed output per record, in order (tabular records read by a ``ResponseParser``)."""
        batches = self.invoke_batches(rows, self.parser.parse)
        return [output for batch in batches for output in batch]
