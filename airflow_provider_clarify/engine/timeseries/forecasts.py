"""Reading forecasts out of model responses with ``predictor.time_series_predictor_config.forecast`` (JMESPath).

For a batch request (``$records``) the expression must give one forecast per record, e.g. ``predictions[*].mean``
on ``{"predictions": [{"mean": [...]}, ...]}`` (Clarify docs: ``predictions[*].mean[:2]`` gives
``[[13.4, 3.6], [23.0, 4.7], [3.4, 5.6]]``). For a one-record request (``$record``) it may give the forecast
itself. For JSON Lines responses it is applied to each line. A forecast is a list of numbers, one per horizon
step (a single number is a one-step forecast).
"""

from __future__ import annotations

import json
import math
from typing import Any

import jmespath
import jmespath.exceptions
import numpy as np

from ...contract import CSV, JSON, JSON_LINES
from ..predictors.errors import ModelInvocationError, PredictorConfigError

FORECAST = "predictor.time_series_predictor_config.forecast"


class ForecastReader:
    """Turns one response body into one forecast vector per request record."""

    def __init__(self, expression: str, accept_type: str, *, single_record: bool) -> None:
        self.expression = expression
        try:
            self._compiled = jmespath.compile(expression)
        except jmespath.exceptions.JMESPathError as error:
            raise PredictorConfigError(f"{FORECAST} {expression!r} is not valid JMESPath: {error}") from None
        self.accept_type = (accept_type or JSON).lower()
        if self.accept_type == CSV:
            raise PredictorConfigError(
                "predictor.accept_type text/csv cannot carry forecasts; use application/json or application/jsonlines"
            )
        self.single_record = single_record

    def read(self, body: bytes, count: int) -> list[np.ndarray]:
        """``count`` forecasts from ``body`` (the response to a request of ``count`` records)."""
        text = _text(body)
        if self.accept_type == JSON_LINES:
            lines = [line for line in text.splitlines() if line.strip()]
            if len(lines) != count:
                raise ModelInvocationError(
                    f"the model answered {len(lines)} JSON line(s) for a request of {count} record(s); "
                    "application/jsonlines responses need one line per record"
                )
            return [self._one(self._search(_parse(line)), line) for line in lines]
        document = _parse(text)
        found = self._search(document)
        if self.single_record and count == 1 and not _is_list_of_forecasts(found):
            return [self._one(found, text)]
        if not isinstance(found, list):
            raise ModelInvocationError(
                f"{FORECAST} {self.expression!r} gives {_describe(found)} for a batch of {count} record(s) in "
                f"{_snippet(text)}; it must give one forecast per record, e.g. 'predictions[*].mean'"
            )
        if len(found) != count:
            raise ModelInvocationError(
                f"{FORECAST} {self.expression!r} gives {len(found)} forecast(s) for a request of {count} record(s) in "
                f"{_snippet(text)}; it must give one forecast per record, e.g. 'predictions[*].mean'"
            )
        return [self._one(value, text) for value in found]

    def _search(self, document: Any) -> Any:
        found = self._compiled.search(document)
        if found is None or found == []:  # a projection over a missing key gives []
            raise ModelInvocationError(
                f"{FORECAST} {self.expression!r} finds nothing in the model response {_snippet(json.dumps(document))}; "
                "point it at the forecast, e.g. 'predictions[*].mean'"
            )
        return found

    def _one(self, value: Any, context: str) -> np.ndarray:
        values = value if isinstance(value, list) else [value]
        if not values:
            raise ModelInvocationError(
                f"{FORECAST} {self.expression!r} gives an empty forecast in {_snippet(context)}; a forecast needs at "
                "least one step"
            )
        for step in values:
            if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step):
                raise ModelInvocationError(
                    f"{FORECAST} {self.expression!r} gives {_describe(step)} as a forecast value in "
                    f"{_snippet(context)}; forecasts must be finite numbers (one list per record)"
                )
        return np.asarray(values, dtype=float)


def _is_list_of_forecasts(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 1 and isinstance(value[0], list)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelInvocationError(
            "the model response is not UTF-8 text; forecasts are read from JSON"
        ) from None


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelInvocationError(
            f"the model response is not JSON ({error.msg}): {_snippet(text)}; set predictor.accept_type to what the "
            "model returns"
        ) from None


def _snippet(text: str) -> str:
    return repr(text if len(text) <= 160 else text[:157] + "...")


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return repr(value)
