"""What the analyses need of a model, as Protocols: predicted labels (post-training bias) and scores
(explanations).

The engine's own :class:`~airflow_provider_clarify.engine.predictors.model.ClarifyModel` provides both, whatever
serves the model (endpoint, URL, in-process estimator); the analyses only rely on these methods, so tests and
other callers can hand in anything that answers them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd


class LabelModel(Protocol):
    """A model that predicts one label per record (reference §5.3)."""

    def predict_labels(self, features: pd.DataFrame) -> pd.Series: ...


class ScoreModel(Protocol):
    """A model that scores records (N×T, reference §5.4) and names its T targets once it has answered."""

    @property
    def target_names(self) -> list[str]: ...

    def predict_scores(self, features: pd.DataFrame) -> np.ndarray: ...


class Model(LabelModel, ScoreModel, Protocol):
    """Both: what ``run_analysis`` builds when a method needs a model."""


@runtime_checkable
class EstimatorBacked(Protocol):
    """A model served by an in-process estimator whose internals an analysis may read (exact TreeSHAP reads the
    trees), and the output column its scores come from (None: every column)."""

    @property
    def in_process_estimator(self) -> object | None: ...

    def score_column(self) -> int | None: ...
