"""From parsed outputs to what the analyses need: predicted labels (SPEC §5.3) and score vectors (SPEC §5.4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ModelInvocationError
from .responses import RecordOutput


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
        return [float(v) for v in values]
    except (TypeError, ValueError) as error:
        raise ModelInvocationError(f"the model's {what} output {list(values)!r} is not numeric") from error


@dataclass(frozen=True)
class OutputInterpreter:
    """Applies the predictor's ``label`` / ``probability`` / ``label_headers`` / ``probability_threshold``."""

    label_headers: list[Any] | None = None
    probability_threshold: float = 0.5
    has_label: bool = False
    has_probability: bool = False

    def predicted_label(self, output: RecordOutput) -> Any:
        """SPEC §5.3, rules applied in order; argmax ties go to the first index."""
        label = output.label
        if self.has_label and label is not None and not isinstance(label, (list, tuple)):
            return label  # rule 1
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
            return label[int(np.argmax(_scores(probability, "probability")))]  # rule 2
        scores = self._score_vector(output)
        if len(scores) == 1:
            return int(scores[0] > self.probability_threshold)  # rules 4 and 5
        if self.label_headers:
            if len(self.label_headers) != len(scores):
                raise ModelInvocationError(
                    f"predictor.label_headers has {len(self.label_headers)} names but the model returned "
                    f"{len(scores)} scores per record"
                )
            return self.label_headers[int(np.argmax(scores))]  # rule 3
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
        """SPEC §5.4: probability if configured, else a numeric label (regression), else the whole output."""
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
