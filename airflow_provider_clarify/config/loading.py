"""``load_config``: the one way into the config layer. Every way a user can hand over an analysis config becomes one
validated :class:`AnalysisConfig`.

Accepted: a dict, a JSON string, a path to a ``.json`` file, an ``AnalysisConfig`` (returned as it is), an
``AnalysisConfigBuilder``, one SDK-style builder object or a list of them
(``[DataConfig(...), BiasConfig(...), SHAPConfig(...)]``). A dict or JSON document round-trips exactly; nothing is
added to it.

Why one function: the operators, the engine CLI, lineage and notebooks must accept the same inputs and fail the
same way on the same bad input, and the document must be validated once per task, not once per layer. Each call
validates the document with exactly one call of :func:`validation.validate_document`; whatever receives the
returned ``AnalysisConfig`` trusts it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from airflow_provider_clarify.config import validation
from airflow_provider_clarify.config.builders import AnalysisConfigBuilder, Builder, from_builders, is_builder
from airflow_provider_clarify.config.coercion import coerce_rendered, plain
from airflow_provider_clarify.config.errors import ROOT_PATH, ClarifyConfigError, ConfigProblem, join_path
from airflow_provider_clarify.config.literals import (
    MAX_NESTING_DEPTH,
    TooDeeplyNested,
    nesting_depth,
    parse_python_literal,
)
from airflow_provider_clarify.config.model import AnalysisConfig, JobIO
from airflow_provider_clarify.contract import JSONValue

ConfigSource = AnalysisConfig | Mapping[str, object] | str | os.PathLike[str] | Builder | Sequence[Builder]
"""What :func:`load_config` reads (see the module doc)."""


def load_config(source: ConfigSource, *, rendered: bool = False) -> AnalysisConfig:
    """Validate ``source`` (see module doc) and return its ``AnalysisConfig``.

    ``rendered=True`` reads what Airflow left in a templated field (the operators' reading): strings of a dict are
    turned back into the schema's types (``"100"`` → ``100`` where an integer belongs,
    :mod:`~airflow_provider_clarify.config.coercion`), and a string holding a dict is read as JSON or, as Jinja
    prints a dict without ``| tojson``, as a Python literal (literals only, no code runs). Builder objects are
    always read that way, since Airflow renders their arguments in place.

    Raises :class:`ClarifyConfigError` listing every problem (JSON path + what would be valid).
    """
    if isinstance(source, AnalysisConfig):
        return source
    if isinstance(source, str) and rendered and source.lstrip().startswith("{"):
        return _validated(coerce_rendered(_rendered_object(source.strip())))
    if isinstance(source, (str, os.PathLike)):
        return _validated(_read_text_source(source))
    if isinstance(source, Mapping):
        _check_nesting(source)
        return _validated(coerce_rendered(source) if rendered else dict(source))
    if is_builder(source) or (isinstance(source, (list, tuple)) and any(is_builder(item) for item in source)):
        return _built(from_builders(source))
    if isinstance(source, (list, tuple)):
        _check_nesting(source)
        return _validated(plain(source))  # a JSON array is not a config: reported as such
    raise ClarifyConfigError(
        f"cannot read an analysis config from a {type(source).__name__}; give a dict, a JSON string, a path to a "
        ".json file, an AnalysisConfig or builder objects (DataConfig, BiasConfig, ...)"
    )


def _validated(
    document: object, *, job_io: JobIO | None = None, builder_problems: Sequence[ConfigProblem] = ()
) -> AnalysisConfig:
    """The one validation of a ``load_config`` call, then the wrap (no copy of defaults, no conversion)."""
    problems = [*builder_problems, *validation.validate_document(document)]
    if problems or not isinstance(document, dict):
        raise ClarifyConfigError(problems)
    return AnalysisConfig.from_validated(document, job_io=job_io)


def _built(builder: AnalysisConfigBuilder) -> AnalysisConfig:
    """Builders' combination problems first, then the document's own, reported together."""
    document = builder.to_dict()
    _check_nesting(document)
    return _validated(coerce_rendered(document), job_io=builder.job_io(), builder_problems=builder.problems())


def _check_nesting(document: object) -> None:
    """Refuse a document whose values nest deeper than ``MAX_NESTING_DEPTH`` before anything walks it
    recursively (coercion, validation): a ``RecursionError`` would read as a transient crash.

    The problem is reported at the deepest object key that leads to the too-deep value (``methods.shap.baseline``,
    not ``methods``), found without recursion.
    """
    if nesting_depth(document, limit=MAX_NESTING_DEPTH + 1) <= MAX_NESTING_DEPTH + 1:
        return  # the document itself is one level: its values may nest MAX_NESTING_DEPTH deep
    path, value = ROOT_PATH, document
    while isinstance(value, Mapping):
        deep = next(
            ((key, item) for key, item in value.items() if nesting_depth(item) > MAX_NESTING_DEPTH), None
        )
        if deep is None:
            break
        path, value = join_path(path, str(deep[0])), deep[1]
    raise ClarifyConfigError(str(TooDeeplyNested()), path=path)


def _rendered_object(text: str) -> JSONValue:
    """A rendered config string: JSON, else the Python literal Jinja prints for a dict."""
    try:
        document: JSONValue = json.loads(text)
    except json.JSONDecodeError:
        try:
            document = parse_python_literal(text)
        except TooDeeplyNested as error:
            raise ClarifyConfigError(str(error)) from None
        if not isinstance(document, dict):
            document = parse_json(text, origin="the rendered config")  # raises with the JSON error position
    except RecursionError:
        document = parse_json(text, origin="the rendered config")  # reports the nesting
    _check_nesting(document)
    return document


def _read_text_source(source: str | os.PathLike[str]) -> JSONValue:
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


def parse_json(text: str, *, origin: str) -> JSONValue:
    """Parse JSON text, turning a syntax error into a config problem that says where it is."""
    try:
        document: JSONValue = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClarifyConfigError(
            [
                ConfigProblem(
                    ROOT_PATH,
                    f"{origin} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
                )
            ]
        ) from None
    except RecursionError:
        raise ClarifyConfigError(f"{origin}: {TooDeeplyNested()}") from None
    _check_nesting(document)
    return document
