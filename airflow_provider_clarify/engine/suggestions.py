""" "Did you mean" for the engine's messages, and the short displays of column values they show.

A message that only says "not found" leaves the user to diff two spellings by eye (``African American`` against
``African-American``, ``Race`` against ``race``). Every engine message about a name or value that does not occur
ends with the closest candidate that does, found by one rule (the config layer's :func:`closest`, case-blind), so
column names, facet values and label values are suggested the same way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ..config.validation import closest

GENERATED_NAME: Final = re.compile(r"column_\d+")
DISPLAYED_VALUES: Final = 10
"""How many values a message shows before it elides the rest."""

_TRUE_WORDS: Final = frozenset({"yes", "y", "true", "t", "positive", "pos"})
_FALSE_WORDS: Final = frozenset({"no", "n", "false", "f", "negative", "neg"})


def suggestion_for(word: object, choices: Iterable[Any]) -> Any | None:
    """The choice whose text is closest to ``word`` (any case), or a binary column's value for a yes/no word.

    The second rule catches ``["yes"]`` for a 0/1 label: no spelling is close, but the intent is clear.
    """
    candidates = {str(choice): choice for choice in choices}
    match = closest(str(word), list(candidates), ignore_case=True)
    if match is not None and match != str(word):
        return candidates[match]
    if isinstance(word, str):
        binary = {value for value in candidates.values() if not isinstance(value, float)}
        if binary in ({0, 1}, {True, False}):
            if word.casefold() in _TRUE_WORDS:
                return next(value for value in binary if value)
            if word.casefold() in _FALSE_WORDS:
                return next(value for value in binary if not value)
    return None


def did_you_mean(word: object, choices: Iterable[Any]) -> str:
    """``"; did you mean 'race'?"`` when a choice is close to ``word``, else ``""`` (appended to a message)."""
    suggestion = suggestion_for(word, choices)
    return f"; did you mean {suggestion!r}?" if suggestion is not None else ""


def did_you_mean_values(values: Sequence[Any], choices: Iterable[Any]) -> str:
    """``"; did you mean [1]?"`` for a list of configured values: each replaced by its suggestion, when all have one."""
    pool = list(choices)
    suggested = [suggestion_for(value, pool) for value in values]
    if not suggested or any(item is None for item in suggested):
        return ""
    return f"; did you mean {suggested!r}?"


def is_generated(names: Sequence[str]) -> bool:
    """Whether the columns are the generated ``column_0``, ``column_1``, ... (data without a header row; JSON data
    without ``headers`` adds at most a label and a predicted-label column to them)."""
    generated = sum(1 for name in names if GENERATED_NAME.fullmatch(name))
    return bool(names) and GENERATED_NAME.fullmatch(names[0]) is not None and generated >= len(names) - 2


def headerless_hint(names: Sequence[str]) -> str:
    """What to do when a name is looked up among generated column names: the data has no header row."""
    if not is_generated(names):
        return ""
    last = sum(1 for name in names if GENERATED_NAME.fullmatch(name)) - 1
    return (
        f". The data has no header row (its first row holds values), so its columns are named column_0 … "
        f"column_{last}: set headers to the column names in file order, or give 0-based indices"
    )


def shown(values: Iterable[Any], limit: int = DISPLAYED_VALUES, *, count: bool = True) -> str:
    """Values for a message, sorted when they sort: ``[1, 2, 3]``, or ``[1, 2, …, 65] (65 values)`` when many
    (without the count when ``count`` is false)."""
    items = list(values)
    with contextlib.suppress(TypeError):  # mixed types keep their order of appearance
        items = sorted(items)
    if len(items) <= limit:
        return repr(items)
    head = ", ".join(repr(item) for item in items[: limit - 1])
    return f"[{head}, …, {items[-1]!r}]" + (f" ({len(items)} values)" if count else "")
