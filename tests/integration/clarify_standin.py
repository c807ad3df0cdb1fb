"""The managed Clarify container's stand-in is the sandbox's processing-job emulator, installed on the session's
in-process moto server (airflow_provider_clarify.sandbox.processing); test modules wrap ``running_standin`` in
their ``clarify_standin`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow_provider_clarify.sandbox.processing import ProcessingJobEmulator, running_emulator

ClarifyStandIn = ProcessingJobEmulator


@contextmanager
def running_standin(moto_server: Any, s3_server: Any, **options: Any) -> Iterator[ProcessingJobEmulator]:
    """The emulator for one test, on the session's loopback servers, in the tests' account and region."""
    from tests.integration.conftest import MOTO_ACCOUNT, REGION

    with running_emulator(moto_server, s3_server, account=MOTO_ACCOUNT, region=REGION, **options) as emulator:
        yield emulator
