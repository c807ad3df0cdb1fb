"""Same numbers from CSV, JSON Lines, JSON and Parquet; joins; role inference (threshold label, multi-class,
one-vs-rest, the tiny-dataset quirk); the second counting pass; FT by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import EngineOptions, run_analysis

from .reference import metric_values, posttraining, pretraining


def sample_frame(rows: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=rows).round(3),
            "x2": rng.integers(0, 5, size=rows),
            "gender": rng.choice(["m", "f"], size=rows, p=[0.6, 0.4]),
            "region": rng.choice(["north", "south", "east"], size=rows),
            "label": rng.integers(0, 2, size=rows),
        }
    )
    frame["prediction"] = np.where(rng.random(rows) < 0.8, frame["label"], 1 - frame["label"])
    return frame


BIAS_METHODS = {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}}


def tabular_config(**extra) -> dict:
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "gender", "value_or_threshold": ["f"]}, {"name_or_index": "region"}],
        "group_variable": "region",
        "methods": BIAS_METHODS,
    }
    config.update(extra)
    return config


def test_four_formats_give_the_same_numbers(tmp_path: Path):
    frame = sample_frame()
    features = ["x1", "x2", "gender", "region"]
    csv_path = tmp_path / "d.csv"
    frame.to_csv(csv_path, index=False)
    parquet_path = tmp_path / "d.parquet"
    frame.to_parquet(parquet_path, index=False)
    jsonl_path = tmp_path / "d.jsonl"
    with open(jsonl_path, "w") as stream:
        for record in frame.to_dict(orient="records"):
            stream.write(
                json.dumps(
                    {
                        "features": [record[c] for c in features],
                        "target": record["label"],
                        "pred": record["prediction"],
                    }
                )
                + "\n"
            )
    json_path = tmp_path / "d.json"
    json_path.write_text(
        json.dumps(
            {
                "rows": frame[features].values.tolist(),
                "labels": frame["label"].tolist(),
                "predictions": frame["prediction"].tolist(),
            }
        )
    )
    headers = [*features, "label", "prediction"]
    results = {
        "csv": run_analysis(load_config(tabular_config()), csv_path, tmp_path / "o1"),
        "parquet": run_analysis(
            load_config(tabular_config(dataset_type="application/x-parquet")), parquet_path, tmp_path / "o2"
        ),
        "jsonl": run_analysis(
            load_config(
                tabular_config(
                    dataset_type="application/jsonlines",
                    features="features",
                    label="target",
                    predicted_label="pred",
                    headers=headers,
                )
            ),
            jsonl_path,
            tmp_path / "o3",
        ),
        "json": run_analysis(
            load_config(
                tabular_config(
                    dataset_type="application/json",
                    features="rows",
                    label="labels",
                    predicted_label="predictions",
                    headers=headers,
                )
            ),
            json_path,
            tmp_path / "o4",
        ),
    }
    assert results["csv"] == results["parquet"] == results["jsonl"] == results["json"]
    d = frame["gender"] == "f"
    y, yhat = frame["label"] == 1, frame["prediction"] == 1
    pre = metric_values(results["csv"]["pre_training_bias_metrics"], "gender")
    assert pre == pytest.approx(pretraining(d, y, frame["region"]), rel=1e-12)
    post = metric_values(results["csv"]["post_training_bias_metrics"], "gender")
    expected = posttraining(d, y, yhat, frame["region"])
    assert {k: post[k] for k in expected} == pytest.approx(expected, rel=1e-12)
    ft = next(
        m
        for m in results["csv"]["post_training_bias_metrics"]["facets"]["gender"][0]["metrics"]
        if m["name"] == "FT"
    )
    assert (
        ft["value"] is None and ft["error"] == "FlipTest does not support non-numeric columns"
    )  # text features


def test_second_counting_pass_matches_tuple_counts(tmp_path: Path):
    frame = sample_frame()
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    normal = run_analysis(load_config(tabular_config()), path, tmp_path / "a")
    forced = run_analysis(
        load_config(tabular_config()), path, tmp_path / "b", options=EngineOptions(max_distinct_values=3)
    )
    assert normal == forced


def test_chunking_does_not_change_results(tmp_path: Path):
    frame = sample_frame(rows=500)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    whole = run_analysis(load_config(tabular_config()), path, tmp_path / "a")
    chunked = run_analysis(
        load_config(tabular_config()), path, tmp_path / "b", options=EngineOptions(chunk_rows=7)
    )
    assert whole == chunked


def test_directory_of_files_is_read_in_order(tmp_path: Path):
    frame = sample_frame(rows=300)
    folder = tmp_path / "parts"
    folder.mkdir()
    for index, start in enumerate(range(0, 300, 100)):
        frame.iloc[start : start + 100].to_csv(folder / f"part-{index}.csv", index=False)
    (tmp_path / "all.csv").write_text(frame.to_csv(index=False))
    assert run_analysis(load_config(tabular_config()), folder, tmp_path / "a") == run_analysis(
        load_config(tabular_config()), tmp_path / "all.csv", tmp_path / "b"
    )


def test_regression_label_threshold_and_multiclass_label(tmp_path: Path):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "score": rng.normal(50, 10, size=400).round(2),
            "grade": rng.choice(["A", "B", "C"], size=400),
            "group": rng.choice([0, 1], size=400),
        }
    )
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "score",
        "label_values_or_threshold": [55],
        "facet": [{"name_or_index": "group", "value_or_threshold": [1]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL", "KS"]}},
    }
    result = run_analysis(load_config(config), path, tmp_path / "a")
    section = result["pre_training_bias_metrics"]
    assert section["label_value_or_threshold"] == f"(55.0, {frame['score'].max()}]"
    expected = pretraining(frame["group"] == 1, frame["score"] > 55)
    assert metric_values(section, "group") == pytest.approx({k: expected[k] for k in ("CI", "DPL", "KS")})
    config.update(label="grade", label_values_or_threshold=["A", "B"])
    result = run_analysis(load_config(config), path, tmp_path / "b")
    section = result["pre_training_bias_metrics"]
    assert section["label_value_or_threshold"] == "A,B"
    expected = pretraining(frame["group"] == 1, frame["grade"].isin(["A", "B"]))
    assert metric_values(section, "group") == pytest.approx({k: expected[k] for k in ("CI", "DPL", "KS")})


def test_tiny_binary_label_quirk_is_reproduced_and_warned(tmp_path: Path):
    frame = pd.DataFrame({"label": [0, 1] * 10, "facet": ["x", "y", "y", "x"] * 5})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "facet", "value_or_threshold": ["y"]}],
        "methods": {"pre_training_bias": {"methods": ["DPL"]}},
    }
    warnings: list[str] = []
    result = run_analysis(load_config(config), path, tmp_path / "a", warnings=warnings)
    # u = 2/20 ≥ 0.05 → continuous; breaks [1] only (max 1 equals the threshold) → nothing is positive.
    assert result["pre_training_bias_metrics"]["label_value_or_threshold"] == ""
    assert metric_values(result["pre_training_bias_metrics"], "facet")["DPL"] == 0.0
    assert any("read it" in w or "continuous" in w for w in warnings)
    assert any("no row of label column" in w for w in warnings)
    lenient = run_analysis(
        load_config(config),
        path,
        tmp_path / "b",
        options=EngineOptions(strict_clarify_compat=False),
        warnings=[],
    )
    expected = pretraining(frame["facet"] == "y", frame["label"] == 1)["DPL"]
    assert lenient["pre_training_bias_metrics"]["label_value_or_threshold"] == "1"
    assert metric_values(lenient["pre_training_bias_metrics"], "facet")["DPL"] == pytest.approx(expected)


def test_values_are_converted_to_the_column_type_with_a_warning(tmp_path: Path):
    frame = sample_frame()
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    warnings: list[str] = []
    as_text = run_analysis(
        load_config(tabular_config(label_values_or_threshold=["1"])), path, tmp_path / "a", warnings=warnings
    )
    as_int = run_analysis(load_config(tabular_config()), path, tmp_path / "b")
    assert metric_values(as_text["pre_training_bias_metrics"], "gender") == metric_values(
        as_int["pre_training_bias_metrics"], "gender"
    )
    assert as_text["pre_training_bias_metrics"]["label_value_or_threshold"] == "1"
    assert any("converted" in w for w in warnings)


def test_facet_value_matching_nothing_gives_errors_and_a_warning(tmp_path: Path):
    frame = sample_frame()
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    warnings: list[str] = []
    config = tabular_config(facet=[{"name_or_index": "gender", "value_or_threshold": ["other"]}])
    result = run_analysis(load_config(config), path, tmp_path / "a", warnings=warnings)
    metrics = {m["name"]: m for m in result["pre_training_bias_metrics"]["facets"]["gender"][0]["metrics"]}
    assert metrics["CI"] == {
        "name": "CI",
        "description": "Class Imbalance (CI)",
        "value": None,
        "error": "CI: facet set is empty. Check that x[facet] has non-zero length.",
    }
    assert metrics["DPL"]["error"] == "Facet set is empty."
    assert any("no row of facet column 'gender'" in w for w in warnings)


def test_joined_facet_and_prediction_datasets(tmp_path: Path):
    frame = sample_frame(rows=120)
    frame["id"] = np.arange(1000, 1120)
    main = frame[["id", "x1", "x2", "label"]]
    facets = frame[["id", "gender", "region"]].sample(frac=1.0, random_state=1)
    predictions = frame[["id", "prediction"]].iloc[
        5:
    ]  # five rows without a prediction are dropped by the join
    main.to_csv(tmp_path / "main.csv", index=False)
    facets.to_csv(tmp_path / "facets.csv", index=False, header=False)
    predictions.to_csv(tmp_path / "pred.csv", index=False, header=False)
    config = tabular_config(
        joinsource_name_or_index="id",
        facet_dataset_uri=str(tmp_path / "facets.csv"),
        facet_headers=["id", "gender", "region"],
        predicted_label_dataset_uri=str(tmp_path / "pred.csv"),
        predicted_label_headers=["id", "prediction"],
        facet=[{"name_or_index": "gender", "value_or_threshold": ["f"]}],
        group_variable=None,
    )
    del config["group_variable"]
    config["methods"] = {
        "pre_training_bias": {"methods": ["CI", "DPL"]},
        "post_training_bias": {"methods": ["DPPL"]},
    }
    result = run_analysis(load_config(config), tmp_path / "main.csv", tmp_path / "o")
    kept = frame.iloc[5:]
    expected = pretraining(kept["gender"] == "f", kept["label"] == 1)
    assert metric_values(result["pre_training_bias_metrics"], "gender") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL")}
    )
    # positional alignment (one file each, same row count)
    frame[["gender"]].to_csv(tmp_path / "facet_pos.csv", index=False)
    config = tabular_config(
        facet_dataset_uri=str(tmp_path / "facet_pos.csv"),
        facet_headers=["gender"],
        facet=[{"name_or_index": "gender", "value_or_threshold": ["f"]}],
    )
    del config["group_variable"]
    frame.drop(columns=["gender"]).to_csv(tmp_path / "main2.csv", index=False)
    config["methods"] = {"pre_training_bias": {"methods": ["CI", "DPL"]}}
    result = run_analysis(load_config(config), tmp_path / "main2.csv", tmp_path / "o2")
    expected = pretraining(frame["gender"] == "f", frame["label"] == 1)
    assert metric_values(result["pre_training_bias_metrics"], "gender") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL")}
    )


def test_post_training_with_model_predictions(tmp_path: Path):
    """No predicted-label column: ŷ comes from the model (an in-process estimator) chunk by chunk."""
    from sklearn.linear_model import LogisticRegression

    frame = sample_frame(rows=300)[["x1", "x2", "gender", "label"]]
    frame["gender"] = (frame["gender"] == "f").astype(int)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    model = LogisticRegression().fit(frame[["x1", "x2", "gender"]], frame["label"])
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "gender", "value_or_threshold": [1]}],
        "methods": {"post_training_bias": {"methods": ["DPPL", "DI", "AD"]}},
    }
    result = run_analysis(
        load_config(config), path, tmp_path / "o", predictor=model, options=EngineOptions(chunk_rows=64)
    )
    scores = model.predict_proba(frame[["x1", "x2", "gender"]])[:, 1]
    expected = posttraining(frame["gender"] == 1, frame["label"] == 1, pd.Series(scores > 0.5))
    got = metric_values(result["post_training_bias_metrics"], "gender")
    assert got == pytest.approx({k: expected[k] for k in ("DPPL", "DI", "AD")}, rel=1e-12)


def test_missing_values_are_left_out_and_gzip_is_read(tmp_path: Path):
    frame = sample_frame(rows=200)
    holes = frame.copy().astype(object)
    holes.loc[[3, 17, 40], "label"] = None
    holes.loc[[5, 60], "gender"] = None
    path = tmp_path / "d.csv.gz"
    holes.to_csv(path, index=False, compression="gzip")
    config = tabular_config(facet=[{"name_or_index": "gender", "value_or_threshold": ["f"]}])
    del config["group_variable"]
    config["methods"] = {"pre_training_bias": {"methods": ["CI", "DPL", "KL"]}}
    result = run_analysis(load_config(config), path, tmp_path / "o")
    kept = frame.drop(index=[3, 17, 40, 5, 60])
    expected = pretraining(kept["gender"] == "f", kept["label"] == 1)
    assert metric_values(result["pre_training_bias_metrics"], "gender") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL", "KL")}, rel=1e-12
    )


def test_header_rules_for_text_only_and_headerless_csv(tmp_path: Path):
    text = pd.DataFrame({"gender": ["m", "f", "f", "m"] * 10, "label": ["yes", "no", "yes", "yes"] * 10})
    text.to_csv(tmp_path / "text.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": ["yes"],
        "facet": [{"name_or_index": "gender", "value_or_threshold": ["f"]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
    }
    result = run_analysis(load_config(config), tmp_path / "text.csv", tmp_path / "a")
    expected = pretraining(text["gender"] == "f", text["label"] == "yes")
    assert metric_values(result["pre_training_bias_metrics"], "gender") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL")}
    )
    numbers = pd.DataFrame({"a": [1, 2, 1, 2] * 30, "y": [1, 0, 0, 1] * 30})  # u < 5 %: categorical
    numbers.to_csv(tmp_path / "noheader.csv", index=False, header=False)
    config.update(
        label=1, label_values_or_threshold=[1], facet=[{"name_or_index": 0, "value_or_threshold": [2]}]
    )
    result = run_analysis(load_config(config), tmp_path / "noheader.csv", tmp_path / "b")
    section = result["pre_training_bias_metrics"]
    assert section["label"] == "column_1" and list(section["facets"]) == ["column_0"]
    expected = pretraining(numbers["a"] == 2, numbers["y"] == 1)
    assert metric_values(section, "column_0") == pytest.approx({k: expected[k] for k in ("CI", "DPL")})
