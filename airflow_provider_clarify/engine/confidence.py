"""The ``confidence`` option as users give it (a dict, JSON text, a rendered Airflow template) → validated settings.

Why a module of its own: the engine CLI (``--confidence '<json>'``), ``EngineOptions(confidence=...)`` and the
``LocalClarifyOperator(confidence=...)`` argument all take the same object, and all of them must reject a bad
setting before the run does anything, with the key named (``confidence.level: must be a number strictly between 0
and 1``). The numerical core (``bias/intervals.py``) validates typed values; this module only turns what arrives
as text into those values.

Airflow renders each templated string of a dict on its own, so ``{"level": "{{ params.level }}"}`` arrives as
``{"level": "0.9"}``: a numeric string in ``level``, ``replicates`` or ``seed`` is read as the number it spells,
and one rendered to ``""`` / ``"None"`` (an optional Param left empty) is dropped so the default applies. Nothing
else is converted; ``method`` stays the string it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..config.errors import ClarifyConfigError
from ..config.literals import parse_structured_text
from .bias.intervals import IntervalSettings

CONFIDENCE_PATH = "confidence"
NUMERIC_KEYS = ("level", "replicates", "seed")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ABSENT = ("", "None", "none", "null")


def interval_settings(value: object, *, path: str = CONFIDENCE_PATH) -> IntervalSettings:
    """Validated settings from an ``IntervalSettings``, a dict, or JSON / Python-literal text of a dict.

    Raises :class:`ClarifyConfigError` listing every problem by key (``confidence.replicates``, ...).
    """
    if isinstance(value, IntervalSettings):
        return value
    if isinstance(value, str):
        parsed = parse_structured_text(value)
        if not isinstance(parsed, Mapping):
            raise ClarifyConfigError(
                f'must be a JSON object such as \'{{"level": 0.95, "replicates": 2000, "seed": 7, '
                f'"method": "percentile"}}\', got {value!r}',
                path=path,
            )
        value = parsed
    if isinstance(value, Mapping):
        value = {key: _rendered(key, item) for key, item in value.items() if not _left_empty(key, item)}
    return IntervalSettings.from_dict(value, path=path)


def _left_empty(key: object, item: object) -> bool:
    """A numeric setting rendered from an empty optional Param: treated as absent (its default applies)."""
    return key in NUMERIC_KEYS and (item is None or (isinstance(item, str) and item.strip() in _ABSENT))


def _rendered(key: object, item: object) -> object:
    """A numeric string of a numeric setting → the number it spells; everything else unchanged."""
    if key not in NUMERIC_KEYS or not isinstance(item, str):
        return item
    text = item.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return item
