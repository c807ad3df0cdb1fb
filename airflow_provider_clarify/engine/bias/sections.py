"""The ``pre_training_bias_metrics`` / ``post_training_bias_metrics`` sections, as the managed job writes them
(reference §8.1, §10.2): per facet column, one entry per facet group with every requested metric, sorted by name; a
metric that fails becomes an entry with ``value: null`` and its ``error``, never a failed job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from .counting import Encoders
from .ft_rows import FlipTestRows, group_flip_test
from .groups import FacetGroup
from .posttraining import POST_TRAINING_FUNCTIONS
from .pretraining import PRE_TRAINING_FUNCTIONS
from .profile import ColumnProfile

log = logging.getLogger("airflow_provider_clarify.engine")

MetricOf = Callable[[str, FacetGroup], float]


def pre_training_metric(name: str, group: FacetGroup) -> float:
    assert group.builder is not None
    return PRE_TRAINING_FUNCTIONS[name](group.builder.label_table())


FlipTest = Callable[[FacetGroup, "tuple[int, int] | None"], float]
"""FT of a facet group (in the whole data, or in segment (config, code)) computed elsewhere: a sharded run's merge
adds up its shards' counts."""


def post_training_metric(
    ft_rows: FlipTestRows | None,
    encoders: Encoders,
    n_jobs: int,
    flip_test: FlipTest | None = None,
    segment: tuple[int, int] | None = None,
) -> MetricOf:
    """Post-training metrics from the prediction tables; FT from the collected rows (or ``flip_test``)."""

    def compute(name: str, group: FacetGroup) -> float:
        if name == "FT":
            if flip_test is not None:
                return flip_test(group, segment)
            return group_flip_test(group, ft_rows, encoders, n_jobs)
        assert group.builder is not None
        return POST_TRAINING_FUNCTIONS[name](group.builder.prediction_table())

    return compute


def bias_section(
    label: str,
    label_text: str,
    groups: list[FacetGroup],
    metrics: tuple[str, ...],
    descriptions: dict[str, str],
    compute: MetricOf,
) -> dict[str, Any]:
    facets: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        results = []
        for name in sorted(metrics):
            entry: dict[str, Any] = {"name": name, "description": descriptions[name]}
            try:
                value = float(compute(name, group))
                entry["value"] = None if np.isnan(value) else value
            except (
                Exception
            ) as error:  # a failing metric never fails the job; the caller warns (reference §10.2)
                entry["value"] = None
                entry["error"] = str(error)
            results.append(entry)
        facets.setdefault(group.role.column, []).append(
            {"value_or_threshold": group.text, "metrics": results}
        )
    return {"label": label, "label_value_or_threshold": label_text, "facets": facets}


def value_counts(profile: ColumnProfile) -> dict[str, int]:
    """A column's value counts as the report's distribution charts take them."""
    return {str(value): count for value, count in (profile.values or {}).items()}
