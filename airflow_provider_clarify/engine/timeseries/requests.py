"""Request bodies for forecasting models, built from the time-series templates (Clarify docs, "Endpoint requests
for time series data").

``record_template`` turns one item (or one coalition of it) into a record: ``$start_time`` becomes the first
timestamp as a JSON value (a string such as ``"2024-01-01 01:00:00"``, or a number), ``$target_time_series`` the
target list, ``$related_time_series`` a list holding one list per related series, ``$static_covariates`` the list
of static covariates. ``content_template`` wraps the records: ``$records`` a JSON list of them (a batch),
``$record`` exactly one (one record per request). For JSON Lines input each line is one record (wrapped by a
``$record`` content template when one is given).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from ...config import templates
from ...config.templates import RELATED_TIME_SERIES, START_TIME, STATIC_COVARIATES, TARGET_TIME_SERIES
from ...contract import JSON, JSON_LINES
from ..predictors.errors import PredictorConfigError

_PLACEHOLDER = templates.TIME_SERIES_PLACEHOLDER
_CONTENT = re.compile(f"{re.escape(templates.RECORDS)}|{re.escape(templates.RECORD)}")  # longest first


class TimeSeriesRecord(NamedTuple):
    """One model input: an item's series with some values replaced by their baseline (a coalition)."""

    start: Any
    target: list[float]
    related: list[list[float]]
    statics: list[Any]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@functools.lru_cache(maxsize=4096)
def _dumps_cached(value: Any) -> str:
    """Start times and static covariates repeat across the coalitions of an item: encode them once."""
    return _dumps(list(value) if isinstance(value, tuple) else value)


class _NumberText(dict[float, str]):
    """JSON text of numbers, remembered: coalitions repeat the same values (an item's own and its baseline), so
    each is formatted once. ``repr`` is the shortest text that reads back as the same float; the readers have
    checked that every value is finite."""

    LIMIT = 1_000_000

    def __missing__(self, value: float) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[value] = repr(value)
        return text

    def array(self, values: Sequence[float]) -> str:
        return "[" + ",".join(map(self.__getitem__, values)) + "]"


class TimeSeriesSerializer:
    """Serializes records into one request body per batch (the ``ModelInvoker`` contract: ``content_type``,
    ``single_record``, ``serialize``)."""

    def __init__(self, content_type: str, record_template: str | None, content_template: str | None) -> None:
        self.content_type = (content_type or JSON).lower()
        if self.content_type not in (JSON, JSON_LINES):
            raise PredictorConfigError(
                f"predictor.content_type {content_type!r} cannot carry time series; use application/json"
            )
        if not record_template:
            raise PredictorConfigError(
                'predictor.record_template is required for time series, e.g. "{\\"start\\": $start_time, '
                '\\"target\\": $target_time_series}"'
            )
        if self.content_type == JSON and (
            not content_template or not templates.has_record_placeholder(content_template)
        ):
            raise PredictorConfigError(
                "predictor.content_template must contain $records or $record for application/json requests"
            )
        self.record_template = record_template
        self.content_template = content_template
        # The template split once at its placeholders: rendering a record is then one join.
        self._parts = _PLACEHOLDER.split(record_template)
        self._tokens = _PLACEHOLDER.findall(record_template)
        self.checked = False
        self._numbers = _NumberText()

    @property
    def single_record(self) -> bool:
        """``$record`` (not ``$records``) in a JSON content template: one record per request."""
        template = self.content_template or ""
        return self.content_type == JSON and templates.sends_one_record(template)

    def render(self, record: TimeSeriesRecord) -> str:
        values = {
            START_TIME: _dumps_cached(record.start),
            TARGET_TIME_SERIES: self._numbers.array(record.target),
            RELATED_TIME_SERIES: "[" + ",".join(map(self._numbers.array, record.related)) + "]",
            STATIC_COVARIATES: _dumps_cached(tuple(record.statics)),
        }
        pieces = [self._parts[0]]
        for token, part in zip(self._tokens, self._parts[1:], strict=True):
            pieces.append(values[token])
            pieces.append(part)
        return "".join(pieces)

    def serialize(self, records: Sequence[TimeSeriesRecord]) -> bytes:
        rendered = [self.render(record) for record in records]
        if self.content_type == JSON_LINES:
            template = self.content_template
            lines = [template.replace(templates.RECORD, line) for line in rendered] if template else rendered
            body = "\n".join(lines)
        else:
            if self.single_record and len(rendered) != 1:
                raise ValueError("a $record content_template takes exactly one record per request")

            def substitute(match: re.Match[str]) -> str:
                return "[" + ",".join(rendered) + "]" if match.group(0) == templates.RECORDS else rendered[0]

            body = _CONTENT.sub(substitute, self.content_template or "")
        if not self.checked:
            self._check_json(body)
        return body.encode("utf-8")

    def _check_json(self, body: str) -> None:
        """The first body must be valid JSON: a quoting mistake in a template is a config error, said once."""
        first = body.split("\n", 1)[0] if self.content_type == JSON_LINES else body
        try:
            json.loads(first)
        except json.JSONDecodeError as error:
            raise PredictorConfigError(
                "predictor.record_template / content_template do not produce valid JSON "
                f"({error.msg} at column {error.colno}): {first[:160]!r}; placeholders insert JSON values, so write "
                'e.g. {"start": $start_time} without quotes around the placeholder'
            ) from None
        self.checked = True
