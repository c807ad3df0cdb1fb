"""Metric names and their description strings, byte for byte as the managed job writes them (SPEC §9).

The misspelling "Kullback-Liebler" is the reference's and is kept on purpose: gates and dashboards compare these
strings.
"""

from __future__ import annotations

# The registry itself lives in the config layer, shared with validation, results and gates.
from ...config.metrics import POST_TRAINING_DESCRIPTIONS, PRE_TRAINING_DESCRIPTIONS

__all__ = [
    "POST_TRAINING_DESCRIPTIONS",
    "POST_TRAINING_METRICS",
    "PRE_TRAINING_DESCRIPTIONS",
    "PRE_TRAINING_METRICS",
    "select_metrics",
]

PRE_TRAINING_METRICS: list[str] = sorted(PRE_TRAINING_DESCRIPTIONS)
POST_TRAINING_METRICS: list[str] = sorted(POST_TRAINING_DESCRIPTIONS)


def select_metrics(requested: object, registry: list[str], field: str) -> list[str]:
    """The metric names to run, sorted by name: ``"all"`` or a list drawn from ``registry``.

    Unknown names fail the job with the reference's wording plus the field to fix.
    """
    if (isinstance(requested, str) and requested.lower() == "all") or requested is None:
        return list(registry)
    names = [requested] if isinstance(requested, str) else list(requested)  # type: ignore[call-overload]
    if isinstance(names, list) and [n for n in names if isinstance(n, str) and n.lower() == "all"]:
        return list(registry)
    unknown = [name for name in names if name not in registry]
    if unknown:
        from ..errors import AnalysisError

        raise AnalysisError(
            f"Invalid metric_name: metrics should be one of the registered metrics{registry} "
            f"({field} has {unknown}; use 'all' or names from that list)"
        )
    return sorted(set(names))
