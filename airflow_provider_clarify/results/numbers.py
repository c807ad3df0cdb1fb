"""Numbers as ``analysis.json`` and the XCom form write them, read with the location of a bad value.

The spellings themselves (``"Infinity"``, ``"-Infinity"``, null for NaN) are the job contract's
(:mod:`airflow_provider_clarify.contract`); this module only says *where* a value that breaks them was found.
"""

from __future__ import annotations

import math

from airflow_provider_clarify.contract import (
    NEGATIVE_INFINITY_TEXT,
    POSITIVE_INFINITY_TEXT,
    decode_number,
)
from airflow_provider_clarify.results.errors import ClarifyResultError


def parse_number(value: object, where: str) -> float | None:
    """analysis.json number → float: ``"Infinity"`` strings → ±inf, NaN/null → None; anything else is an error
    naming ``where`` (the JSON path of the value)."""
    try:
        return decode_number(value)
    except ValueError as error:
        raise ClarifyResultError(f"{where}: {error}") from None


def required_number(value: object, where: str) -> float:
    """Like :func:`parse_number`, but a null becomes NaN: SHAP values are kept per feature even when unknown."""
    number = parse_number(value, where)
    return math.nan if number is None else number


def is_number(value: object) -> bool:
    """A JSON number or one of the two infinity strings (PDP grids mix numbers and category names)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or value in (POSITIVE_INFINITY_TEXT, NEGATIVE_INFINITY_TEXT)
