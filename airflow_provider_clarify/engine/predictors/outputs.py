"""From parsed outputs to what the analyses need: predicted labels (reference §5.3) and score vectors (reference §5.4).

Scores are checked where a wrong one would pass unnoticed. A NaN score (or a NaN label) is an error naming the
record: compared with a threshold it would silently become label 0, and an argmax over NaN picks an arbitrary
class. A score outside [0, 1] under the threshold rule (rules 4 and 5) is a warning, not an error: the reference
compares whatever number the model returns with ``probability_threshold`` (reference §5.3 does not bound it), but such
a score is usually a regression value or a raw margin whose label was meant to be used as it is.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ModelInvocationError
from .responses import RecordOutput

LOG = logging.getLogger("airflow_provider_clarify.engine.predictors")

RecordDescription = Callable[[int], str]
"""Describes record ``i`` of a request for a message (its position and, where known, its feature values)."""


def record_position(index: int) -> str:
    return f"record {index + 1} of the request"


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


class ScoreError(ModelInvocationError):
    """A score or label that cannot be used (NaN); the caller adds which record it came from."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _as_vector(value: Any) -> list[Any] | None:
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        return None
    return [value]


def _scores(values: Sequence[Any], what: str) -> list[float]:
    try:
        scores = [float(v) for v in values]
    except (TypeError, ValueError) as error:
        raise ModelInvocationError(f"the model's {what} output {list(values)!r} is not numeric") from error
    if any(math.isnan(score) for score in scores):
        raise ScoreError(
            f"the model returned the {what} output {list(values)!r}, which holds NaN; a score must be a number "
            "(a NaN usually means the model could not use an input value: check the record's features)"
        )
    return scores


@dataclass
class ScoreRangeWatch:
    """Warns once per model that threshold-rule scores fall outside [0, 1] (see the module docstring)."""

    warned: bool = False

    def check(
        self, scores: list[tuple[int, float]], total: int, threshold: float, describe: RecordDescription
    ) -> None:
        outside = [(index, score) for index, score in scores if not 0.0 <= score <= 1.0]
        if not outside or self.warned:
            return
        self.warned = True
        index, score = outside[0]
        LOG.warning(
            "the model returned scores outside [0, 1] where probability_threshold (%s) turns a probability into a "
            "label: %d of %d record(s) in this request, the first %r for %s. They are compared with the threshold "
            "as they are (like the managed job); if the model returns a label or a regression value, set "
            "predictor.label to its position so that value is the predicted label",
            threshold,
            len(outside),
            total,
            score,
            describe(index),
        )


@dataclass(frozen=True)
class OutputInterpreter:
    """Applies the predictor's ``label`` / ``probability`` / ``label_headers`` / ``probability_threshold``."""

    label_headers: list[Any] | None = None
    probability_threshold: float = 0.5
    has_label: bool = False
    has_probability: bool = False
    score_range: ScoreRangeWatch = field(default_factory=ScoreRangeWatch, compare=False, repr=False)

    def predicted_labels(
        self, outputs: Sequence[RecordOutput], describe: RecordDescription = record_position
    ) -> list[Any]:
        """The predicted label of every output (reference §5.3); a NaN score or label names its record."""
        labels: list[Any] = []
        threshold_scores: list[tuple[int, float]] = []
        for index, output in enumerate(outputs):
            try:
                label, score = self._label_and_score(output)
            except ScoreError as error:
                raise ModelInvocationError(f"{error} (for {describe(index)})") from error
            labels.append(label)
            if score is not None:
                threshold_scores.append((index, score))
        self.score_range.check(threshold_scores, len(outputs), self.probability_threshold, describe)
        return labels

    def predicted_label(self, output: RecordOutput) -> Any:
        """reference §5.3, rules applied in order; argmax ties go to the first index."""
        return self._label_and_score(output)[0]

    def _label_and_score(self, output: RecordOutput) -> tuple[Any, float | None]:
        """The predicted label, and the single score the threshold rule compared (None for other rules)."""
        label = output.label
        if self.has_label and label is not None and not isinstance(label, (list, tuple)):
            if _is_nan(label):
                raise ScoreError(
                    "the model returned NaN as the predicted label; a label must be a value of the label column"
                )
            return label, None  # rule 1
        probability = output.probability if self.has_probability else None
        if self.has_label and isinstance(label, (list, tuple)):
            if (
                probability is None
                or not isinstance(probability, (list, tuple))
                or len(probability) != len(label)
            ):
                raise ModelInvocationError(
                    "predictor.label yields a list of candidate labels, so predictor.probability must yield a "
                    f"score list of the same length; got label {label!r}, probability {probability!r}"
                )
            return label[int(np.argmax(_scores(probability, "probability")))], None  # rule 2
        scores = self._score_vector(output)
        if len(scores) == 1:
            return int(scores[0] > self.probability_threshold), scores[0]  # rules 4 and 5
        if self.label_headers:
            if len(self.label_headers) != len(scores):
                raise ModelInvocationError(
                    f"predictor.label_headers has {len(self.label_headers)} names but the model returned "
                    f"{len(scores)} scores per record"
                )
            return self.label_headers[int(np.argmax(scores))], None  # rule 3
        raise ModelInvocationError(
            f"the model returned {len(scores)} scores per record but neither predictor.label nor "
            "predictor.label_headers says which label each score belongs to; set predictor.label_headers"
        )

    def _score_vector(self, output: RecordOutput) -> list[float]:
        if self.has_probability:
            vector = _as_vector(output.probability)
            if vector is None:
                raise ModelInvocationError("predictor.probability selected nothing from a model output")
            return _scores(vector, "probability")
        if self.has_label and _is_number(output.label):
            return [float(output.label)]
        vector = _as_vector(output.raw)
        if vector is None:
            raise ModelInvocationError("the model output holds no score: set predictor.probability")
        return _scores(vector, "whole")

    def score_vector(self, output: RecordOutput) -> list[float]:
        """reference §5.4: probability if configured, else a numeric label (regression), else the whole output."""
        return self._score_vector(output)

    def target_names(self, count: int, dataset_label: str | None = None) -> list[str]:
        """Explanation target names: label_headers, else the dataset label for one score, else label0.."""
        if self.label_headers:
            if len(self.label_headers) != count:
                raise ModelInvocationError(
                    f"predictor.label_headers has {len(self.label_headers)} names but the model returns {count} "
                    "scores per record"
                )
            return [str(name) for name in self.label_headers]
        if count == 1 and dataset_label is not None:
            return [str(dataset_label)]
        return [f"label{i}" for i in range(count)]
