"""Running the explanations of an in-memory feature frame, the way ``run_analysis`` runs them after reading data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from airflow_provider_clarify.config import AnalysisConfig, load_config
from airflow_provider_clarify.engine.explain import ExplanationData, run_explanations
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.roles import ColumnRoles
from airflow_provider_clarify.engine.run import AnalysisRun, WarningSink


def explain(
    config: AnalysisConfig | dict,
    data: ExplanationData | pd.DataFrame,
    model: Any,
    output_dir: Path | None,
    warnings: list[str] | None = None,
    *,
    options: EngineOptions | None = None,
) -> dict[str, Any]:
    """``run_explanations`` over ``data`` (a frame of model features, or ExplanationData), files into ``output_dir``."""
    typed = config if isinstance(config, AnalysisConfig) else load_config(config)
    explained = data if isinstance(data, ExplanationData) else ExplanationData(data)
    roles = ColumnRoles.of_features([str(name) for name in explained.features.columns])
    run = AnalysisRun(
        typed, roles, options or EngineOptions(), warn=WarningSink(warnings).warn, output_dir=output_dir
    )
    return run_explanations(run, explained, model)
