"""NLP explanations (reference §6.6, §8.5): units, out.jsonl, global_top_shap_text, bad input."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.engine.explain import ExplanationError
from airflow_provider_clarify.engine.explain.text import segment
from airflow_provider_clarify.engine.predictors import build_model
from tests.unit.engine.explain.runs import explain

REVIEWS = pd.DataFrame(
    {
        "rating": [4, 2, 5],
        "comments": ["It's good. Very good!", "bad service", "Good food, not bad"],
    }
)
WORD_SCORES = {"good": 1.0, "bad": -1.0, "very": 0.25}


def sentiment(body: bytes) -> str:
    """Additive model: 0.1 × rating + Σ word scores (case-insensitive), so exact Shapley values are known."""
    answers = []
    for rating, text in csv.reader(io.StringIO(body.decode())):
        words = [w.strip(".,!").lower() for w in text.split()]
        answers.append(str(0.1 * float(rating) + sum(WORD_SCORES.get(w, 0.0) for w in words)))
    return "\n".join(answers)


def _config(text_config: dict, **shap) -> dict:
    return {
        "dataset_type": "text/csv",
        "label": "sentiment",
        "methods": {
            "shap": {
                "baseline": [[3, ""]],
                "text_config": text_config,
                "save_local_shap_values": True,
                **shap,
            }
        },
        "predictor": {},
    }


def test_token_attributions_equal_word_scores_and_offsets(tmp_path):
    config = _config({"granularity": "token", "language": "english", "max_top_tokens": 3})
    result = explain(config, REVIEWS, build_model(load_config(config), predictor=sentiment), tmp_path)
    documents = [
        json.loads(line) for line in (tmp_path / "explanations_shap" / "out.jsonl").read_text().splitlines()
    ]
    assert len(documents) == 3
    rating, comments = documents[0]["explanations"]
    assert rating["feature_name"] == "rating" and rating["data_type"] == "numerical"
    assert rating["attributions"][0]["attribution"][0] == pytest.approx(0.1)  # 0.1 × (4 − 3)
    assert comments["data_type"] == "free_text"
    units = [
        (a["description"]["partial_text"], a["description"]["start_idx"]) for a in comments["attributions"]
    ]
    assert units == [("It", 0), ("'s", 2), ("good", 5), (".", 9), ("Very", 11), ("good", 16), ("!", 20)]
    values = [a["attribution"][0] for a in comments["attributions"]]
    np.testing.assert_allclose(values, [0, 0, 1, 0, 0.25, 1, 0], atol=1e-9)
    summary = result["kernel_shap"]["sentiment"]
    assert summary["expected_value"] == pytest.approx(0.3)  # rating 3, empty text
    # text column: per record the sum of its units (2.25, -1, 0), then mean |.|
    assert summary["global_shap_values"]["comments"] == pytest.approx((2.25 + 1 + 0) / 3)
    # "Good" (1.0) and "good" (1.0, 1.0) are different unit strings; "bad" -1 twice
    assert summary["global_top_shap_text"] == pytest.approx({"Good": 1.0, "good": 1.0, "bad": 1.0})


def test_sentence_units(tmp_path):
    config = _config({"granularity": "sentence", "language": "en"})
    explain(config, REVIEWS.iloc[:1], build_model(load_config(config), predictor=sentiment), tmp_path)
    (document,) = [
        json.loads(line) for line in (tmp_path / "explanations_shap" / "out.jsonl").read_text().splitlines()
    ]
    sentences = document["explanations"][1]["attributions"]
    assert [(s["description"]["partial_text"], s["description"]["start_idx"]) for s in sentences] == [
        ("It's good.", 0),
        ("Very good!", 11),
    ]
    np.testing.assert_allclose([s["attribution"][0] for s in sentences], [1.0, 1.25], atol=1e-9)


def test_text_granularity_on_numeric_columns_only_is_rejected(tmp_path):
    config = _config({"granularity": "token", "language": "en"})
    numeric = pd.DataFrame({"rating": [1, 2], "length": [10, 20]})
    with pytest.raises(
        ExplanationError, match=r"text_config.granularity 'token' needs a text \(string\) column"
    ):
        explain(config, numeric, build_model(load_config(config), predictor=sentiment), tmp_path)


def test_unknown_language_is_rejected(tmp_path):
    config = _config({"granularity": "token", "language": "klingon"})
    with pytest.raises(
        ClarifyConfigError, match=r"methods.shap.text_config.language: \"klingon\" is not valid"
    ):
        load_config(config)
    with pytest.raises(ExplanationError, match="language 'klingon' is not supported"):
        segment("a review", "token", "klingon")
    assert not any(tmp_path.iterdir())


def test_text_csv_through_run_analysis_with_the_engine_reader(tmp_path):
    from airflow_provider_clarify.engine import run_analysis

    dataset = tmp_path / "reviews.csv"
    REVIEWS.assign(sentiment=[1, 0, 1]).to_csv(dataset, index=False)
    config = _config({"granularity": "token", "language": "en"})
    config["methods"]["pdp"] = {"features": ["comments", "rating"], "grid_resolution": 2}
    analysis = run_analysis(
        load_config(config),
        dataset,
        tmp_path / "out",
        predictor="tests.unit.engine.explain.test_text:sentiment",
    )
    text_entry, rating_entry = analysis["explanations"]["pdp"]
    assert text_entry == {
        "feature_name": "comments",
        "data_type": "free_text",
        "error": "Detected data type is not supported for PDP. PDP can only be computed for numerical or "
        "categorical columns",
    }
    assert rating_entry["feature_values"] == [2.75, 4.25]  # [2, 5] in two buckets
    lines = (tmp_path / "out" / "explanations_shap" / "out.jsonl").read_text().splitlines()
    assert len(lines) == 3
    summary = analysis["explanations"]["kernel_shap"]["sentiment"]
    assert summary["global_shap_values"]["comments"] == pytest.approx((2.25 + 1 + 0) / 3)


def interacting(body: bytes) -> str:
    """Not additive: 'not' flips 'bad' and dampens 'good' (so units have interaction effects)."""
    answers = []
    for rating, text in csv.reader(io.StringIO(body.decode())):
        answers.append(str(_bag_score(float(rating), {w.strip(".,!").lower() for w in text.split()})))
    return "\n".join(answers)


def _bag_score(rating: float, words: set[str]) -> float:
    score = 0.1 * rating + sum(WORD_SCORES.get(w, 0.0) for w in words)
    return score + 1.5 * ("not" in words and "bad" in words) - 0.7 * ("not" in words and "good" in words)


def test_text_units_in_the_enumeration_regime_are_exact_shapley_values(tmp_path):
    """Players: rating and the 5 units of "Good food, not bad" (2^6 − 2 coalitions, all enumerated); an absent
    unit is dropped (baseline text ""), an absent rating takes the baseline's 3."""
    import itertools
    import math

    config = _config({"granularity": "token", "language": "en"})
    record = REVIEWS.iloc[[2]].reset_index(drop=True)
    explain(config, record, build_model(load_config(config), predictor=interacting), tmp_path)
    (document,) = [
        json.loads(line) for line in (tmp_path / "explanations_shap" / "out.jsonl").read_text().splitlines()
    ]
    rating, comments = document["explanations"]
    units = [a["description"]["partial_text"] for a in comments["attributions"]]
    assert units == ["Good", "food", ",", "not", "bad"]
    got = [rating["attributions"][0]["attribution"][0]] + [
        a["attribution"][0] for a in comments["attributions"]
    ]

    def value(subset: frozenset[int]) -> float:  # player 0 = rating, 1.. = units
        words = {units[p - 1].strip(".,!").lower() for p in subset if p > 0} - {""}
        return _bag_score(5.0 if 0 in subset else 3.0, words)

    players = 6
    expected = []
    for j in range(players):
        others = [p for p in range(players) if p != j]
        total = 0.0
        for size in range(players):
            weight = math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)
            for subset in itertools.combinations(others, size):
                total += weight * (value(frozenset(subset) | {j}) - value(frozenset(subset)))
        expected.append(total)
    np.testing.assert_allclose(got, expected, atol=1e-10)
    assert abs(expected[4] - 0.0) > 0.1  # 'not' matters only through its interactions
