"""The state of one engine run, built once by ``run_analysis`` and passed down to every analysis.

Why one object: every analysis kind needs the same config, options, warnings sink, clients and output folder,
and the tabular steps (bias, explanations, report) also the same resolved column roles. Passing them as one
frozen value keeps the signatures short and makes it impossible for two steps to resolve roles (or defaults)
differently. :class:`RunContext` is what every kind receives; :class:`AnalysisRun` adds the column roles a
tabular analysis resolves from its dataset.
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
from .segments import SegmentConfigSpec

log = logging.getLogger("airflow_provider_clarify.engine")

Warn = Callable[[str], None]
"""The one signature of an engine warning: a user-facing sentence (logged, and collected for the caller)."""


class WarningSink:
    """Logs every warning and, when the caller gave a list, appends it there too (reference §16).

    Warnings travel to XCom and the report: a URL in one is redacted (credentials never leave the run).
    """

    def __init__(self, collected: list[str] | None = None) -> None:
        self.collected = collected
        self._said: set[str] = set()  # what warn_once said, when nothing is collected

    def warn(self, message: str) -> None:
        redacted = redact_text(message)
        if redacted != message:  # keep the kind of a marked warning (a ``str`` subclass: ValuesNotFound...)
            message = type(message)(redacted)
        log.warning(message)
        if self.collected is not None:
            self.collected.append(message)

    def warn_once(self, message: str) -> None:
        """``warn``, unless this run already holds the same warning.

        For what every read of the data finds again (the rows an inner join drops): the run reads its data once
        per step. Checked against the collected warnings, so one that an abandoned attempt said (and that was
        removed with the attempt's warnings, see ``with_stable_column_types``) is said again by the next one.
        """
        said = redact_text(message)
        if said in (self.collected if self.collected is not None else self._said):
            return
        self._said.add(said)
        self.warn(message)


@dataclass(frozen=True)
class RunContext:
    """One run as every analysis kind receives it: the validated config, the dataset (the config's
    ``dataset_uri`` already applied), the output folder (None: nothing is written), a run-scoped scratch folder
    (S3 downloads), the engine options, the warnings sink (``warn``), the S3 client, the model override (``predictor``: a
    URL, ``module:callable``, model file, estimator or callable; None: the config's predictor) with the
    sagemaker-runtime client for endpoints, and where the caller publishes the output folder (``published_uri``,
    e.g. an ``s3://`` prefix; None: the output folder itself), and the parsed ``segment_config`` (tabular
    analyses also compute their results per segment)."""

    config: AnalysisConfig
    dataset_uri: str | Path
    scratch: Path
    output_dir: Path | None = None
    options: EngineOptions = field(default_factory=EngineOptions)
    sink: WarningSink = field(default_factory=WarningSink)
    s3_client: S3Client | None = None
    predictor: object = None
    sagemaker_runtime_client: object = None
    published_uri: str | None = None
    segments: list[SegmentConfigSpec] = field(default_factory=list)

    @property
    def warn(self) -> Warn:
        """The run's one warnings sink (logged, and collected for the caller)."""
        return self.sink.warn


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
