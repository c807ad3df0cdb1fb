"""``load_config``: every way a user can hand over an analysis config, turned into one validated ``AnalysisConfig``.

Accepted: a dict, a JSON string, a path to a ``.json`` file, an ``AnalysisConfig``, an ``AnalysisConfigBuilder``,
one SDK-style builder object or a list of them (``[DataConfig(...), BiasConfig(...), SHAPConfig(...)]``).
A dict or JSON document round-trips exactly; nothing is added to it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow_provider_clarify.config.errors import ROOT_PATH, ClarifyConfigError, ConfigProblem
from airflow_provider_clarify.config.model import AnalysisConfig, JobIO
from airflow_provider_clarify.config.validation import validate_document


def load_config(source: Any) -> AnalysisConfig:
    """Validate ``source`` (see module doc) and return the ``AnalysisConfig``.

    Raises :class:`ClarifyConfigError` listing every problem (JSON path + what would be valid).
    """
    if isinstance(source, AnalysisConfig):
        return source
    if isinstance(source, (str, os.PathLike)):
        return config_from_document(_read_text_source(source))
    if isinstance(source, Mapping):
        return config_from_document(dict(source))
    from airflow_provider_clarify.config import builders

    if builders.is_builder(source) or (
        isinstance(source, (list, tuple)) and any(builders.is_builder(item) for item in source)
    ):
        return builders.build(source)
    if isinstance(source, (list, tuple)):
        return config_from_document(source)  # a JSON array is not a config: reported as such
    raise ClarifyConfigError(
        f"cannot read an analysis config from a {type(source).__name__}; give a dict, a JSON string, a path to a "
        ".json file, an AnalysisConfig or builder objects (DataConfig, BiasConfig, ...)"
    )


def config_from_document(document: Any, *, job_io: JobIO | None = None) -> AnalysisConfig:
    """Validate a parsed document and wrap it (no copy of defaults, no conversion)."""
    problems = validate_document(document)
    if problems:
        raise ClarifyConfigError(problems)
    return AnalysisConfig(document, job_io=job_io, _validated=True)


def validate_config(source: Any) -> list[ConfigProblem]:
    """All problems of ``source`` without raising (``[]`` when valid); handy for linters and UIs."""
    try:
        load_config(source)
    except ClarifyConfigError as error:
        return list(error.problems)
    return []


def _read_text_source(source: str | os.PathLike[str]) -> Any:
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return parse_json(source, origin="the JSON string")
    path = Path(source).expanduser()
    if not path.is_file():
        raise ClarifyConfigError(
            f"{str(source)[:200]!r} is neither a JSON object nor the path of an existing .json file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ClarifyConfigError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    return parse_json(text, origin=str(path))


def parse_json(text: str, *, origin: str) -> Any:
    """Parse JSON text, turning a syntax error into a config problem that says where it is."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ClarifyConfigError(
            [
                ConfigProblem(
                    ROOT_PATH,
                    f"{origin} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
                )
            ]
        ) from None
