"""Turn an operator's ``config`` argument into a validated ``AnalysisConfig`` — once per execution, for every
operator.

Both ClarifyOperator (managed job) and LocalClarifyOperator (in-worker engine) accept the same inputs, and they
must fail the same way on the same bad input, so the translation lives here once:

- a ``dict`` (possibly holding Jinja strings that Airflow already rendered),
- a JSON string, e.g. ``"{{ params.analysis_config | tojson }}"`` rendered,
- a path to a ``.json`` file (``str`` or ``os.PathLike``; the path itself may be templated),
- builder objects (``DataConfig``, ``BiasConfig``, …) alone or in a list/tuple,
- an ``AnalysisConfig`` (passed through).

Operators call :meth:`ConfigInputMixin.resolve_analysis_config` in ``execute()``, after Airflow rendered the
template fields, and before any side effect (no upload, no job, no output file) — a bad config is an
``AirflowFailException`` (retries cannot help). The validated config is remembered for the rest of the execution
(OpenLineage reads it after the task), so the config layer validates it exactly once per execution.

Operators should list their config argument in ``template_fields`` and should NOT add ``".json"`` to
``template_ext``: Airflow would then read the file through the DAG's Jinja loader, which only sees the DAG folder
and ``template_searchpath`` and fails on absolute paths elsewhere. Here the path is read at execute time instead.

Rendered values come back as strings (``"0.5"`` for ``"{{ params.threshold }}"``); the config layer's
``load_config(..., rendered=True)`` turns them back into schema types by the schema, never by ``eval``. A dict
rendered without ``| tojson`` arrives as a Python literal (``"{'version': '1.0', ...}"``) and is read as such.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airflow_provider_clarify import config as config_layer
from airflow_provider_clarify.config import AnalysisConfig, ClarifyConfigError
from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError

VALID_INPUTS = (
    "a dict, a JSON string, a path to a .json file, builder objects (DataConfig, BiasConfig, ...) "
    "or an AnalysisConfig"
)


ConfigArgument = Any
"""An operator's ``config`` argument: any input listed in the module docstring (checked by the config layer)."""


def resolve_config(config: ConfigArgument, *, argument: str = "config") -> AnalysisConfig:
    """Validate ``config`` (any accepted input, already template-rendered) and return the ``AnalysisConfig``.

    Raises :class:`ClarifyInvalidConfigError` naming ``argument`` and, for schema problems, listing every problem
    with its JSON path (``.problems`` keeps them for callers and tests).
    """
    source = _check_argument(config, argument)
    try:
        return config_layer.load_config(source, rendered=True)
    except ClarifyConfigError as err:
        raise ClarifyInvalidConfigError(
            f"{argument} is not a valid Clarify analysis config: {err}", problems=err.problems
        ) from err


def _check_argument(config: ConfigArgument, argument: str) -> ConfigArgument:
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


class ConfigInputMixin:
    """The ``config`` argument of an operator, validated once per execution and remembered for what follows.

    ``execute()`` calls :meth:`resolve_analysis_config`; OpenLineage (after the task) and anything else that
    needs the config in the same execution calls :meth:`analysis_config_for_lineage`, which reuses it.
    """

    config: ConfigArgument  # template-rendered by Airflow before execute()
    _resolved_config: AnalysisConfig | None = None

    def resolve_analysis_config(self) -> AnalysisConfig:
        """Validate the (rendered) ``config`` argument and remember the result for this execution."""
        self._resolved_config = resolve_config(self.config)
        return self._resolved_config

    def analysis_config_for_lineage(self) -> AnalysisConfig | None:
        """The config this execution validated; when ``execute()`` did not run, the argument validated now.

        None when the argument is not a valid config: lineage is best effort, and a config that failed the task
        already said why.
        """
        if self._resolved_config is not None:
            return self._resolved_config
        try:
            return resolve_config(self.config)
        except ClarifyInvalidConfigError:
            return None
