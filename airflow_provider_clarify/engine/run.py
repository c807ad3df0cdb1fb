"""The state of one engine run, built once by ``run_analysis`` and passed down to every analysis.

Why one object: the bias pass, the explanations and the report all need the same config, resolved column roles,
options, warnings sink and clients. Passing them as one frozen value keeps the signatures short and makes it
impossible for two steps to resolve roles (or defaults) differently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import AnalysisConfig
from ..redaction import redact_text
from .data.sources import S3Client
from .options import EngineOptions
from .roles import ColumnRoles

log = logging.getLogger("airflow_provider_clarify.engine")

Warn = Callable[[str], None]
"""The one signature of an engine warning: a user-facing sentence (logged, and collected for the caller)."""


class WarningSink:
    """Logs every warning and, when the caller gave a list, appends it there too (SPEC §16).

    Warnings travel to XCom and the report: a URL in one is redacted (credentials never leave the run).
    """

    def __init__(self, collected: list[str] | None = None) -> None:
        self.collected = collected

    def warn(self, message: str) -> None:
        message = redact_text(message)
        log.warning(message)
        if self.collected is not None:
            self.collected.append(message)


@dataclass(frozen=True)
class AnalysisRun:
    """Everything an analysis step needs besides its data: the validated config, the resolved column roles,
    the engine options, the warnings sink, the S3 client (datasets, baselines on S3) and the output folder."""

    config: AnalysisConfig
    roles: ColumnRoles
    options: EngineOptions = field(default_factory=EngineOptions)
    warn: Warn = field(default=WarningSink().warn)
    s3_client: S3Client | None = None
    output_dir: Path | None = None
