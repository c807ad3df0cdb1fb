"""What both engine command lines share (the one-shot run and the sharded ``plan`` / ``shard`` / ``merge``): the
config file and ``--confidence``, read and refused the same way, and the failure file a failed run leaves."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import AnalysisConfig, ClarifyConfigError, load_config
from ..outputs.publishing import LocalDirectory, mark_failed
from .bias.intervals import IntervalSettings
from .confidence import interval_settings
from .errors import AnalysisError


def confidence_argument(text: str) -> IntervalSettings:
    """``--confidence`` JSON → validated settings; a bad one is a usage error (exit 2) naming the key."""
    try:
        return interval_settings(text)
    except ClarifyConfigError as error:
        raise argparse.ArgumentTypeError("; ".join(str(problem) for problem in error.problems)) from None


def config_file(path: Path) -> AnalysisConfig:
    """The config file, loaded (and validated) once; a missing or bad file is the run's failure reason."""
    if not path.is_file():
        raise AnalysisError(f"--config: {path} does not exist; give the analysis_config.json path")
    try:
        return load_config(path)
    except ClarifyConfigError as error:
        raise AnalysisError(str(error)) from error


def record_failure(output: Path, reason: str) -> None:
    """Leave the failed run's reason in ``output`` (the processing job's failure file); best effort: a folder that
    cannot be written only loses the file, the exit code and stderr still say why."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        mark_failed(LocalDirectory(output), reason)
    except OSError:
        pass
