"""Reading structured text that Airflow rendered: JSON first, then a Python literal (how Jinja prints a list or a
dict without ``| tojson``).

Why here, once: the config renderer and the gate both receive rendered strings such as ``"['age', 'sex']"`` or
``"{'min_di': 0.8}"``. ``ast.literal_eval`` evaluates literals only (no code runs), and the result is kept only
when JSON can hold it, so a rendered value can never smuggle in a set, bytes or an object.
"""

from __future__ import annotations

import ast
import json
from typing import Any

_REJECT = object()


def parse_structured_text(text: str) -> Any:
    """The JSON value or Python literal ``text`` holds, JSON-able (tuples become lists); ``None`` if neither parses.

    A literal holding something JSON cannot (a set, bytes, a complex number, non-string keys) also gives ``None``.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return parse_python_literal(text)


def parse_python_literal(text: str) -> Any:
    """A Python literal (as Jinja prints it) made JSON-able; ``None`` when it is not one or JSON cannot hold it."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    value = _jsonable(value)
    return None if value is _REJECT else value


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
