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

Rendered values come back as strings (``"0.5"`` for ``"{{ params.threshold }}"``); when the config layer offers
``render_config`` they are turned back into schema types by the schema, never by ``eval``. A dict rendered without
``| tojson`` arrives as a Python literal (``"{'version': '1.0', ...}"``); it is parsed with ``ast.literal_eval``
(literals only, no code runs) so that ``"{{ params.analysis_config }}"`` works as users expect.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
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
    from airflow_provider_clarify.config import ClarifyConfigError, load_config

    source = _normalise(config, argument)
    try:
        return load_config(source)
    except ClarifyConfigError as err:
        raise ClarifyInvalidConfigError(
            f"{argument} is not a valid Clarify analysis config: {err}", problems=getattr(err, "problems", ())
        ) from err


def config_as_dict(config: Any, *, argument: str = "config") -> dict[str, Any]:
    """Validate like :func:`resolve_config` and return the JSON-able document (a deep copy)."""
    return resolve_config(config, argument=argument).to_dict()


def _normalise(config: Any, argument: str) -> Any:
    """Bring the argument into a shape ``load_config`` accepts, with clear errors for what it cannot be."""
    if config is None or (isinstance(config, str) and not config.strip()):
        raise ClarifyInvalidConfigError(f"{argument} is empty; give {VALID_INPUTS}")
    if isinstance(config, str):
        text = config.strip()
        if text.startswith(("{", "[")):
            return _render_types(_parse_document(text, argument))
        return _config_file(Path(text), argument)
    if isinstance(config, os.PathLike):
        return _config_file(Path(config), argument)
    if isinstance(config, Mapping):
        return _render_types(_plain(config))
    return config


def _parse_document(text: str, argument: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        try:
            # A dict rendered with str() by Jinja: Python literals only, nothing is executed.
            document = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise ClarifyInvalidConfigError(
                f"{argument} looks like a JSON document but does not parse: {json_error.msg} at line "
                f"{json_error.lineno} column {json_error.colno}. Tip: render a Param with "
                "'{{ params.<name> | tojson }}' to get JSON."
            ) from None
        if not isinstance(document, dict):
            raise ClarifyInvalidConfigError(
                f"{argument} must hold a JSON object (the analysis config), got {type(document).__name__}"
            ) from None
        return document


def _config_file(path: Path, argument: str) -> Path:
    path = path.expanduser()
    if not path.is_file():
        raise ClarifyInvalidConfigError(
            f"{argument} names a config file that does not exist: {path}. Give {VALID_INPUTS}."
        )
    return path


def _plain(value: Any) -> Any:
    """Copy mappings/sequences into plain dicts/lists (rendered Airflow values may be custom mapping types)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _render_types(document: Any) -> Any:
    """Turn rendered strings back into schema types when the config layer provides the schema-driven helper."""
    import airflow_provider_clarify.config as config_layer

    render_config = getattr(config_layer, "render_config", None)
    return render_config(document) if render_config is not None else document
