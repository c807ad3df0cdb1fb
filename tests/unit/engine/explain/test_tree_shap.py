"""Exact TreeSHAP (shap_algorithm tree / auto): end to end through the engine, against shap's TreeExplainer and
against Shapley values computed by enumerating every coalition with the model's own predictions."""

from __future__ import annotations

import itertools
import json
import math
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import EngineOptions, run_analysis
from airflow_provider_clarify.engine import __main__ as cli
from airflow_provider_clarify.engine.explain import ExplanationError
from airflow_provider_clarify.engine.explain.tree_shap import LOGIT_BOUND, _gradient_boosting_bound
from airflow_provider_clarify.engine.predictors import build_model
from tests.unit.engine.explain.runs import explain

shap = pytest.importorskip("shap")

RNG = np.random.default_rng(3)
# Values exact in float32 (k / 2^n): the trees compare float32 inputs with their thresholds, and shap's tree code
# may round a threshold differently from scikit-learn for an input that sits on it (local accuracy then fails
# and the engine refuses the values; see test_values_that_miss_local_accuracy_are_never_reported).
FEATURES = pd.DataFrame(
    {
        "a": RNG.integers(0, 50, 160),
        "b": RNG.integers(-256, 256, 160) / 128,
        "c": RNG.integers(0, 2, 160),
        "d": RNG.integers(0, 40, 160) / 4,
    }
)
LABEL = ((FEATURES["a"] > 25) & (FEATURES["b"] > -0.5) | (FEATURES["d"] > 8)).astype(int)
BASELINE = FEATURES.iloc[[3, 17, 40, 77, 101]].reset_index(drop=True)
EXPLAINED = FEATURES.iloc[:25].reset_index(drop=True)


@pytest.fixture(autouse=True)
def _quiet_feature_name_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _forest() -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=15, max_depth=4, random_state=0).fit(FEATURES, LABEL)


def _boosted() -> GradientBoostingClassifier:
    return GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=0).fit(FEATURES, LABEL)


def _exact(score, x: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Shapley values of v(S) = mean_k score(x on S, b_k elsewhere), every coalition enumerated."""
    players = len(x)

    def value(subset: tuple[int, ...]) -> float:
        rows = baseline.copy()
        rows[:, list(subset)] = x[list(subset)]
        return float(np.mean(score(pd.DataFrame(rows, columns=FEATURES.columns))))

    phi = np.zeros(players)
    for j in range(players):
        others = [i for i in range(players) if i != j]
        for size in range(players):
            weight = math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)
            for subset in itertools.combinations(others, size):
                phi[j] += weight * (value((*subset, j)) - value(subset))
    return phi


def _config(use_logit: bool, **predictor) -> dict:
    return {
        "dataset_type": "text/csv",
        "label": "y",
        "methods": {
            "shap": {
                "baseline": BASELINE.to_numpy().tolist(),
                "use_logit": use_logit,
                "save_local_shap_values": True,
            }
        },
        "predictor": predictor,
    }


def _end_to_end(tmp_path, model, use_logit: bool, algorithm: str, **predictor):
    """CSV in (run_analysis reads the dataset file), out.csv and analysis.json out."""
    dataset = tmp_path / "data.csv"
    EXPLAINED.assign(y=LABEL.iloc[:25].to_numpy()).to_csv(dataset, index=False)
    output = tmp_path / f"out-{algorithm}"
    analysis = run_analysis(
        load_config(_config(use_logit, **predictor)),
        dataset,
        output,
        predictor=model,
        options=EngineOptions(shap_algorithm=algorithm),
    )
    return analysis, pd.read_csv(output / "explanations_shap" / "out.csv")


def test_forest_probability_equals_tree_explainer_and_enumeration(tmp_path):
    model = _forest()
    analysis, local = _end_to_end(tmp_path, model, False, "tree", probability=1)
    assert list(local.columns) == ["a_y", "b_y", "c_y", "d_y"]
    reference = shap.TreeExplainer(model, data=BASELINE, feature_perturbation="interventional")
    expected = np.asarray(reference.shap_values(EXPLAINED))[:, :, 1]
    np.testing.assert_allclose(local.to_numpy(), expected, atol=1e-9, rtol=0)
    for i in (0, 7, 19):
        exact = _exact(
            lambda f: model.predict_proba(f)[:, 1], EXPLAINED.to_numpy(float)[i], BASELINE.to_numpy(float)
        )
        np.testing.assert_allclose(local.to_numpy()[i], exact, atol=1e-6)
    entry = analysis["explanations"]["kernel_shap"]["y"]
    assert entry["shap_algorithm"] == "tree"
    assert entry["expected_value"] == pytest.approx(model.predict_proba(BASELINE)[:, 1].mean(), abs=1e-12)


def test_boosted_log_odds_equals_tree_explainer_and_enumeration(tmp_path):
    model = _boosted()
    analysis, local = _end_to_end(tmp_path, model, True, "tree", probability=1)
    reference = shap.TreeExplainer(
        model, data=BASELINE, feature_perturbation="interventional", model_output="raw"
    )
    np.testing.assert_allclose(local.to_numpy(), reference.shap_values(EXPLAINED), atol=1e-9, rtol=0)
    for i in (2, 11):
        exact = _exact(model.decision_function, EXPLAINED.to_numpy(float)[i], BASELINE.to_numpy(float))
        np.testing.assert_allclose(local.to_numpy()[i], exact, atol=1e-6)
    assert analysis["explanations"]["kernel_shap"]["y"]["shap_algorithm"] == "tree"


def test_a_model_fitted_with_another_column_order(tmp_path):
    """A boosted model fitted on a DataFrame whose columns come in another order (feature_names_in_): its trees
    index features by that order, the values come back in the dataset's order, and no feature-name warning."""
    order = ["d", "b", "a", "c"]
    model = GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=0).fit(
        FEATURES[order], LABEL
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        analysis, local = _end_to_end(tmp_path, model, True, "tree", probability=1)
    assert list(local.columns) == ["a_y", "b_y", "c_y", "d_y"]
    reference = shap.TreeExplainer(
        model, data=BASELINE[order], feature_perturbation="interventional", model_output="raw"
    )
    expected = pd.DataFrame(reference.shap_values(EXPLAINED[order]), columns=order)[list("abcd")]
    np.testing.assert_allclose(local.to_numpy(), expected.to_numpy(), atol=1e-9, rtol=0)

    def margin(frame: pd.DataFrame) -> np.ndarray:
        return model.decision_function(frame[order])

    exact = _exact(margin, EXPLAINED.to_numpy(float)[5], BASELINE.to_numpy(float))
    np.testing.assert_allclose(local.to_numpy()[5], exact, atol=1e-6)
    assert analysis["explanations"]["kernel_shap"]["y"]["shap_algorithm"] == "tree"


def test_both_class_columns_of_a_binary_boosted_model(tmp_path):
    """Without a probability selector every predict_proba column is a target; class 0's log-odds are the negated
    class-1 ones."""
    model = _boosted()
    _, local = _end_to_end(tmp_path, model, True, "tree", label_headers=["no", "yes"])
    np.testing.assert_allclose(
        local[[f"{f}_no" for f in "abcd"]].to_numpy(),
        -local[[f"{f}_yes" for f in "abcd"]].to_numpy(),
        atol=1e-12,
    )


def test_tree_and_exact_kernel_agree_and_default_output_has_no_algorithm_key(tmp_path):
    """With every coalition enumerated (4 features, default sample count) Kernel SHAP is exact too."""
    model = RandomForestRegressor(n_estimators=10, max_depth=3, random_state=0).fit(
        FEATURES, FEATURES["d"] * 2
    )
    tree_analysis, tree = _end_to_end(tmp_path, model, False, "tree")
    kernel_analysis, kernel = _end_to_end(tmp_path, model, False, "kernel")
    np.testing.assert_allclose(tree.to_numpy(), kernel.to_numpy(), atol=1e-6)
    assert "shap_algorithm" not in kernel_analysis["explanations"]["kernel_shap"]["y"]
    assert tree_analysis["explanations"]["kernel_shap"]["y"]["shap_algorithm"] == "tree"


@pytest.mark.parametrize(
    ("model", "use_logit", "shap_update", "expected"),
    [
        (_forest(), False, {}, "tree"),
        (_boosted(), True, {}, "tree"),
        (_boosted(), False, {}, "kernel"),  # a boosted model's probability: TreeSHAP only approximates it
        (_forest(), True, {}, "kernel"),  # log-odds of averaged probabilities: not a sum over trees
        (_forest(), False, {"features_to_explain": ["a", "b"]}, "kernel"),
        (LogisticRegression().fit(FEATURES, LABEL), False, {}, "kernel"),
    ],
)
def test_auto_uses_trees_only_when_exact(tmp_path, model, use_logit, shap_update, expected):
    config = _config(use_logit, probability=1)
    config["methods"]["shap"].update(shap_update)
    result = explain(
        config,
        EXPLAINED,
        build_model(load_config(config), predictor=model),
        tmp_path,
        options=EngineOptions(shap_algorithm="auto"),
    )
    assert result["kernel_shap"]["y"].get("shap_algorithm", "kernel") == expected


@pytest.mark.parametrize(
    ("model", "use_logit", "message"),
    [
        (LogisticRegression().fit(FEATURES, LABEL), False, "LogisticRegression is not a tree ensemble"),
        (_boosted(), False, "set methods.shap.use_logit to true"),
        (_forest(), True, "not a sum over trees"),
    ],
)
def test_tree_on_an_unsupported_run_is_a_clear_error_before_any_output(tmp_path, model, use_logit, message):
    config = _config(use_logit, probability=1)
    with pytest.raises(ExplanationError, match=message) as caught:
        explain(
            config,
            EXPLAINED,
            build_model(load_config(config), predictor=model),
            tmp_path,
            options=EngineOptions(shap_algorithm="tree"),
        )
    assert "use 'kernel' or 'auto'" in str(caught.value)
    assert not any(tmp_path.iterdir())


def test_values_that_miss_local_accuracy_are_never_reported(tmp_path, monkeypatch):
    """The safety net: if TreeSHAP's values do not add up to the model's own scores (trees routing an input
    differently from the model), "tree" fails and "auto" falls back to Kernel SHAP with a warning."""
    original = shap.TreeExplainer.shap_values

    def off_by_a_little(self, *args, **kwargs):
        return np.asarray(original(self, *args, **kwargs)) + 1e-3

    monkeypatch.setattr(shap.TreeExplainer, "shap_values", off_by_a_little)
    config = _config(False, probability=1)
    with pytest.raises(ExplanationError, match="differs from the model's own score by up to"):
        explain(
            config,
            EXPLAINED,
            build_model(load_config(config), predictor=_forest()),
            tmp_path,
            options=EngineOptions(shap_algorithm="tree"),
        )
    messages: list[str] = []
    result = explain(
        config,
        EXPLAINED,
        build_model(load_config(config), predictor=_forest()),
        tmp_path,
        messages,
        options=EngineOptions(shap_algorithm="auto"),
    )
    assert "shap_algorithm" not in result["kernel_shap"]["y"]
    assert any("used Kernel SHAP" in message for message in messages)


def test_tree_refuses_text_columns(tmp_path):
    frame = EXPLAINED.assign(c=EXPLAINED["c"].map({0: "no", 1: "yes"}))
    config = _config(False, probability=1)
    config["methods"]["shap"]["baseline"] = [[1, 0.0, "no", 1.0]]
    with pytest.raises(ExplanationError, match="feature 'c' is not numeric"):
        explain(
            config,
            frame,
            build_model(load_config(config), predictor=_forest()),
            tmp_path,
            options=EngineOptions(shap_algorithm="tree"),
        )


def test_margin_bound_covers_every_synthetic_row():
    model = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=1).fit(FEATURES, LABEL)
    records = FEATURES.iloc[:30].reset_index(drop=True)
    bound = _gradient_boosting_bound(model, records, BASELINE)
    masks = np.array(list(itertools.product([False, True], repeat=4)))
    x, b = records.to_numpy(float), BASELINE.to_numpy(float)
    hybrids = np.where(masks[None, :, None, :], x[:, None, None, :], b[None, None, :, :]).reshape(-1, 4)
    actual = np.abs(model.decision_function(pd.DataFrame(hybrids, columns=FEATURES.columns))).max()
    assert actual <= bound + 1e-9
    assert bound < 4 * actual  # and it is not vacuous
    assert np.log((1 - 1e-7) / 1e-7) == pytest.approx(LOGIT_BOUND)


def test_cli_flag_runs_trees_end_to_end(tmp_path):
    model = _forest()
    joblib.dump(model, tmp_path / "model.joblib")
    dataset = tmp_path / "data.csv"
    EXPLAINED.assign(y=LABEL.iloc[:25].to_numpy()).to_csv(dataset, index=False)
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(_config(False, probability=1)))
    arguments = ["--config", str(config), "--dataset", str(dataset), "--output", str(tmp_path / "out")]
    assert (
        cli.main([*arguments, "--predictor", str(tmp_path / "model.joblib"), "--shap-algorithm", "tree"]) == 0
    )
    local = pd.read_csv(tmp_path / "out" / "explanations_shap" / "out.csv")
    reference = shap.TreeExplainer(model, data=BASELINE, feature_perturbation="interventional")
    np.testing.assert_allclose(
        local.to_numpy(), np.asarray(reference.shap_values(EXPLAINED))[:, :, 1], atol=1e-9
    )
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert analysis["explanations"]["kernel_shap"]["y"]["shap_algorithm"] == "tree"
    with pytest.raises(SystemExit):
        cli.main([*arguments, "--shap-algorithm", "fast"])


def test_engine_options_reject_an_unknown_algorithm():
    with pytest.raises(ValueError, match=r"shap_algorithm 'fast' is not one of 'kernel', 'tree', 'auto'"):
        EngineOptions(shap_algorithm="fast")


def test_lightgbm_when_installed(tmp_path):
    """LightGBM is not a dependency; when it is installed its scikit-learn classes take the tree path too."""
    lightgbm = pytest.importorskip("lightgbm")
    classifier = lightgbm.LGBMClassifier(n_estimators=20, num_leaves=7, verbose=-1).fit(FEATURES, LABEL)
    regressor = lightgbm.LGBMRegressor(n_estimators=20, num_leaves=7, verbose=-1).fit(
        FEATURES, FEATURES["a"] + 3 * FEATURES["b"]
    )
    for model, use_logit, score, scale, predictor in [
        (classifier, True, lambda f: classifier.predict(f, raw_score=True), 1.0, {"probability": 1}),
        (regressor, False, regressor.predict, 50.0, {}),
    ]:
        (tmp_path / str(use_logit)).mkdir()
        analysis, local = _end_to_end(tmp_path / str(use_logit), model, use_logit, "auto", **predictor)
        assert analysis["explanations"]["kernel_shap"]["y"]["shap_algorithm"] == "tree"
        exact = _exact(score, EXPLAINED.to_numpy(float)[4], BASELINE.to_numpy(float))
        np.testing.assert_allclose(local.to_numpy()[4, :4], exact, atol=1e-6 * scale)
