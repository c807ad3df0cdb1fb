"""Deprecated entry point kept while the operators move to ``load_config(source, rendered=True)``."""

from __future__ import annotations

from airflow_provider_clarify.config.loading import ConfigSource, load_config
from airflow_provider_clarify.config.model import AnalysisConfig


def render_config(source: ConfigSource) -> AnalysisConfig:
    """Deprecated alias of ``load_config(source, rendered=True)``."""
    return load_config(source, rendered=True)
