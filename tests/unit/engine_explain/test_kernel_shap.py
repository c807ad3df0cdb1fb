"""Kernel SHAP through run_explanations: exact values, local accuracy, linearity, determinism, files."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.engine.explain import ExplanationData, ExplanationError, run_explanations
from airflow_provider_clarify.engine.predictors import build_model

from .model_fixtures import CsvFunctionModel

RNG = np.random.default_rng(7)
DATA = pd.DataFrame(
    {
        "a": RNG.integers(0, 10, 12),
        "b": RNG.normal(0, 2, 12).round(3),
        "c": RNG.integers(-5, 5, 12),
        "d": RNG.uniform(0, 1, 12).round(3),
    }
)


def _config(shap: dict, **extra) -> dict:
    return {"dataset_type": "text/csv", "label": "y", "methods": {"shap": shap}, "predictor": {}, **extra}


def _run(tmp_path, function, shap: dict, data=DATA, **extra):
    config = _config(shap, **extra)
    model = build_model(config, predictor=CsvFunctionModel(function))
    return run_explanations(config, data, model, tmp_path), model


def _exact_shapley(function, x, baseline_rows) -> np.ndarray:
    """Shapley values by enumerating every coalition: v(S) = mean_k f(x on S, b_k elsewhere)."""
    m = len(x)

    def value(subset) -> float:
        rows = []
        for b in baseline_rows:
            rows.append(function([x[j] if j in subset else b[j] for j in range(m)]))
        return float(np.mean(rows))

    phi = np.zeros(m)
    for j in range(m):
        others = [i for i in range(m) if i != j]
        for size in range(m):
            for subset in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                phi[j] += weight * (value(set(subset) | {j}) - value(set(subset)))
    return phi


def test_exact_shapley_values_of_a_nonlinear_model(tmp_path):
    def function(v):
        return v[0] * v[1] + v[2] ** 2 - 3 * max(v[3], 0.5)

    baseline = [[1, 0.5, 2, 0.1], [4, -1.0, 0, 0.9]]
    result, _ = _run(tmp_path, function, {"baseline": baseline, "save_local_shap_values": True})
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv")
    assert list(local.columns) == ["a_y", "b_y", "c_y", "d_y"]  # single score → named after the dataset label
    for i, row in DATA.iterrows():
        expected = _exact_shapley(function, row.tolist(), baseline)
        np.testing.assert_allclose(local.iloc[i].to_numpy(), expected, atol=1e-9)
    expected_value = np.mean([function(b) for b in baseline])
    assert result["kernel_shap"]["y"]["expected_value"] == pytest.approx(expected_value, abs=1e-12)


def test_linear_model_attributions_are_coefficient_times_distance_to_baseline_mean(tmp_path):
    weights = np.array([0.5, -2.0, 1.5, 4.0])

    def function(v):
        return float(np.dot(weights, v) + 3.0)

    baseline = [[2, 0.0, 1, 0.5], [6, 1.0, -3, 0.25], [0, 2.0, 2, 0.0]]
    result, _ = _run(tmp_path, function, {"baseline": baseline, "save_local_shap_values": True})
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv").to_numpy()
    expected = weights * (DATA.to_numpy(dtype=float) - np.mean(baseline, axis=0))
    np.testing.assert_allclose(local, expected, atol=1e-9)
    global_values = result["kernel_shap"]["y"]["global_shap_values"]
    assert list(global_values) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(list(global_values.values()), np.abs(expected).mean(axis=0), atol=1e-9)


def _sigmoid_model(v):
    z = 0.3 * v[0] - 0.8 * v[1] + 0.2 * v[2] + 2 * v[3] - 1 + 0.1 * v[0] * v[3]
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("use_logit", [False, True])
def test_local_accuracy_on_every_row_with_sampled_coalitions(tmp_path, use_logit):
    data = DATA.assign(e=DATA["a"] % 3, f=DATA["b"] * 2, g=DATA["d"] + 1)

    def function(v):
        return _sigmoid_model(v[:4]) * 0.5 + 0.05 * v[4] + 0.01 * v[6]

    shap = {
        "num_clusters": 3,
        "num_samples": 40,
        "seed": 11,
        "save_local_shap_values": True,
        "use_logit": use_logit,
    }
    result, _ = _run(tmp_path, function, shap, data=data)
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv").to_numpy()
    scores = np.array([function(row) for row in data.to_numpy(dtype=float).tolist()])
    if use_logit:
        scores = np.log(scores / (1 - scores))
    expected_value = result["kernel_shap"]["y"]["expected_value"]
    np.testing.assert_allclose(local.sum(axis=1), scores - expected_value, atol=1e-9)
    baseline = pd.read_csv(tmp_path / "explanations_shap" / "baseline.csv")
    assert list(baseline.columns) == list(data.columns) and len(baseline) == 3


def test_same_seed_gives_identical_files_and_results(tmp_path):
    shap = {"num_samples": 30, "seed": 5, "save_local_shap_values": True, "agg_method": "median"}
    first, _ = _run(tmp_path / "one", _sigmoid_model, shap)
    second, _ = _run(tmp_path / "two", _sigmoid_model, shap)
    assert first == second
    for name in ("out.csv", "baseline.csv"):
        assert (tmp_path / "one" / "explanations_shap" / name).read_bytes() == (
            tmp_path / "two" / "explanations_shap" / name
        ).read_bytes()
    other, _ = _run(tmp_path / "three", _sigmoid_model, {**shap, "seed": 6})
    assert (tmp_path / "three" / "explanations_shap" / "out.csv").read_bytes() != (
        tmp_path / "one" / "explanations_shap" / "out.csv"
    ).read_bytes()
    assert other["kernel_shap"]["y"]["expected_value"] == first["kernel_shap"]["y"]["expected_value"]


def test_multi_output_columns_named_by_label_headers_and_join_key_last(tmp_path):
    def function(v):
        p = _sigmoid_model(v)
        return [1 - p, p]

    config = _config(
        {"baseline": [[1, 0.0, 0, 0.5]], "save_local_shap_values": True, "agg_method": "mean_sq"},
        predictor={"label_headers": ["no", "yes"]},
    )
    model = build_model(config, predictor=CsvFunctionModel(function))
    data = ExplanationData(DATA[["a", "b", "c", "d"]], join_key=pd.Series(range(100, 112), name="id"))
    result = run_explanations(config, data, model, tmp_path)
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv")
    assert list(local.columns) == [f"{f}_{t}" for t in ("no", "yes") for f in "abcd"] + ["id"]
    assert local["id"].tolist() == list(range(100, 112))
    assert set(result["kernel_shap"]) == {"no", "yes"}
    yes = local[[f"{f}_yes" for f in "abcd"]].to_numpy()
    np.testing.assert_allclose(local[[f"{f}_no" for f in "abcd"]].to_numpy(), -yes, atol=1e-9)
    np.testing.assert_allclose(
        list(result["kernel_shap"]["yes"]["global_shap_values"].values()), (yes**2).mean(axis=0), atol=1e-12
    )
    assert not (tmp_path / "explanations_shap" / "baseline.csv").exists()  # given baseline: not written


def test_features_to_explain_keep_the_others_at_the_record_value(tmp_path):
    weights = np.array([0.5, -2.0, 1.5, 4.0])

    def function(v):
        return float(np.dot(weights, v))

    baseline = [[2, 0.0, 1, 0.5], [6, 1.0, -3, 0.25]]
    shap = {"baseline": baseline, "features_to_explain": ["b", 3], "save_local_shap_values": True}
    _run(tmp_path, function, shap)
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv")
    assert list(local.columns) == ["b_y", "d_y"]
    mean = np.mean(baseline, axis=0)
    expected = weights[[1, 3]] * (DATA[["b", "d"]].to_numpy(dtype=float) - mean[[1, 3]])
    np.testing.assert_allclose(local.to_numpy(), expected, atol=1e-9)


def test_features_to_explain_naming_the_label_is_rejected_before_any_call(tmp_path):
    model_function = CsvFunctionModel(_sigmoid_model)
    config = _config({"features_to_explain": ["y"]})
    with pytest.raises(ExplanationError, match=r"features_to_explain names 'y', the label"):
        run_explanations(config, DATA, build_model(config, predictor=model_function), tmp_path)
    assert model_function.records == 0
    assert not any(tmp_path.iterdir())


def test_baseline_with_a_different_column_count(tmp_path):
    with pytest.raises(ExplanationError, match=r"baseline row 1 has 3 values, but the model takes 4"):
        _run(tmp_path, _sigmoid_model, {"baseline": [[1, 2, 3, 4], [1, 2, 3]]})
    assert not any(tmp_path.iterdir())


def test_use_logit_with_a_score_outside_zero_one_fails_without_outputs(tmp_path):
    with pytest.raises(ExplanationError, match=r"use_logit is true but the model returned the score"):
        _run(
            tmp_path,
            lambda v: v[0] + 5,
            {"use_logit": True, "save_local_shap_values": True, "num_clusters": 2},
        )
    assert not any(tmp_path.iterdir())


def test_baseline_file_with_header_and_computed_kmeans_baseline(tmp_path):
    baseline_file = tmp_path / "baseline.csv"
    baseline_file.write_text("a,b,c,d\n1,0.5,2,0.1\n")
    result, _ = _run(tmp_path / "out", lambda v: sum(v), {"baseline": str(baseline_file)})
    assert result["kernel_shap"]["y"]["expected_value"] == pytest.approx(3.6)
    separated = pd.DataFrame({"x": [0, 1, 2, 100, 101, 102], "z": [0.0, 0.0, 0.0, 10.0, 10.0, 13.0]})
    _run(tmp_path / "k", lambda v: v[0], {"num_clusters": 2, "seed": 1}, data=separated)
    rows = pd.read_csv(tmp_path / "k" / "explanations_shap" / "baseline.csv")
    assert sorted(map(tuple, rows.to_numpy().tolist())) == [(1.0, 0.0), (101.0, 11.0)]
    assert str(rows["x"].dtype) == "int64"


def test_automatic_k_finds_three_separated_groups(tmp_path):
    groups = pd.DataFrame({"x": [0, 1, 0, 1, 50, 51, 50, 51, 100, 101, 100, 101], "z": [0.0] * 12})
    _run(tmp_path, lambda v: v[0], {"seed": 3}, data=groups)
    rows = pd.read_csv(tmp_path / "explanations_shap" / "baseline.csv")
    assert sorted(rows["x"].tolist()) == [0, 50, 100]  # means 0.5, 50.5, 100.5 rounded half-even for ints


def test_mixed_data_uses_kprototypes_with_modes(tmp_path):
    data = pd.DataFrame({"n": [1, 2, 1, 90, 91, 92], "cat": ["u", "u", "v", "w", "w", "w"]})

    def function(body: bytes) -> str:
        return "\n".join(line.split(",")[0] for line in body.decode().splitlines())

    config = _config({"num_clusters": 2, "seed": 0})
    run_explanations(config, data, build_model(config, predictor=function), tmp_path)
    rows = pd.read_csv(tmp_path / "explanations_shap" / "baseline.csv")
    assert sorted(map(tuple, rows.to_numpy().tolist())) == [(1, "u"), (91, "w")]


def test_image_data_is_a_later_phase(tmp_path):
    config = {**_config({}), "dataset_type": "application/x-image"}
    with pytest.raises(ExplanationError, match="later phase"):
        run_explanations(config, DATA, build_model(_config({}), predictor=CsvFunctionModel(sum)), tmp_path)


def test_progress_is_logged_with_rate_and_eta(tmp_path, caplog):
    caplog.set_level("INFO", logger="airflow_provider_clarify.engine.explain")
    _run(tmp_path, _sigmoid_model, {"baseline": [[1, 0.0, 0, 0.5]], "num_samples": 10})
    messages = [r.getMessage() for r in caplog.records if "records explained" in r.getMessage()]
    assert messages and messages[-1].startswith("Kernel SHAP: 12/12 records explained (")
    assert "records/s, ETA 0 s)" in messages[-1]


def test_each_distinct_synthetic_row_is_scored_once(tmp_path):
    """f(x) of all records goes in one call; then every synthetic row the model sees is distinct (the empty
    coalition h(∅, b_k) = b_k, shared by all records, among them), and no more rows than Kernel SHAP needs."""
    sent: list[list[str]] = []

    class Recording(CsvFunctionModel):
        def __call__(self, body: bytes) -> str:
            sent.append(body.decode().splitlines())
            return super().__call__(body)

    model_function = Recording(_sigmoid_model)
    baseline = [[1, 0.0, 0, 0.5], [2, 1.0, 1, 0.1]]
    config = _config({"baseline": baseline, "num_samples": 10, "seed": 1})
    run_explanations(config, DATA, build_model(config, predictor=model_function), tmp_path)
    own, *synthetic = sent
    assert len(own) == len(DATA)
    rows = [line for call in synthetic for line in call]
    assert len(rows) == len(set(rows))
    assert {",".join(repr(float(v)) for v in b) for b in baseline} <= {
        ",".join(repr(float(v)) for v in line.split(",")) for line in rows
    }
    assert len(rows) <= len(DATA) * (10 + 1) * len(baseline)
