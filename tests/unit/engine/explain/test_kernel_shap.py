"""Kernel SHAP through run_explanations: exact values, local accuracy, linearity, determinism, files."""

from __future__ import annotations

import io
import itertools
import math
import threading
import time

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.engine import EngineOptions
from airflow_provider_clarify.engine.explain import ExplanationData, ExplanationError
from airflow_provider_clarify.engine.predictors import build_model
from tests.unit.engine.explain.runs import explain
from tests.unit.engine.model_fixtures import CsvFunctionModel

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
    model = build_model(load_config(config), predictor=CsvFunctionModel(function))
    return explain(config, data, model, tmp_path), model


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
    model = build_model(load_config(config), predictor=CsvFunctionModel(function))
    data = ExplanationData(DATA[["a", "b", "c", "d"]], join_key=pd.Series(range(100, 112), name="id"))
    result = explain(config, data, model, tmp_path)
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
    # The label given by index: only the engine, which resolves it through headers, can tell it is named.
    config = _config({"features_to_explain": ["y"]}, label=4, headers=["a", "b", "c", "d", "y"])
    with pytest.raises(ExplanationError, match=r"features_to_explain names 'y', the label"):
        explain(config, DATA, build_model(load_config(config), predictor=model_function), tmp_path)
    assert model_function.records == 0
    assert not any(tmp_path.iterdir())
    # Named as the label itself, the document is refused by the config layer before any engine runs.
    with pytest.raises(ClarifyConfigError, match=r"features_to_explain\[0\]: 'y' is the label column"):
        load_config(_config({"features_to_explain": ["y"]}))


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
    explain(config, data, build_model(load_config(config), predictor=function), tmp_path)
    rows = pd.read_csv(tmp_path / "explanations_shap" / "baseline.csv")
    assert sorted(map(tuple, rows.to_numpy().tolist())) == [(1, "u"), (91, "w")]


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
    explain(config, DATA, build_model(load_config(config), predictor=model_function), tmp_path)
    own, *synthetic = sent
    assert len(own) == len(DATA)
    rows = [line for call in synthetic for line in call]
    assert len(rows) == len(set(rows))
    assert {",".join(repr(float(v)) for v in b) for b in baseline} <= {
        ",".join(repr(float(v)) for v in line.split(",")) for line in rows
    }
    assert len(rows) <= len(DATA) * (10 + 1) * len(baseline)


def test_features_to_explain_in_the_enumeration_regime_are_exact_shapley_values(tmp_path):
    """Players b and d only; a and c keep the record's value in every synthetic row (reference §6.1)."""

    def function(v):
        return v[0] * v[1] - v[2] * v[3] ** 2 + math.sin(v[1] * v[3])

    baseline = [[1, 0.5, 2, 0.1], [4, -1.0, 0, 0.9], [0, 2.0, -3, 0.4]]
    shap = {"baseline": baseline, "features_to_explain": ["b", "d"], "save_local_shap_values": True}
    _run(tmp_path, function, shap)
    local = pd.read_csv(tmp_path / "explanations_shap" / "out.csv").to_numpy()
    players = [1, 3]
    for i, row in enumerate(DATA.to_numpy(dtype=float)):

        def value(subset, row=row):
            outputs = []
            for b in baseline:
                mixed = [row[j] if (j not in players or j in subset) else b[j] for j in range(4)]
                outputs.append(function(mixed))
            return float(np.mean(outputs))

        phi_b = 0.5 * (value({1}) - value(set())) + 0.5 * (value({1, 3}) - value({3}))
        phi_d = 0.5 * (value({3}) - value(set())) + 0.5 * (value({1, 3}) - value({1}))
        np.testing.assert_allclose(local[i], [phi_b, phi_d], atol=1e-10)


class _FakeRuntime:
    """A sagemaker-runtime client whose endpoint answers after a random delay: concurrent requests complete in
    any order."""

    def __init__(self, function, seed: int) -> None:
        self.function = function
        self.random = np.random.default_rng(seed)
        self.lock = threading.Lock()

    def invoke_endpoint(self, **arguments):
        with self.lock:
            delay = float(self.random.uniform(0, 0.004))
        time.sleep(delay)
        return {"Body": CsvFunctionModel(self.function)(arguments["Body"]).encode()}


def _endpoint_run(tmp_path, shap: dict, options: EngineOptions, seed: int = 0, data=DATA):
    config = _config(shap, predictor={"endpoint_name": "model"})
    model = build_model(
        load_config(config), sagemaker_runtime_client=_FakeRuntime(_sigmoid_model, seed), options=options
    )
    result = explain(config, data, model, tmp_path, options=options)
    return result, (tmp_path / "explanations_shap" / "out.csv").read_bytes()


def test_identical_files_whatever_the_block_size_batch_size_and_concurrency(tmp_path):
    shap = {
        "baseline": [[1, 0.0, 0, 0.5], [2, 1.0, 1, 0.1]],
        "num_samples": 6,
        "seed": 3,
        "save_local_shap_values": True,
    }
    runs = [
        EngineOptions(shap_block_rows=1, batch_size=1, max_concurrency=1),  # one record per block and request
        EngineOptions(shap_block_rows=7 * 14, batch_size=7, max_concurrency=8),
        EngineOptions(shap_block_rows=1000, batch_size=1000, max_concurrency=8),
        EngineOptions(shap_block_rows=10**6, batch_size=3, max_concurrency=8),
    ]
    outputs = [_endpoint_run(tmp_path / str(n), shap, options, seed=n) for n, options in enumerate(runs)]
    first_result, first_file = outputs[0]
    for result, file in outputs[1:]:
        assert file == first_file
        assert result == first_result
    local = pd.read_csv(io.BytesIO(first_file)).to_numpy()
    assert np.abs(local).max() > 0.01  # the values are not trivially equal


def test_a_record_has_the_same_values_in_any_order_and_any_part_of_the_data(tmp_path):
    """record_ids name each record's random stream: explaining the records reversed, or only some of them,
    gives each record the values it gets in the full run."""
    from airflow_provider_clarify.engine.explain.kernel_shap import (
        KernelSettings,
        ScoreFunction,
        explain_all_features,
    )
    from airflow_provider_clarify.engine.explain.progress import Progress

    config = load_config(_config({}))
    model = build_model(config, predictor=CsvFunctionModel(_sigmoid_model))
    baseline = pd.DataFrame([[1, 0.0, 0, 0.5], [2, 1.0, 1, 0.1]], columns=DATA.columns)

    def explain_part(frame, ids):
        return explain_all_features(
            frame.reset_index(drop=True),
            baseline,
            ScoreFunction(model, False),
            KernelSettings(num_samples=5, seed=9, block_rows=20),
            progress=Progress("test", len(frame)),
            record_ids=ids,
        ).values

    full = explain_part(DATA, None)
    order = list(range(len(DATA)))[::-1]
    for position, values in zip(order, explain_part(DATA.iloc[order], order), strict=True):
        np.testing.assert_array_equal(values, full[position])
    part = [3, 8, 5]
    for position, values in zip(part, explain_part(DATA.iloc[part], part), strict=True):
        np.testing.assert_array_equal(values, full[position])


def test_standard_errors_only_when_asked(tmp_path):
    shap = {
        "baseline": [[1, 0.0, 0, 0.5], [2, 1.0, 1, 0.1]],
        "num_samples": 8,
        "seed": 1,
        "save_local_shap_values": True,
    }
    plain, _ = _run(tmp_path / "plain", _sigmoid_model, shap)
    assert "global_shap_standard_errors" not in plain["kernel_shap"]["y"]
    assert not (tmp_path / "plain" / "explanations_shap" / "out_standard_errors.csv").exists()

    config = _config(shap)
    model = build_model(load_config(config), predictor=CsvFunctionModel(_sigmoid_model))
    result = explain(config, DATA, model, tmp_path / "se", options=EngineOptions(shap_standard_errors=True))
    entry = result["kernel_shap"]["y"]
    local = pd.read_csv(tmp_path / "se" / "explanations_shap" / "out.csv")
    errors = pd.read_csv(tmp_path / "se" / "explanations_shap" / "out_standard_errors.csv")
    assert list(errors.columns) == list(local.columns)
    assert (errors.to_numpy() > 0).all()  # 8 of 14 coalitions: sampled
    np.testing.assert_allclose(
        list(entry["global_shap_standard_errors"].values()),
        np.sqrt((errors.to_numpy() ** 2).sum(axis=0)) / len(DATA),
    )
    assert (
        local.to_numpy().tolist()
        == pd.read_csv(tmp_path / "plain" / "explanations_shap" / "out.csv").to_numpy().tolist()
    )

    exact = explain(
        _config({key: value for key, value in shap.items() if key != "num_samples"}),  # all enumerated
        DATA,
        model,
        tmp_path / "exact",
        options=EngineOptions(shap_standard_errors=True),
    )
    assert set(exact["kernel_shap"]["y"]["global_shap_standard_errors"].values()) == {0.0}


def test_agrees_with_kernel_explainer_on_adult_within_the_sampling_error(tmp_path):
    """The bundled Adult sample, a logistic model of its 7 features, 120 records, 10 baseline rows, 40 samples
    (of 126 coalitions): per-feature mean |φ| of shap.KernelExplainer and of the engine agree within their
    sampling error, and the engine's values add up to f(x) − φ0 on every row."""
    import logging
    from pathlib import Path

    shap_library = pytest.importorskip("shap")
    logging.getLogger("shap").setLevel(logging.WARNING)
    adult = pd.read_csv(Path(__file__).resolve().parents[4] / "sample_data" / "adult" / "validation.csv")
    features = adult.drop(columns=["income_gt_50k"])
    records, baseline = features.iloc[:120].reset_index(drop=True), features.iloc[-10:].reset_index(drop=True)
    weights = np.array([0.04, 0.3, 0.03, 0.0003, 0.0007, 1.5, 0.5])

    def probability(matrix: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(np.asarray(matrix, dtype=float) @ weights - 7.0)))

    np.random.seed(0)
    explainer = shap_library.KernelExplainer(probability, baseline.to_numpy(dtype=float))
    theirs = np.asarray(
        explainer.shap_values(records.to_numpy(dtype=float), nsamples=40, l1_reg=False, silent=True)
    )

    def endpoint(body: bytes) -> str:
        rows = np.array([[float(v) for v in line.split(",")] for line in body.decode().splitlines()])
        return "\n".join(repr(float(p)) for p in probability(rows))

    config = {
        "dataset_type": "text/csv",
        "label": "income_gt_50k",
        "methods": {
            "shap": {
                "baseline": baseline.to_numpy().tolist(),
                "num_samples": 40,
                "seed": 0,
                "save_local_shap_values": True,
            }
        },
        "predictor": {},
    }
    result = explain(
        config,
        records,
        build_model(load_config(config), predictor=endpoint),
        tmp_path,
        options=EngineOptions(shap_standard_errors=True),
    )
    ours = pd.read_csv(tmp_path / "explanations_shap" / "out.csv").to_numpy()
    errors = pd.read_csv(tmp_path / "explanations_shap" / "out_standard_errors.csv").to_numpy()
    expected_value = result["kernel_shap"]["income_gt_50k"]["expected_value"]
    np.testing.assert_allclose(ours.sum(axis=1), probability(records.to_numpy()) - expected_value, atol=1e-12)
    sampling_error = np.sqrt((errors**2).sum(axis=0)) / len(records)
    difference = np.abs(np.abs(ours).mean(axis=0) - np.abs(theirs).mean(axis=0))
    assert sampling_error.max() > 0
    # both estimates carry sampling error of this size: their difference is within 4·√2 of it
    np.testing.assert_array_less(difference, 4 * np.sqrt(2) * sampling_error + 1e-12)


def test_an_in_process_model_is_called_on_the_calling_thread(tmp_path):
    """In-process models need not be thread-safe: every block is scored on the thread that runs the analysis."""
    threads: set[str] = set()

    class Recording(CsvFunctionModel):
        def __call__(self, body: bytes) -> str:
            threads.add(threading.current_thread().name)
            return super().__call__(body)

    config = _config({"baseline": [[1, 0.0, 0, 0.5]], "num_samples": 6, "seed": 2})
    model = build_model(
        load_config(config), predictor=Recording(_sigmoid_model), options=EngineOptions(batch_size=5)
    )
    options = EngineOptions(shap_block_rows=30, batch_size=5, max_concurrency=4)
    explain(config, DATA, model, tmp_path, options=options)
    assert threads == {threading.current_thread().name}
