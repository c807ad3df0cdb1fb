"""Turn an operator's ``config`` argument into a validated ``AnalysisConfig`` — one helper for every operator.

Both ClarifyOperator (managed job) and LocalClarifyOperator (in-worker engine) accept the same inputs, and they
must fail the same way on the same bad input, so the translation lives here once:

- a ``dict`` (possibly holding Jinja strings that Airflow already rendered),
- a JSON string, e.g. ``"{{ params.analysis_config | tojson }}"`` rendered,
- a path to a ``.json`` file (``str`` or ``os.PathLike``; the path itself may be templated),
- builder objects (``DataConfig``, ``BiasConfig``, …) alone or in a list/tuple,
- an ``AnalysisConfig`` (passed through).

Call :func:`resolve_config` in ``execute()``, after Airflow rendered the template fields, and before any side
effect (no upload, no job, no output file) — a bad config is an ``AirflowFailException`` (retries cannot help).

Operators should list their config argument in ``template_fields`` and should NOT add ``".json"`` to
``template_ext``: Airflow would then read the file through the DAG's Jinja loader, which only sees the DAG folder
and ``template_searchpath`` and fails on absolute paths elsewhere. Here the path is read at execute time instead.

Rendered values come back as strings (``"0.5"`` for ``"{{ params.threshold }}"``); the config layer's
``render_config`` turns them back into schema types by the schema, never by ``eval``. A dict rendered without
``| tojson`` arrives as a Python literal (``"{'version': '1.0', ...}"``) and is read as such (literals only).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError

if TYPE_CHECKING:
    from airflow_provider_clarify.config import AnalysisConfig

VALID_INPUTS = (
    "a dict, a JSON string, a path to a .json file, builder objects (DataConfig, BiasConfig, ...) "
    "or an AnalysisConfig"
)


def resolve_config(config: Any, *, argument: str = "config") -> AnalysisConfig:
    """Validate ``config`` (any accepted input, already template-rendered) and return the ``AnalysisConfig``.

    Raises :class:`ClarifyInvalidConfigError` naming ``argument`` and, for schema problems, listing every problem
    with its JSON path (``.problems`` keeps them for callers and tests).
    """
    from airflow_provider_clarify.config import ClarifyConfigError
    from airflow_provider_clarify.config.render import render_config

    source = _check_argument(config, argument)
    try:
        return render_config(source)
    except ClarifyConfigError as err:
        raise ClarifyInvalidConfigError(
            f"{argument} is not a valid Clarify analysis config: {err}", problems=getattr(err, "problems", ())
        ) from err


def config_as_dict(config: Any, *, argument: str = "config") -> dict[str, Any]:
    """Validate like :func:`resolve_config` and return the JSON-able document (a deep copy)."""
    return resolve_config(config, argument=argument).to_dict()


def _check_argument(config: Any, argument: str) -> Any:
    """Errors that name the operator argument: empty values and config files that do not exist."""
    if config is None or (isinstance(config, str) and not config.strip()):
        raise ClarifyInvalidConfigError(f"{argument} is empty; give {VALID_INPUTS}")
    if isinstance(config, str) and not config.lstrip().startswith(("{", "[")):
        return _config_file(Path(config.strip()), argument)
    if isinstance(config, os.PathLike):
        return _config_file(Path(config), argument)
    return config


def _config_file(path: Path, argument: str) -> Path:
    path = path.expanduser()
    if not path.is_file():
        raise ClarifyInvalidConfigError(
            f"{argument} names a config file that does not exist: {path}. Give {VALID_INPUTS}."
        )
    return path
