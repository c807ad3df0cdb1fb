"""The placeholders of ``predictor.content_template`` and ``predictor.record_template`` (reference §5.1).

Why one module: the config validation (which rejects a template before any upload) and the engine's request
serializer (which fills the template for every request) must agree on what counts as a placeholder; two copies of
these patterns once disagreed on whether ``$features`` inside ``$features_kvp`` counts. Everything here is a fact
about the template text; messages stay with the layer that reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

FEATURES: Final = "$features"
"""The record's feature values as a JSON array (JSON Lines content template, JSON record template)."""
FEATURES_KVP: Final = "$features_kvp"
"""The record as a JSON object of feature name → value (record template; must be its only placeholder)."""
FEATURE_NAMES: Final = "$feature_names"
"""The feature names as a JSON array (record and content templates)."""
RECORD: Final = "$record"
"""One rendered record (content template of a model that takes one record per request)."""
RECORDS: Final = "$records"
"""The rendered records of a batch as a JSON array (content template)."""

RECORD_PLACEHOLDERS: Final = re.compile(r'\$features_kvp|\$feature_names|\$features|"\$\{([^}]*)\}"')
"""Every placeholder of a record template, longest spelling first; group 1 is the column of ``"${NAME}"``."""
CONTENT_PLACEHOLDERS: Final = re.compile(r"\$records|\$record|\$feature_names")
"""Every placeholder of a JSON content template, longest spelling first."""

# Time series (Clarify docs, "Endpoint requests for time series data"): a record template may hold the first
# timestamp (a JSON string or number), the target series (a list), the related series (a list of lists, one per
# related series) and the static covariates (a list).
START_TIME: Final = "$start_time"
TARGET_TIME_SERIES: Final = "$target_time_series"
RELATED_TIME_SERIES: Final = "$related_time_series"
STATIC_COVARIATES: Final = "$static_covariates"
TIME_SERIES_PLACEHOLDERS: Final = (START_TIME, TARGET_TIME_SERIES, RELATED_TIME_SERIES, STATIC_COVARIATES)
"""Every placeholder of a time-series record template."""
TIME_SERIES_PLACEHOLDER: Final = re.compile(
    "|".join(re.escape(token) for token in sorted(TIME_SERIES_PLACEHOLDERS, key=len, reverse=True))
)
"""Finds the time-series placeholders of a record template, longest spelling first."""
ANY_PLACEHOLDER: Final = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
"""Anything spelled like a placeholder (``$name``): what a record template may not hold unless it is known."""

_PLAIN_FEATURES = re.compile(r"\$features(?!_kvp)")
_NAMED = re.compile(r'"\$\{([^}]*)\}"')


@dataclass(frozen=True)
class RecordTemplate:
    """What a record template holds: how many ``$features_kvp`` and plain ``$features`` placeholders, and the
    column names of its ``"${NAME}"`` placeholders, in order."""

    kvp_count: int
    vector_count: int
    named: tuple[str, ...]

    @classmethod
    def parse(cls, template: str) -> RecordTemplate:
        return cls(
            kvp_count=template.count(FEATURES_KVP),
            vector_count=len(_PLAIN_FEATURES.findall(template)),
            named=tuple(_NAMED.findall(template)),
        )

    @property
    def has_placeholder(self) -> bool:
        """Whether any placeholder puts feature values into the record."""
        return bool(self.kvp_count or self.vector_count or self.named)

    @property
    def kvp_is_alone(self) -> bool:
        """``$features_kvp`` writes the whole record: it may appear once and never beside another placeholder."""
        return self.kvp_count == 0 or (self.kvp_count == 1 and not (self.vector_count or self.named))


def has_features_placeholder(content_template: str) -> bool:
    """A JSON Lines content template must hold ``$features`` (one line per record)."""
    return FEATURES in content_template


def has_record_placeholder(content_template: str) -> bool:
    """A JSON content template must hold ``$record`` or ``$records``."""
    return RECORD in content_template


def sends_one_record(content_template: str) -> bool:
    """``$record`` (not ``$records``) in the content template: the model takes one record per request."""
    return RECORD in content_template.replace(RECORDS, "")
