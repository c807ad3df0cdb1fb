"""Running ``explain_images`` the way ``run_analysis`` runs it: a loaded config and a run context."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from airflow_provider_clarify.config import AnalysisConfig, load_config
from airflow_provider_clarify.engine.data.sources import S3Client
from airflow_provider_clarify.engine.image import explain_images
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.run import RunContext, WarningSink


def context(
    config: AnalysisConfig | dict,
    dataset: str | Path,
    output: str | Path | None,
    *,
    model: object = None,
    warnings: list[str] | None = None,
    s3_client: S3Client | None = None,
    options: EngineOptions | None = None,
    sagemaker_runtime_client: object = None,
) -> RunContext:
    """The run context of an image analysis (``model``: the predictor override)."""
    return RunContext(
        config if isinstance(config, AnalysisConfig) else load_config(config),
        dataset,
        Path(tempfile.gettempdir()),  # images are read object by object: nothing is downloaded to scratch
        Path(output) if output is not None else None,
        options or EngineOptions(),
        WarningSink(warnings),
        s3_client,
        model,
        sagemaker_runtime_client,
    )


def run_images(
    config: AnalysisConfig | dict, dataset: str | Path, output: str | Path | None, **arguments: Any
) -> dict[str, Any]:
    """``explain_images`` of ``dataset`` into ``output`` (arguments as for :func:`context`)."""
    return explain_images(context(config, dataset, output, **arguments))
