"""Flip test (FT) on hand-worked neighbourhoods, through the engine and against the reference estimator."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import EngineOptions, run_analysis

from .reference import metric_values


def ft_config(**extra) -> dict:
    document = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": ["yes"],
        "facet": [{"name_or_index": "facet", "value_or_threshold": ["d"]}],
        "methods": {"post_training_bias": {"methods": ["FT"]}},
    }
    document.update(extra)
    return document


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Labels as words: a 0/1 label on a handful of rows would be read as continuous (reference §3.5)."""
    names = {1: "yes", 0: "no"}
    return frame.assign(label=frame["label"].map(names), prediction=frame["prediction"].map(names))


def test_flip_test_one_neighbour_when_facet_a_is_small(tmp_path: Path):
    # facet a (3 rows ≤ 9 → k = 1): x=0 → ŷ 0, x=10 → 1, x=20 → 1.
    # facet d: x=1 ŷ1 (neighbour 0 → flips to 0: F+), x=2 ŷ1 (F+), x=11 ŷ0 (neighbour 1: F−), x=19 ŷ1 (no flip).
    frame = pd.DataFrame(
        {
            "x": [0, 10, 20, 1, 2, 11, 19],
            "facet": ["a", "a", "a", "d", "d", "d", "d"],
            "label": [0, 1, 1, 1, 0, 0, 1],
            "prediction": [0, 1, 1, 1, 1, 0, 1],
        }
    )
    as_text(frame).to_csv(tmp_path / "d.csv", index=False)
    result = run_analysis(load_config(ft_config()), tmp_path / "d.csv", tmp_path / "o")
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx((2 - 1) / 4)


def test_flip_test_five_neighbours_and_excluded_columns(tmp_path: Path):
    # facet a has 10 rows (> 9 → k = 5): x 0..4 predicted 0, x 100..104 predicted 1.
    # d: x=2 ŷ1 → neighbours all 0 (F+); x=102 ŷ0 → all 1 (F−); x=101 ŷ0 → F−.  FT = (1 − 2) / 3.
    xs_a = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]
    frame = pd.DataFrame(
        {
            "x": [*xs_a, 2, 102, 101],
            "noise": [(i * 7919) % 1000 for i in range(13)],  # excluded: would change neighbours if used
            "facet": ["a"] * 10 + ["d"] * 3,
            "label": [0] * 5 + [1] * 5 + [1, 0, 0],
            "prediction": [0] * 5 + [1] * 5 + [1, 0, 0],
        }
    )
    as_text(frame).to_csv(tmp_path / "d.csv", index=False)
    result = run_analysis(
        load_config(ft_config(excluded_columns=["noise"])), tmp_path / "d.csv", tmp_path / "o"
    )
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx(-1 / 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_neighbour_search_equals_the_reference_estimator_even_with_ties(seed):
    """Integer features make many equidistant neighbours; the result must still be scikit-learn's exactly."""
    from sklearn.neighbors import KNeighborsClassifier

    from airflow_provider_clarify.engine.bias.ft import counterfactual_labels

    rng = np.random.default_rng(seed)
    features_a = rng.integers(0, 4, size=(3000, 3)).astype(float)
    features_d = rng.integers(0, 4, size=(1000, 3)).astype(float)
    yhat_a = rng.random(3000) < 0.4
    oracle = KNeighborsClassifier(n_neighbors=5, weights="uniform", algorithm="auto", leaf_size=30, p=2)
    expected = oracle.fit(features_a, yhat_a).predict(features_d)
    assert (counterfactual_labels(features_a, yhat_a, features_d, 5, 2) == expected).all()
    continuous_a, continuous_d = rng.normal(size=(3000, 4)), rng.normal(size=(1000, 4))
    expected = oracle.fit(continuous_a, yhat_a).predict(continuous_d)
    assert (counterfactual_labels(continuous_a, yhat_a, continuous_d, 5, 2) == expected).all()


def oracle_ft(frame: pd.DataFrame, features: list[str], facet_d: pd.Series, predicted: pd.Series) -> float:
    """FT computed from scratch with scikit-learn's estimator over every row in memory (reference §9.2)."""
    from sklearn.neighbors import KNeighborsClassifier

    a, d = ~facet_d, facet_d
    k = 5 if a.sum() > 9 else 1
    knn = KNeighborsClassifier(n_neighbors=k, weights="uniform", algorithm="auto", leaf_size=30, p=2)
    knn.fit(frame.loc[a, features].to_numpy(float), predicted[a].to_numpy())
    counterfactual = knn.predict(frame.loc[d, features].to_numpy(float))
    model = predicted[d].to_numpy()
    return (int((model & ~counterfactual).sum()) - int((~model & counterfactual).sum())) / int(d.sum())


def ft_frame(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=rows).round(3), "x2": rng.integers(0, 4, rows),
                          "facet": np.where(rng.random(rows) < 0.3, "d", "a")})  # fmt: skip
    frame["label"] = np.where(frame["x1"] + rng.normal(scale=0.5, size=rows) > 0, "yes", "no")
    frame["prediction"] = np.where(frame["x1"] + 0.3 * frame["x2"] > 0.4, "yes", "no")
    return frame


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000, EngineOptions().chunk_rows])
def test_streamed_flip_test_equals_scikit_learn_on_all_rows_for_every_chunk_size(
    tmp_path, chunk_rows, caplog
):
    frame = ft_frame(400)
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:150].to_csv(folder / "part-0.csv", index=False)
    frame.iloc[150:][["prediction", "x2", "facet", "label", "x1"]].to_csv(folder / "part-1.csv", index=False)
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    options = EngineOptions(chunk_rows=chunk_rows, progress_interval_seconds=0)
    result = run_analysis(load_config(ft_config()), folder, options=options)
    expected = oracle_ft(frame, ["x1", "x2"], frame["facet"] == "d", frame["prediction"] == "yes")
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx(
        expected, abs=1e-15
    )
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Flip test for facet=d: neighbour index over") for m in messages)
    assert any(
        re.match(r"Flip test for facet=d: \d+ of \d+ facet-d rows compared \(\d+ rows/s\)", m)
        for m in messages
    )


def test_flip_test_with_model_predictions_asks_the_model_once_per_row(tmp_path):
    frame = ft_frame(300).drop(columns=["prediction"])
    frame["facet"] = (frame["facet"] == "d").astype(int)
    frame["label"] = (frame["label"] == "yes").astype(int)  # the model's 0/1 answers are matched with [1]
    frame.to_csv(tmp_path / "d.csv", index=False)
    asked: list[int] = []

    def model(body: bytes) -> str:
        lines = body.decode().splitlines()
        asked.append(len(lines))
        return "\n".join("0.9" if float(x1) + 0.3 * float(x2) > 0.4 else "0.1"
                         for x1, x2, _ in (line.split(",") for line in lines))  # fmt: skip

    document = ft_config(predictor={"content_type": "text/csv"}, label_values_or_threshold=[1],
                         facet=[{"name_or_index": "facet", "value_or_threshold": [1]}])  # fmt: skip
    del document["predicted_label"]
    result = run_analysis(load_config(document), tmp_path / "d.csv", predictor=model,
                          options=EngineOptions(chunk_rows=64))  # fmt: skip
    predicted = (frame["x1"] + 0.3 * frame["x2"] > 0.4) & True
    expected = oracle_ft(frame, ["x1", "x2"], frame["facet"] == 1, predicted)
    assert metric_values(result["post_training_bias_metrics"], "facet")["FT"] == pytest.approx(
        expected, abs=1e-15
    )
    assert sum(asked) == len(frame)  # the two FT passes reuse the first pass's predictions
