"""The engine's model answers what the analyses ask of a model: labels for bias, scores for explanations."""

from __future__ import annotations

import pandas as pd

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.models import LabelModel, Model, ScoreModel
from airflow_provider_clarify.engine.predictors import build_model


def _uses(model: Model, frame: pd.DataFrame) -> tuple[list[int], list[str]]:
    labels: LabelModel = model
    scores: ScoreModel = model
    predicted = labels.predict_labels(frame).tolist()
    scores.predict_scores(frame)
    return predicted, scores.target_names


def test_clarify_model_serves_both_protocols():
    config = load_config({"dataset_type": "text/csv", "label": "y", "methods": {"shap": {}}, "predictor": {}})
    model = build_model(config, predictor=lambda body: "\n".join(["0.9"] * len(body.splitlines())))
    predicted, targets = _uses(model, pd.DataFrame({"a": [1, 2]}))
    assert predicted == [1, 1] and targets == ["y"]  # 0.9 > 0.5 threshold; one score named after the label
