"""The SHAP baseline: given rows (inline, CSV or JSON Lines file) cast to the data's types, or computed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.explain.baseline import computed_baseline, given_baseline
from airflow_provider_clarify.engine.explain.errors import ExplanationError

DATA = pd.DataFrame({"n": [1, 2, 3], "c": ["a", "b", "a"]})


def config(dataset_type: str = "text/csv", **document):
    predictor = {"content_type": "text/csv"}  # the model reads CSV whatever the dataset format
    return load_config(
        {"dataset_type": dataset_type, "methods": {"shap": {}}, "predictor": predictor, **document}
    )


def test_inline_rows_take_the_data_types():
    rows = given_baseline([["2", "a"]], config(), DATA)
    assert rows.to_dict("list") == {"n": [2], "c": ["a"]} and str(rows["n"].dtype) == "int64"
    with pytest.raises(ExplanationError, match="holds 'x' for the numeric feature 'n'"):
        given_baseline([["x", "a"]], config(), DATA)


def test_boolean_features_take_booleans_whatever_the_spelling():
    data = pd.DataFrame({"flag": [True, False], "n": [1, 2]})
    rows = given_baseline([["False", 1], ["TRUE", 2], [1, 3], ["0", 4]], config(), data)
    assert rows["flag"].tolist() == [False, True, True, False] and rows["flag"].dtype == bool
    with pytest.raises(
        ExplanationError, match="holds 'maybe' for the boolean feature 'flag'; give True or False"
    ):
        given_baseline([["maybe", 1]], config(), data)


def test_files_written_like_the_dataset(tmp_path):
    csv = tmp_path / "b.csv"
    csv.write_text("n,c\n5,b\n")
    assert given_baseline(str(csv), config(), DATA).to_dict("list") == {"n": [5], "c": ["b"]}
    lines = tmp_path / "b.jsonl"
    lines.write_text(json.dumps({"f": [4, "a"]}) + "\n")
    rows = given_baseline(str(lines), config("application/jsonlines", features="f"), DATA)
    assert rows.to_dict("list") == {"n": [4], "c": ["a"]}
    with pytest.raises(ExplanationError, match="does not exist"):
        given_baseline(str(tmp_path / "none.csv"), config(), DATA)


def test_computed_baseline_one_cluster_is_mean_and_mode():
    rows = computed_baseline(DATA, ["numerical", "categorical"], 1, seed=0)
    assert rows.to_dict("list") == {"n": [2], "c": ["a"]}
    with pytest.raises(ExplanationError, match="num_clusters is 5 but the data has only 3 distinct"):
        computed_baseline(DATA, ["numerical", "categorical"], 5, seed=0)
