"""Reading structured text that Airflow rendered: JSON first, then a Python literal (how Jinja prints a list or a
dict without ``| tojson``).

Why here, once: the config renderer and the gate both receive rendered strings such as ``"['age', 'sex']"`` or
``"{'min_di': 0.8}"``. ``ast.literal_eval`` evaluates literals only (no code runs), and the result is kept only
when JSON can hold it, so a rendered value can never smuggle in a set, bytes or an object.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any, Final

_REJECT = object()

MAX_NESTING_DEPTH: Final = 32
"""Deepest nesting of lists/objects a config value (or a rendered gate input) may have. No Clarify field nests
more than a few levels; the bound keeps a hostile or mistaken Param from crashing the parser or the validators
with a ``RecursionError``, which Airflow would retry as if it were transient."""


class TooDeeplyNested(ValueError):
    """A value nests lists/objects deeper than :data:`MAX_NESTING_DEPTH` (the message says so, without a path)."""

    def __init__(self) -> None:
        super().__init__(
            f"the value is nested more than {MAX_NESTING_DEPTH} levels deep; no Clarify config field nests that "
            "deep (does the rendered Param hold what you meant?)"
        )


def parse_structured_text(text: str) -> Any:
    """The JSON value or Python literal ``text`` holds, JSON-able (tuples become lists); ``None`` if neither parses.

    A literal holding something JSON cannot (a set, bytes, a complex number, non-string keys) also gives ``None``.
    Raises :class:`TooDeeplyNested` when the value nests deeper than :data:`MAX_NESTING_DEPTH`.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return parse_python_literal(text)
    except RecursionError:
        raise TooDeeplyNested() from None
    check_nesting(value)
    return value


def parse_python_literal(text: str) -> Any:
    """A Python literal (as Jinja prints it) made JSON-able; ``None`` when it is not one or JSON cannot hold it.

    Raises :class:`TooDeeplyNested` when the literal nests deeper than :data:`MAX_NESTING_DEPTH` (also when it is
    too deep for Python's own parser).
    """
    try:
        value = ast.literal_eval(text)
    except SyntaxError as error:
        if "too many nested" in str(error.msg):
            raise TooDeeplyNested() from None
        return None
    except (MemoryError, RecursionError):
        raise TooDeeplyNested() from None
    except (ValueError, TypeError):
        return None
    check_nesting(value)
    value = _jsonable(value)
    return None if value is _REJECT else value


def nesting_depth(value: object, *, limit: int = MAX_NESTING_DEPTH) -> int:
    """How deep lists/tuples/dicts nest in ``value`` (a scalar is 0, ``[]`` is 1), counted without recursion and
    without looking further than ``limit + 1`` levels."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = (
            item.values() if isinstance(item, Mapping) else item if isinstance(item, (list, tuple)) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > limit:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def check_nesting(value: object) -> None:
    """Raise :class:`TooDeeplyNested` when ``value`` nests deeper than :data:`MAX_NESTING_DEPTH`."""
    if nesting_depth(value) > MAX_NESTING_DEPTH:
        raise TooDeeplyNested()


def _jsonable(value: Any) -> Any:
    """Keep only what JSON can hold (tuples become lists); anything else (sets, bytes, complex) → ``_REJECT``."""
    if isinstance(value, (list, tuple)):
        items = [_jsonable(item) for item in value]
        return _REJECT if any(item is _REJECT for item in items) else items
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return _REJECT
        entries = {key: _jsonable(item) for key, item in value.items()}
        return _REJECT if any(item is _REJECT for item in entries.values()) else entries
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _REJECT
