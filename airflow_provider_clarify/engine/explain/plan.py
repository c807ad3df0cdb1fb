"""What the explanations will do, decided (and checked against the data) before any model call.

The model features and their kinds (numerical, categorical, free text), the text columns when ``text_config``
is set, the explained features (``features_to_explain``) and the PDP features are all resolved here, so a wrong
name or index fails before the first request and before any file is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...config import AnalysisConfig
from ...config.model import PdpMethod, ShapMethod, TextSettings
from .errors import ExplanationError
from .features import FREE_TEXT, ExplanationData, column_kind, label_columns, resolve_features_to_explain
from .pdp import resolve_pdp_features


@dataclass(frozen=True)
class ExplanationPlan:
    """``names``/``kinds``: every model feature in model order; ``text_columns``: positions of free-text columns
    (with ``text_config``); ``explained``: positions of the explained features; ``pdp_features``: the PDP
    features when given (``None``: the top SHAP features)."""

    shap: ShapMethod | None
    pdp: PdpMethod | None
    names: list[str]
    kinds: list[str]
    text_columns: list[int]
    explained: list[int]
    pdp_features: list[str] | None

    @property
    def text_config(self) -> TextSettings | None:
        return self.shap.text_config if self.shap is not None else None

    @property
    def non_text(self) -> list[int]:
        """Explained positions that are not text columns (the tabular players), in model order."""
        return [j for j in self.explained if j not in self.text_columns]


def plan_explanations(config: AnalysisConfig, data: ExplanationData) -> ExplanationPlan:
    shap, pdp = config.methods.shap, config.methods.pdp
    text_config = shap.text_config if shap is not None else None
    features = data.features
    names = [str(c) for c in features.columns]
    kinds = [column_kind(features[c], text=text_config is not None) for c in features.columns]
    text_columns: list[int] = []
    if text_config is not None:
        text_columns = [i for i, kind in enumerate(kinds) if kind == FREE_TEXT]
        if not text_columns:
            raise ExplanationError(
                f"methods.shap.text_config.granularity {text_config.granularity!r} needs a text "
                f"(string) column, but every model feature is numeric: {names}; remove text_config"
            )
    labels = sorted({*label_columns(config), *data.label_columns})
    explained = resolve_features_to_explain(shap.features_to_explain if shap else None, names, labels)
    pdp_features = None
    if pdp is not None and pdp.features:
        pdp_features = resolve_pdp_features(list(pdp.features), names)
    return ExplanationPlan(shap, pdp, names, kinds, text_columns, explained, pdp_features)


def frame_of(data: ExplanationData) -> pd.DataFrame:
    """The feature matrix with a fresh 0..n-1 index (record positions)."""
    frame: pd.DataFrame = data.features.reset_index(drop=True)
    return frame
