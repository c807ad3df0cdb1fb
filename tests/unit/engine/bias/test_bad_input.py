"""Every bad-input case of the bias engine: a clear error naming the field/column and the fix, and no
analysis.json (nor any other new file) left behind. What the document alone decides is refused by ``load_config``
(ClarifyConfigError) before the engine runs; what depends on the data is an AnalysisError of the run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis

FRAME = pd.DataFrame(
    {
        "age": [25, 32, 47, 51, 38, 29, 60, 44, 35, 52, 41, 23],
        "gender": ["m", "f"] * 6,
        "label": [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0],
        "prediction": [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1],
        "score": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5],
    }
)


def config(**extra) -> dict:
    document = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "gender", "value_or_threshold": ["f"]}],
        "methods": {"pre_training_bias": {"methods": "all"}},
    }
    document.update(extra)
    return document


def fails(tmp_path: Path, document: dict, dataset: Path, *fragments: str) -> str:
    output = tmp_path / "out"
    output.mkdir(exist_ok=True)
    (output / "keep.txt").write_text("an existing file is not touched")
    with pytest.raises(AnalysisError) as caught:
        run_analysis(load_config(document), dataset, output)
    reason = caught.value.reason
    for fragment in fragments:
        assert fragment in reason, reason
    assert sorted(p.name for p in output.iterdir()) == ["keep.txt"]
    return reason


def refused(tmp_path: Path, document: dict, *fragments: str) -> str:
    """The config layer refuses the document, so the engine never runs and writes nothing."""
    output = tmp_path / "out"
    output.mkdir(exist_ok=True)
    (output / "keep.txt").write_text("an existing file is not touched")
    with pytest.raises(ClarifyConfigError) as caught:
        run_analysis(load_config(document), tmp_path / "unused.csv", output)
    reason = str(caught.value)
    for fragment in fragments:
        assert fragment in reason, reason
    assert sorted(p.name for p in output.iterdir()) == ["keep.txt"]
    return reason


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    FRAME.to_csv(path, index=False)
    return path


def test_missing_label_column(tmp_path, csv_path):
    fails(tmp_path, config(label="target"), csv_path, "label", "'target'", "available columns")


def test_missing_facet_column(tmp_path, csv_path):
    fails(
        tmp_path,
        config(facet=[{"name_or_index": "sex", "value_or_threshold": ["f"]}]),
        csv_path,
        "facet[0].name_or_index",
        "'sex'",
    )


def test_missing_group_variable_column(tmp_path, csv_path):
    fails(tmp_path, config(group_variable="region"), csv_path, "group_variable", "'region'")


def test_facet_index_out_of_range(tmp_path, csv_path):
    fails(
        tmp_path,
        config(facet=[{"name_or_index": 9}]),
        csv_path,
        "facet[0].name_or_index",
        "index 9",
        "5 column(s)",
    )


def write_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    with open(path, "w") as stream:
        for row in FRAME.to_dict(orient="records"):
            stream.write(json.dumps({"f": [row["age"], row["gender"]], "y": row["label"]}) + "\n")
    return path


def test_jmespath_that_yields_nothing(tmp_path):
    document = config(
        dataset_type="application/jsonlines",
        features="features",
        label="y",
        headers=["age", "gender", "label"],
    )
    fails(tmp_path, document, write_jsonl(tmp_path), "features", "'features'", "yields nothing", "1-D list")


def test_jmespath_with_the_wrong_shape(tmp_path):
    document = config(dataset_type="application/jsonlines", features="f[0]", label="y")
    fails(tmp_path, document, write_jsonl(tmp_path), "features", "'f[0]'", "a int", "1-D list")


def test_json_label_list_length_differs(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(
        json.dumps({"rows": FRAME[["age", "gender"]].values.tolist(), "labels": FRAME["label"].tolist()[:-2]})
    )
    document = config(
        dataset_type="application/json", features="rows", label="labels", headers=["age", "gender", "label"]
    )
    fails(tmp_path, document, path, "label", "10 value(s)", "12 record(s)")


def test_facet_dataset_row_count_mismatch_without_joinsource(tmp_path):
    FRAME.drop(columns=["gender"]).to_csv(tmp_path / "main.csv", index=False)
    FRAME[["gender"]].iloc[:-3].to_csv(tmp_path / "facets.csv", index=False)
    document = config(facet_dataset_uri=str(tmp_path / "facets.csv"), facet_headers=["gender"])
    fails(
        tmp_path, document, tmp_path / "main.csv", "facet_dataset_uri", "9 row(s)", "joinsource_name_or_index"
    )


def test_join_key_absent_in_one_side(tmp_path):
    frame = FRAME.assign(id=range(len(FRAME)))
    # the facet dataset lacks the key: caught by config validation (facet_headers)
    frame.drop(columns=["gender"]).to_csv(tmp_path / "main.csv", index=False)
    frame[["gender"]].to_csv(tmp_path / "facets.csv", index=False)
    document = config(
        facet_dataset_uri=str(tmp_path / "facets.csv"),
        facet_headers=["gender"],
        joinsource_name_or_index="id",
    )
    refused(tmp_path, document, "facet_headers", "'id'")
    # the main dataset lacks the key: caught when the headers are read
    FRAME.drop(columns=["gender"]).to_csv(tmp_path / "main2.csv", index=False)
    frame[["id", "gender"]].to_csv(tmp_path / "facets2.csv", index=False)
    document = config(
        facet_dataset_uri=str(tmp_path / "facets2.csv"),
        facet_headers=["id", "gender"],
        joinsource_name_or_index="id",
    )
    fails(tmp_path, document, tmp_path / "main2.csv", "joinsource_name_or_index", "'id'", "available columns")


def test_empty_dataset(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("age,gender,label,prediction,score\n")
    fails(tmp_path, config(), path, "empty")


def test_garbled_csv_line(tmp_path):
    path = tmp_path / "bad.csv"
    lines = FRAME.to_csv(index=False).splitlines()
    lines.insert(5, '31,"f,1')
    lines.insert(6, "1,2,3,4,5,6,7,8")
    path.write_text("\n".join(lines) + "\n")
    fails(tmp_path, config(), path, "bad.csv", "unreadable CSV", "5 comma-separated fields")


def test_parquet_label_given_as_index(tmp_path):
    path = tmp_path / "data.parquet"
    FRAME.to_parquet(path, index=False)
    reason = fails(tmp_path, config(dataset_type="application/x-parquet", label=2), path, "label")
    assert "name" in reason


def test_non_numeric_threshold_for_continuous_column(tmp_path, csv_path):
    document = config(facet=[{"name_or_index": "score", "value_or_threshold": ["high"]}])
    fails(tmp_path, document, csv_path, "facet[0].value_or_threshold", "single numeric threshold", "'high'")


def test_continuous_facet_without_threshold(tmp_path, csv_path):
    fails(
        tmp_path,
        config(facet=[{"name_or_index": "score"}]),
        csv_path,
        "facet[0].value_or_threshold",
        "Threshold values must be provided for continuous features",
    )


def test_predicted_label_missing_for_post_training(tmp_path, csv_path):
    document = config(methods={"post_training_bias": {"methods": "all"}})
    fails(tmp_path, document, csv_path, "predict")


def test_predicted_labels_without_any_positive(tmp_path):
    FRAME.assign(prediction=0).to_csv(tmp_path / "d.csv", index=False)
    document = config(predicted_label="prediction", methods={"post_training_bias": {"methods": ["DPPL"]}})
    fails(tmp_path, document, tmp_path / "d.csv", "predicted_label", "No Label values are present")


def test_unknown_metric_name(tmp_path, csv_path):
    refused(tmp_path, config(methods={"pre_training_bias": {"methods": ["CI", "XYZ"]}}), "XYZ")


def test_missing_dataset_path(tmp_path):
    fails(tmp_path, config(), tmp_path / "nowhere.csv", "nowhere.csv", "does not exist")
