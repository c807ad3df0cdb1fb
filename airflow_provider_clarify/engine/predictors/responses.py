"""Reading model responses by ``accept_type`` (reference §5.2) into one ``RecordOutput`` per request record."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions
import numpy as np

from ...contract import CSV, JSON_LINES
from .errors import ModelInvocationError, PredictorConfigError
from .serializer import SUPPORTED_TYPES, normalize_mime


@dataclass(frozen=True)
class RecordOutput:
    """What the model said about one record: the ``label`` output and the ``probability`` output (either may be
    absent), and ``raw`` — the whole output when nothing selects a part of it."""

    label: Any = None
    probability: Any = None
    raw: Any = None


def csv_field_value(text: str) -> Any:
    """A CSV field as a number when it is one; a bracketed list as a vector; otherwise the string."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return stripped
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        return float(stripped)
    except ValueError:
        return stripped


def check_selector(selector: str, name: str) -> None:
    """``predictor.<name>`` must be a valid JMESPath expression (checked before any request), whatever the
    analysis kind reads with it."""
    try:
        jmespath.compile(selector)
    except jmespath.exceptions.JMESPathError as error:
        raise PredictorConfigError(
            f"predictor.{name} {selector!r} is not a valid JMESPath expression: {error}"
        ) from error


def _csv_fields(line: str) -> list[Any]:
    stripped = line.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            return [json.loads(stripped)]
        except json.JSONDecodeError:
            pass
    return [csv_field_value(cell) for cell in next(csv.reader(io.StringIO(stripped)))]


@dataclass
class ResponseParser:
    """Splits a response body into per-record outputs and picks ``label`` / ``probability`` from each."""

    accept_type: str
    label: int | str | None = None
    probability: int | str | None = None

    def __post_init__(self) -> None:
        self.accept_type = normalize_mime(self.accept_type) or CSV
        if self.accept_type not in SUPPORTED_TYPES:
            raise PredictorConfigError(
                f"predictor.accept_type {self.accept_type!r} is not supported; use one of {', '.join(SUPPORTED_TYPES)}"
            )
        for name in ("label", "probability"):
            selector = getattr(self, name)
            if self.accept_type == CSV and selector is not None and not isinstance(selector, int):
                if isinstance(selector, str) and selector.isdigit():
                    setattr(self, name, int(selector))
                    continue
                raise PredictorConfigError(
                    f"predictor.{name} must be a column index (int) for text/csv responses, got {selector!r}"
                )
            if isinstance(selector, str):
                check_selector(selector, name)

    def parse(self, body: bytes | str, expected: int) -> list[RecordOutput]:
        """``expected`` outputs from ``body``, or a ModelInvocationError saying why not."""
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
        if self.accept_type == CSV:
            outputs = self._parse_csv(text)
        elif self.accept_type == JSON_LINES:
            outputs = self._parse_jsonlines(text)
        else:
            outputs = self._parse_json(text, expected)
        if len(outputs) != expected:
            raise ModelInvocationError(
                f"the model returned {len(outputs)} outputs for a request of {expected} records "
                f"(accept_type {self.accept_type}); every record needs exactly one output"
            )
        return outputs

    def parse_numeric_csv(self, body: bytes | str, expected: int) -> np.ndarray | None:
        """A text/csv response of plain numbers as an expected × fields matrix, or None when any field is not a
        plain number (then ``parse`` applies the general rules). A wrong line count is an error either way."""
        text = (body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)).strip()
        lines = text.split("\n") if text else []
        if len(lines) != expected:
            self._count_error(len([line for line in lines if line.strip()]), expected)
        try:
            values = np.array(text.replace(",", " ").split(), dtype=float)
        except ValueError:
            return None
        if expected == 0 or values.size % expected:
            return None
        width = values.size // expected
        if any(line.count(",") != width - 1 for line in lines):
            return None
        matrix = values.reshape(expected, width)
        missing = np.flatnonzero(np.isnan(matrix).any(axis=1))
        if missing.size:
            first = int(missing[0])
            raise ModelInvocationError(
                f"the model returned NaN for record {first + 1} of the request (response line {lines[first]!r}; "
                f"{missing.size} of {expected} records); a score must be a number (a NaN usually means the model "
                "could not use an input value: check the record's features)"
            )
        return matrix

    def _count_error(self, got: int, expected: int) -> None:
        raise ModelInvocationError(
            f"the model returned {got} outputs for a request of {expected} records "
            f"(accept_type {self.accept_type}); every record needs exactly one output"
        )

    def _pick(self, fields: list[Any], selector: int | None, name: str) -> Any:
        if selector is None:
            return None
        if selector >= len(fields) or selector < -len(fields):
            raise ModelInvocationError(
                f"predictor.{name} is column {selector}, but a model output line has only {len(fields)} fields"
            )
        return fields[selector]

    def _parse_csv(self, text: str) -> list[RecordOutput]:
        lines = [line for line in text.splitlines() if line.strip()]
        outputs = []
        for line in lines:
            try:
                fields = _csv_fields(line)
            except csv.Error as error:
                raise ModelInvocationError(
                    f"cannot read the model's text/csv response line {line!r}: {error}"
                ) from error
            raw = fields[0] if len(fields) == 1 else fields
            outputs.append(
                RecordOutput(
                    label=self._pick(fields, self.label, "label"),  # type: ignore[arg-type]
                    probability=self._pick(fields, self.probability, "probability"),  # type: ignore[arg-type]
                    raw=raw,
                )
            )
        return outputs

    @staticmethod
    def _select(document: Any, selector: int | str | None, name: str) -> Any:
        if selector is None:
            return None
        if isinstance(selector, int):
            if isinstance(document, list) and -len(document) <= selector < len(document):
                return document[selector]
            raise ModelInvocationError(
                f"predictor.{name} index {selector} does not address the output {document!r}"
            )
        return jmespath.search(selector, document)

    def _parse_jsonlines(self, text: str) -> list[RecordOutput]:
        outputs = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except json.JSONDecodeError as error:
                raise ModelInvocationError(
                    f"the model's application/jsonlines response has a line that is not JSON ({error}): {line[:200]!r}"
                ) from error
            outputs.append(
                RecordOutput(
                    label=self._select(document, self.label, "label"),
                    probability=self._select(document, self.probability, "probability"),
                    raw=document,
                )
            )
        return outputs

    def _parse_json(self, text: str, expected: int) -> list[RecordOutput]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ModelInvocationError(
                f"the model's application/json response is not JSON ({error}): {text[:200]!r}"
            ) from error
        columns: dict[str, list[Any] | None] = {}
        for name in ("label", "probability"):
            selector = getattr(self, name)
            if selector is None:
                columns[name] = None
                continue
            found = self._select(document, selector, name)
            if not isinstance(found, list) or len(found) != expected:
                count = len(found) if isinstance(found, list) else "a non-list"
                raise ModelInvocationError(
                    f"predictor.{name} {selector!r} yielded {count} values from the application/json response, "
                    f"expected a list with one entry per record ({expected})"
                )
            columns[name] = found
        if isinstance(document, dict) and len(document) == 1 and columns["label"] is None:
            (only,) = document.values()
            raw_list = only if isinstance(only, list) else None
        else:
            raw_list = document if isinstance(document, list) else None
        if raw_list is None or len(raw_list) != expected:
            if columns["label"] is None and columns["probability"] is None:
                raise ModelInvocationError(
                    "the application/json response is not a list with one entry per record; set predictor.label "
                    "or predictor.probability to a JMESPath expression that yields one"
                )
            raw_list = [None] * expected
        return [
            RecordOutput(
                label=None if columns["label"] is None else columns["label"][i],
                probability=None if columns["probability"] is None else columns["probability"][i],
                raw=raw_list[i],
            )
            for i in range(expected)
        ]
