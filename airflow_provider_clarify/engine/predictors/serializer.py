"""Request bodies for a batch of records, built the way Clarify builds them (reference §5.1).

One serializer serves every transport, so an HTTP server, a SageMaker endpoint and an in-process model all see
the same bytes for the same records.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...config import templates
from ...contract import CSV as CSV  # re-exported: transports.py reads it from here
from ...contract import JSON, JSON_LINES
from .errors import PredictorConfigError

SUPPORTED_TYPES = (CSV, JSON_LINES, JSON)
"""The MIME types a tabular model receives and answers in (images and time series have their own bodies)."""


def to_plain(value: Any) -> Any:
    """A JSON-able Python value: numpy scalars unwrapped, NaN → None (JSON has no NaN)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_value(value: Any) -> str:
    """Compact JSON of one value; numbers stay numbers, everything else becomes a string."""
    value = to_plain(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def _json_array(values: Sequence[Any]) -> str:
    return "[" + ",".join(json_value(v) for v in values) + "]"


def normalize_mime(value: str | None) -> str | None:
    """Enum strings are case-insensitive (reference §2)."""
    return value.strip().lower() if isinstance(value, str) else value


@dataclass
class RequestSerializer:
    """Turns records (feature vectors in model order) into one request body per batch."""

    content_type: str
    feature_names: list[str]
    content_template: str | None = None
    record_template: str | None = None
    _named: list[str] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.content_type = normalize_mime(self.content_type) or CSV
        self.feature_names = [str(name) for name in self.feature_names]
        if self.content_type not in SUPPORTED_TYPES:
            raise PredictorConfigError(
                f"predictor.content_type {self.content_type!r} is not supported; use one of {', '.join(SUPPORTED_TYPES)}"
            )
        if self.content_type == JSON_LINES:
            if not self.content_template or not templates.has_features_placeholder(self.content_template):
                raise PredictorConfigError(
                    "predictor.content_template must contain the placeholder $features for application/jsonlines "
                    'requests, e.g. {"features":$features}'
                )
        elif self.content_type == JSON:
            self._check_json_templates()

    def _check_json_templates(self) -> None:
        if not self.content_template or not templates.has_record_placeholder(self.content_template):
            raise PredictorConfigError(
                "predictor.content_template must contain $record or $records for application/json requests, "
                'e.g. {"instances":$records}'
            )
        template = self.record_template
        if not template:
            raise PredictorConfigError(
                "predictor.record_template is required for application/json requests: use $features, "
                '$features_kvp or "${NAME}" placeholders'
            )
        placeholders = templates.RecordTemplate.parse(template)
        named = list(placeholders.named)
        if not placeholders.has_placeholder:
            raise PredictorConfigError(
                'predictor.record_template must contain $features, $features_kvp or a "${NAME}" placeholder; '
                f"got {template!r}"
            )
        if placeholders.kvp_count > 1:
            raise PredictorConfigError("predictor.record_template may contain $features_kvp only once")
        unknown = [name for name in named if name not in self.feature_names]
        if unknown:
            raise PredictorConfigError(
                f"predictor.record_template names {', '.join(repr(n) for n in unknown)} in ${{NAME}} "
                f"placeholders, but the model features are {self.feature_names}"
            )
        self._named = named

    @property
    def single_record(self) -> bool:
        """`$record` (not `$records`) sends one record per request (reference §5.1)."""
        return (
            self.content_type == JSON
            and self.content_template is not None
            and templates.sends_one_record(self.content_template)
        )

    def serialize(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The request body for ``rows`` (each one record, values in ``feature_names`` order)."""
        if self.content_type == CSV:
            return self._csv(rows)
        if self.content_type == JSON_LINES:
            template = self.content_template or ""
            lines = [template.replace(templates.FEATURES, _json_array(row)) for row in rows]
            return "\n".join(lines).encode("utf-8")
        return self._json(rows)

    @staticmethod
    def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
        """CSV lines; missing values must arrive as None (``records_of`` maps NaN), which writes an empty field.
        Rows go to the C writer untouched: per-cell Python work would dominate Kernel SHAP's cost."""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().rstrip("\n").encode("utf-8")

    def _render_record(self, row: Sequence[Any]) -> str:
        names = self.feature_names

        def substitute(match: re.Match[str]) -> str:
            token = match.group(0)
            if match.group(1) is not None:
                return json_value(row[names.index(match.group(1))])
            if token == templates.FEATURES_KVP:
                return (
                    "{"
                    + ",".join(f"{json_value(n)}:{json_value(v)}" for n, v in zip(names, row, strict=True))
                    + "}"
                )
            if token == templates.FEATURE_NAMES:
                return _json_array(names)
            return _json_array(row)

        return templates.RECORD_PLACEHOLDERS.sub(substitute, self.record_template or "")

    def _json(self, rows: Sequence[Sequence[Any]]) -> bytes:
        rendered = [self._render_record(row) for row in rows]
        if self.single_record and len(rendered) != 1:
            raise ValueError("a $record content_template takes exactly one record per request")

        def substitute(match: re.Match[str]) -> str:
            token = match.group(0)
            if token == templates.RECORDS:
                return "[" + ",".join(rendered) + "]"
            if token == templates.RECORD:
                return rendered[0]
            return _json_array(self.feature_names)

        return templates.CONTENT_PLACEHOLDERS.sub(substitute, self.content_template or "").encode("utf-8")
