"""The one error of the results layer.

A ``ValueError`` subclass (the layer imports no Airflow): the Airflow layer translates it into the task-facing
exception it needs (``ClarifyResultInputError`` for gate inputs, ``ClarifyGateRuleError`` for rules).
"""

from __future__ import annotations


class ClarifyResultError(ValueError):
    """The input is not a Clarify ``analysis.json`` / result, or a look-up names something the result lacks."""
