"""Progress logs for long explanations: records done, rate and ETA, at most every few seconds."""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger("airflow_provider_clarify.engine.explain")


class Progress:
    """Logs ``what``: n/total records, records per second and the estimated time left."""

    def __init__(self, what: str, total: int, interval_seconds: float = 10.0) -> None:
        self.what = what
        self.total = total
        self.interval = interval_seconds
        self.done = 0
        self.started = time.monotonic()
        self._last_log = self.started

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last_log >= self.interval or self.done >= self.total:
            self._last_log = now
            elapsed = max(now - self.started, 1e-9)
            rate = self.done / elapsed
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            LOG.info(
                "%s: %d/%d records explained (%.1f records/s, ETA %.0f s)",
                self.what,
                self.done,
                self.total,
                rate,
                eta,
            )
