"""Exact TreeSHAP for in-process tree ensembles (``shap_algorithm`` "tree" / "auto").

What Kernel SHAP estimates with baseline rows B — v(z) = mean_k g(f(h(z, b_k))), with every feature a player — is
exactly the interventional Shapley value with background B that ``shap.TreeExplainer(model, data=B,
feature_perturbation="interventional")`` computes from the trees, without sampling and without calling the model
on synthetic rows. The output space must match: probabilities of a classifier (``model_output="probability"``, or
"raw" for forests whose leaves hold class fractions), the prediction of a regressor ("raw"), and — under
``use_logit`` — the log-odds of a binary boosted model ("raw"), provided no score can reach the logit clipping
bound (then logit(f) is the margin exactly).

When it applies (``tree_support``): an in-process estimator of a supported type, every feature explained, no text,
numeric features without missing values, and an output space as above. "auto" uses it only then; "tree" on
anything else is an error that says why. Every run also checks local accuracy against the model's own scores
(φ0 + Σφ = g(f(x)) for every record), so a model whose trees do not reproduce its predictions is never reported
with tree values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..models import EstimatorBacked, ScoreModel
from ..options import ShapAlgorithm
from .errors import ExplanationError
from .kernel_shap import LOGIT_EPSILON, LocalShap, ScoreFunction
from .progress import Progress

LOG = logging.getLogger("airflow_provider_clarify.engine.explain")

LOGIT_BOUND = float(np.log((1 - LOGIT_EPSILON) / LOGIT_EPSILON))  # |margin| below it: logit(clip(p)) = margin
LOCAL_ACCURACY_TOLERANCE = 1e-6
PROGRESS_CHUNK = 10_000

# (module root, class name) → how its outputs relate to the model's scores
_LOG_ODDS_BINARY = "log_odds_binary"  # one margin; predict_proba = [1 − σ(m), σ(m)]
_CLASS_FRACTIONS = "class_fractions"  # leaves hold class fractions: raw output = predict_proba, per class
_REGRESSION = "regression"  # raw output = predict
SUPPORTED_MODELS: dict[tuple[str, str], str] = {
    ("sklearn", "GradientBoostingClassifier"): _LOG_ODDS_BINARY,
    ("sklearn", "HistGradientBoostingClassifier"): _LOG_ODDS_BINARY,
    ("sklearn", "RandomForestClassifier"): _CLASS_FRACTIONS,
    ("sklearn", "ExtraTreesClassifier"): _CLASS_FRACTIONS,
    ("sklearn", "DecisionTreeClassifier"): _CLASS_FRACTIONS,
    ("sklearn", "GradientBoostingRegressor"): _REGRESSION,
    ("sklearn", "HistGradientBoostingRegressor"): _REGRESSION,
    ("sklearn", "RandomForestRegressor"): _REGRESSION,
    ("sklearn", "ExtraTreesRegressor"): _REGRESSION,
    ("sklearn", "DecisionTreeRegressor"): _REGRESSION,
    ("xgboost", "XGBClassifier"): _LOG_ODDS_BINARY,
    ("xgboost", "XGBRegressor"): _REGRESSION,
    ("lightgbm", "LGBMClassifier"): _LOG_ODDS_BINARY,
    ("lightgbm", "LGBMRegressor"): _REGRESSION,
}


@dataclass(frozen=True)
class TreePlan:
    """How to explain with trees: the estimator, shap's ``model_output``, and per explanation target the output
    column of TreeExplainer and its sign (the class-0 probability or log-odds of a binary model is the negated
    class-1 one)."""

    estimator: Any
    model_output: str
    columns: list[int]
    signs: list[float]


def _family(estimator: Any) -> str | None:
    for cls in type(estimator).__mro__:
        family = SUPPORTED_MODELS.get((cls.__module__.split(".")[0], cls.__name__))
        if family is not None:
            return family
    return None


def _supported_names() -> str:
    return ", ".join(sorted({name for _, name in SUPPORTED_MODELS}))


def tree_support(
    model: ScoreModel,
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    *,
    all_features: bool,
    text: bool,
    use_logit: bool,
) -> TreePlan | str:
    """A TreePlan when TreeSHAP computes exactly the Kernel SHAP quantity for this run, else why not."""
    estimator: Any = model.in_process_estimator if isinstance(model, EstimatorBacked) else None
    if estimator is None or not isinstance(model, EstimatorBacked):
        return "the model is not an in-process estimator (an endpoint, URL or callable has no trees to read)"
    family = _family(estimator)
    if family is None:
        return f"{type(estimator).__name__} is not a tree ensemble TreeSHAP reads (supported: {_supported_names()})"
    if text:
        return (
            "text features (methods.shap.text_config) are explained unit by unit, which only Kernel SHAP does"
        )
    if not all_features:
        return "methods.shap.features_to_explain keeps the other features at the record's value, which only Kernel SHAP does"
    for name in data.columns:
        if not pd.api.types.is_numeric_dtype(data[name].dtype) or not pd.api.types.is_numeric_dtype(
            baseline[name].dtype
        ):
            return f"feature {name!r} is not numeric; TreeSHAP reads numeric features only"
    if data.isna().to_numpy().any() or baseline.isna().to_numpy().any():
        return "the data or the baseline has missing values, which trees and TreeSHAP may route differently"
    column = model.score_column()
    classes = getattr(estimator, "classes_", None)
    if family == _REGRESSION:
        if use_logit:
            return "methods.shap.use_logit needs probabilities, but the model is a regressor"
        if column not in (None, 0, -1):
            return f"predictor.probability/label selects output {column}, but a regressor has one output"
        return TreePlan(estimator, "raw", [0], [1.0])
    if classes is None or not hasattr(estimator, "predict_proba"):
        return f"{type(estimator).__name__} has no fitted classes_ / predict_proba"
    targets = list(range(len(classes))) if column is None else [column % len(classes)]
    if family == _CLASS_FRACTIONS:
        if use_logit:
            return (
                f"methods.shap.use_logit: the log-odds of {type(estimator).__name__}'s averaged probabilities is "
                "not a sum over trees"
            )
        return TreePlan(estimator, "raw", targets, [1.0] * len(targets))
    if len(classes) != 2:
        return f"{type(estimator).__name__} with {len(classes)} classes: TreeSHAP explains binary boosted models only"
    if not use_logit:
        return (
            f"{type(estimator).__name__} is a boosted model: TreeSHAP explains its probability only approximately "
            "(it rescales log-odds attributions); set methods.shap.use_logit to true to explain its log-odds exactly"
        )
    signs = [1.0 if c == 1 else -1.0 for c in targets]
    return TreePlan(estimator, "raw", [0] * len(targets), signs)


def _margin_bound(explainer: Any, estimator: Any, data: pd.DataFrame, baseline: pd.DataFrame) -> float | None:
    """An upper bound on |log-odds| over every synthetic row h(z, b_k) of every record (None if unknown)."""
    if (
        _family(estimator) == _LOG_ODDS_BINARY
        and hasattr(estimator, "estimators_")
        and hasattr(estimator, "apply")
    ):
        return _gradient_boosting_bound(estimator, data, baseline)
    try:  # any model shap reads: |base offset| + Σ_trees max |leaf value| (true for every input)
        ensemble = explainer.model
        bound = float(np.max(np.abs(np.atleast_1d(ensemble.base_offset))))
        for tree in ensemble.trees:
            bound += float(np.max(np.abs(tree.values)))
        return bound
    except (AttributeError, TypeError, ValueError):
        return None


def _reachable_range(tree: Any, record: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) (N, K): the extreme leaf values of one scikit-learn tree that a row mixing record i and
    baseline row k can reach. At a split on feature f such a row holds x_f or b_f: it goes where they both go, or
    either way when they part (a superset of the reachable leaves, so a valid bound). Records that take the same
    direction at every split share one answer, so the walk runs once per distinct pattern of directions."""
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    threshold, count = tree.threshold, tree.node_count
    values = tree.value.reshape(count, -1)[:, 0]
    internal = np.nonzero(left >= 0)[0]
    directions = record[:, feature[internal]] <= threshold[internal]  # (N, internal nodes)
    packed = np.packbits(directions, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    patterns = directions[first]
    goes_left = np.zeros((len(patterns), count), dtype=bool)
    goes_left[:, internal] = patterns
    background_left = np.zeros((len(background), count), dtype=bool)
    background_left[:, internal] = background[:, feature[internal]] <= threshold[internal]
    low: dict[int, np.ndarray] = {}
    high: dict[int, np.ndarray] = {}
    for node in range(count - 1, -1, -1):  # children are numbered after their parent
        if left[node] < 0:
            low[node] = high[node] = np.full((len(patterns), len(background)), values[node])
            continue
        x_left = goes_left[:, node][:, None]
        together = x_left == background_left[:, node][None, :]
        lo_l, lo_r, hi_l, hi_r = (
            low.pop(left[node]),
            low.pop(right[node]),
            high.pop(left[node]),
            high.pop(right[node]),
        )
        low[node] = np.where(together, np.where(x_left, lo_l, lo_r), np.minimum(lo_l, lo_r))
        high[node] = np.where(together, np.where(x_left, hi_l, hi_r), np.maximum(hi_l, hi_r))
    return low[0][inverse.ravel()], high[0][inverse.ravel()]


def _model_order(estimator: Any, columns: list[str]) -> list[str]:
    """The columns in the order the estimator was fitted with (``feature_names_in_``, a scikit-learn estimator
    fitted on a DataFrame), else as given. The trees index features by that order; the model client feeds the
    estimator by name in the same way (``EstimatorTransport.follow_declared_order``)."""
    declared = getattr(estimator, "feature_names_in_", None)
    if declared is None:
        return columns
    names = [str(name) for name in declared]
    return names if sorted(names) == sorted(columns) else columns


def _estimator_input(estimator: Any, frame: pd.DataFrame) -> pd.DataFrame | np.ndarray:
    """``frame`` (in the estimator's order) as float32, named when the estimator declares names: what its own
    validation expects, without a feature-name warning either way."""
    values = frame.astype(np.float32)
    return values if getattr(estimator, "feature_names_in_", None) is not None else values.to_numpy()


def _gradient_boosting_bound(estimator: Any, data: pd.DataFrame, baseline: pd.DataFrame) -> float:
    """For scikit-learn gradient boosting: the largest |margin| any synthetic row h(z, b_k) of any record can
    have, bounded tree by tree (``_reachable_range``) and summed per (record, baseline row)."""
    rate = float(estimator.learning_rate)
    trees = [stage[0].tree_ for stage in estimator.estimators_]
    order = _model_order(estimator, [str(name) for name in data.columns])
    data = data[order]
    # the trees compare float32 inputs with their thresholds, as scikit-learn does
    records = data.to_numpy(dtype=np.float32)
    background = baseline[order].to_numpy(dtype=np.float32)
    # apply() validates with the first stage's tree, which was fitted without names: it takes an array
    leaves = estimator.apply(records[:1]).reshape(len(trees)).astype(np.intp)
    initial = float(estimator.decision_function(_estimator_input(estimator, data.iloc[:1]))[0]) - rate * sum(
        float(tree.value.reshape(tree.node_count, -1)[leaves[t], 0]) for t, tree in enumerate(trees)
    )
    largest_tree = max(tree.node_count for tree in trees)
    chunk = max(1, 2_000_000 // (len(background) * largest_tree))
    worst = abs(initial)
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        low = np.full((len(part), len(background)), initial)
        high = low.copy()
        for tree in trees:
            tree_low, tree_high = _reachable_range(tree, part, background)
            low += rate * tree_low
            high += rate * tree_high
        worst = max(worst, float(np.abs(low).max()), float(np.abs(high).max()))
    return worst


def explain_with_trees(
    algorithm: ShapAlgorithm,
    model: ScoreModel,
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    *,
    all_features: bool,
    text: bool,
    progress: Progress,
    warn: Callable[[str], None],
) -> LocalShap | None:
    """TreeSHAP values for ``algorithm`` "tree" (an ExplanationError when it cannot apply) or "auto" (None when it
    cannot: the caller runs Kernel SHAP)."""
    plan = tree_support(
        model, data, baseline, all_features=all_features, text=text, use_logit=score.use_logit
    )
    if isinstance(plan, str):
        if algorithm == "tree":
            raise ExplanationError(
                f"shap_algorithm 'tree' cannot explain this run: {plan}; use 'kernel' or 'auto'"
            )
        LOG.info("shap_algorithm auto: Kernel SHAP, because %s", plan)
        return None
    try:
        return _run(plan, data, baseline, score, progress)
    except _NotExact as reason:
        if algorithm == "tree":
            raise ExplanationError(
                f"shap_algorithm 'tree' cannot explain this model exactly: {reason}; use 'kernel'"
            ) from None
        warn(
            f"shap_algorithm auto: TreeSHAP does not reproduce this model exactly ({reason}); used Kernel SHAP"
        )
        return None


class _NotExact(Exception):
    """The tree path would not compute the Kernel SHAP quantity exactly for this model."""


def _run(
    plan: TreePlan, data: pd.DataFrame, baseline: pd.DataFrame, score: ScoreFunction, progress: Progress
) -> LocalShap:
    import shap

    columns = [str(name) for name in data.columns]
    order = _model_order(plan.estimator, columns)
    background = baseline[order].astype(float)
    try:
        explainer = shap.TreeExplainer(
            plan.estimator,
            data=background,
            feature_perturbation="interventional",
            model_output=plan.model_output,
        )
    except Exception as error:  # shap refuses models it cannot read (custom init estimators, ...)
        raise _NotExact(f"shap.TreeExplainer cannot read it: {error}") from error
    if plan.model_output == "raw" and score.use_logit:
        bound = _margin_bound(explainer, plan.estimator, data, baseline)
        if bound is None or bound >= LOGIT_BOUND:
            raise _NotExact(
                "its log-odds can exceed the logit clipping bound of use_logit"
                if bound is not None
                else "the range of its log-odds is unknown"
            )
    own = score(data) if len(data) else np.zeros((0, len(plan.columns)))
    null = score(baseline).mean(axis=0) if len(data) else np.zeros(len(plan.columns))
    chunks = []
    features = data[order].astype(float)
    for start in range(0, len(data), PROGRESS_CHUNK):
        raw = explainer.shap_values(features.iloc[start : start + PROGRESS_CHUNK], check_additivity=False)
        chunks.append(_as_array(raw, len(features.iloc[start : start + PROGRESS_CHUNK]), data.shape[1]))
        progress.advance(min(PROGRESS_CHUNK, len(data) - start))
    values = np.concatenate(chunks) if chunks else np.zeros((0, data.shape[1], 1))
    values = values[:, [order.index(name) for name in columns], :]  # back to the dataset's column order
    if max(plan.columns, default=0) >= values.shape[2]:
        raise _NotExact(
            f"TreeExplainer explains {values.shape[2]} outputs, the model scores {len(plan.columns)}"
        )
    local = values[:, :, plan.columns] * np.array(plan.signs)[None, None, :]
    expected = np.tile(null, (len(data), 1))
    gap = np.abs(expected + local.sum(axis=1) - own)
    if gap.size and gap.max() > LOCAL_ACCURACY_TOLERANCE * max(1.0, float(np.abs(own).max())):
        raise _NotExact(f"φ0 + Σφ differs from the model's own score by up to {gap.max():.3g}")
    return LocalShap(values=list(local), expected=expected, prediction=own, algorithm="tree")


def _as_array(raw: Any, rows: int, features: int) -> np.ndarray:
    """shap_values as (records, features, outputs), whatever shape this shap version returns."""
    if isinstance(raw, list):
        return np.stack([np.asarray(r, dtype=float) for r in raw], axis=-1).reshape(rows, features, len(raw))
    array = np.asarray(raw, dtype=float)
    if array.ndim == 2:
        return array[:, :, None]
    return array.reshape(rows, features, -1)
