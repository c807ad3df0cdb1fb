"""Per-segment bias metrics equal the metrics of each segment's rows alone (the data filtered in the test and the
engine run on each filter), intervals included; analysis.json is unchanged by segment_config."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.contract import SEGMENTS_PATH
from airflow_provider_clarify.engine import EngineOptions, run_analysis

AGE_SEGMENTS = {"name_or_index": "age", "segments": [["[18, 40)"], ["[40, 60)"]], "config_name": "age bands"}
GROUP_SEGMENTS = {"name_or_index": "grp", "segments": [[0], [1]], "display_aliases": ["zero", "one", "rest"]}
AGE_FILTERS = {
    "[18, 40)": lambda f: (f["age"] >= 18) & (f["age"] < 40),
    "[40, 60)": lambda f: (f["age"] >= 40) & (f["age"] < 60),
    "__default__": lambda f: ~((f["age"] >= 18) & (f["age"] < 60)),
}
GROUP_FILTERS = {
    "zero": lambda f: f["grp"] == 0,
    "one": lambda f: f["grp"] == 1,
    "rest": lambda f: f["grp"] >= 2,
}
CONFIDENCE = {"level": 0.9, "replicates": 1000, "seed": 5}


def frame(rows: int = 720, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "x1": rng.normal(size=rows).round(2),
            "age": rng.integers(18, 80, size=rows),
            "sex": rng.integers(0, 2, size=rows),
            "grp": rng.integers(0, 3, size=rows),
        }
    )
    score = 0.8 * data["x1"] + 0.02 * (data["age"] - 45) - 0.5 * data["sex"]
    data["label"] = (score + rng.normal(scale=0.8, size=rows) > 0).astype(int)
    data["prediction"] = (score > 0).astype(int)
    return data


def config(**extra) -> dict:
    document = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [
            {"name_or_index": "sex", "value_or_threshold": [1]},
            {"name_or_index": "x1", "value_or_threshold": [0]},
        ],
        "group_variable": "grp",
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    }
    document.update(extra)
    return document


def analyse(tmp_path: Path, data: pd.DataFrame, document: dict, name: str, confidence=None) -> Path:
    path = tmp_path / f"{name}.csv"
    data.to_csv(path, index=False)
    output = tmp_path / name
    run_analysis(load_config(document), path, output, options=EngineOptions(confidence=confidence))
    return output


def same_section(segment: dict, alone: dict, with_intervals: bool) -> None:
    assert segment["label_value_or_threshold"] == alone["label_value_or_threshold"]
    assert list(segment["facets"]) == list(alone["facets"])
    for facet, groups in alone["facets"].items():
        # A threshold facet shows (t, max] with the max of the whole dataset in a segment (the analysis' own
        # facet group), of the filtered rows alone: the same rows, another upper end in the text.
        if facet == "sex":
            assert (
                [g["value_or_threshold"] for g in segment["facets"][facet]]
                == ["1"]
                == [g["value_or_threshold"] for g in groups]
            )
        for ours, theirs in zip(segment["facets"][facet], groups, strict=True):
            for mine, expected in zip(ours["metrics"], theirs["metrics"], strict=True):
                assert mine["name"] == expected["name"]
                assert mine.get("error") == expected.get("error"), mine["name"]
                if isinstance(expected["value"], str) or expected["value"] is None:  # "Infinity", null
                    assert mine["value"] == expected["value"], (facet, mine["name"])
                else:
                    assert mine["value"] == pytest.approx(expected["value"], rel=1e-12, abs=1e-15), mine[
                        "name"
                    ]
                if with_intervals:
                    assert mine["confidence_interval"] == expected["confidence_interval"], mine["name"]


@pytest.mark.parametrize(
    ("segment_config", "filters", "with_intervals"),
    [(AGE_SEGMENTS, AGE_FILTERS, True), (GROUP_SEGMENTS, GROUP_FILTERS, False)],
)
def test_each_segments_metrics_are_the_metrics_of_its_rows_alone(
    tmp_path, segment_config, filters, with_intervals
):
    data = frame()
    output = analyse(tmp_path, data, config(segment_config=[segment_config]), "segmented", CONFIDENCE)
    document = json.loads((output / SEGMENTS_PATH).read_text())
    (entry,) = document["segment_configs"]
    assert entry["column"] == segment_config["name_or_index"]
    assert [s["name"] for s in entry["segments"]] == list(filters)
    for segment in entry["segments"]:
        rows = data[filters[segment["name"]](data)]
        assert 100 < len(rows) < len(data)
        alone = analyse(tmp_path, rows, config(), f"alone-{len(rows)}", CONFIDENCE)
        expected = json.loads((alone / "analysis.json").read_text())
        for key in ("pre_training_bias_metrics", "post_training_bias_metrics"):
            same_section(segment[key], expected[key], with_intervals)


def test_analysis_json_is_the_same_with_and_without_segments_and_the_file_is_documented(tmp_path):
    data = frame()
    plain = analyse(tmp_path, data, config(), "plain")
    segmented = analyse(tmp_path, data, config(segment_config=[AGE_SEGMENTS, GROUP_SEGMENTS]), "segmented")
    assert (segmented / "analysis.json").read_bytes() == (plain / "analysis.json").read_bytes()
    assert not (plain / "segments").exists()
    document = json.loads((segmented / SEGMENTS_PATH).read_text())
    assert document["version"] == "1.0"
    assert [c["config_name"] for c in document["segment_configs"]] == ["age bands", "grp"]
    first = document["segment_configs"][0]["segments"][0]
    assert {key for key in first} == {
        "name",
        "values",
        "is_default",
        "pre_training_bias_metrics",
        "post_training_bias_metrics",
    }
    assert first["values"] == ["[18, 40)"] and first["is_default"] is False
    default = document["segment_configs"][1]["segments"][-1]
    assert (default["name"], default["values"], default["is_default"]) == ("rest", [], True)


def test_segment_metrics_from_a_second_counting_pass_are_the_same(tmp_path):
    """A bound of three distinct values forces the row-by-row second pass for every table, segments included."""
    data = frame()
    document = config(segment_config=[AGE_SEGMENTS])
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    run_analysis(load_config(document), path, tmp_path / "tuples")
    run_analysis(load_config(document), path, tmp_path / "rows", options=EngineOptions(max_distinct_values=3))
    by_tuples = json.loads((tmp_path / "tuples" / SEGMENTS_PATH).read_text())
    by_rows = json.loads((tmp_path / "rows" / SEGMENTS_PATH).read_text())
    assert by_rows == by_tuples


def test_an_unknown_segment_column_fails_naming_the_field_and_leaves_nothing(tmp_path):
    from airflow_provider_clarify.engine import AnalysisError

    with pytest.raises(AnalysisError, match=r"segment_config\[0\].name_or_index"):
        analyse(
            tmp_path, frame(), config(segment_config=[{"name_or_index": "agee", "segments": [["1"]]}]), "bad"
        )
    assert not (tmp_path / "bad").exists()


def test_the_report_shows_the_segments_with_intervals(tmp_path):
    document = config(
        segment_config=[AGE_SEGMENTS],
        methods={"post_training_bias": {"methods": ["DI", "DPPL"]}, "report": {"name": "report"}},
    )
    output = analyse(tmp_path, frame(), document, "reported", CONFIDENCE)
    notebook = json.loads((output / "report.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert "segments = load_analysis(segments_path)" in sources
    tables = [
        "".join(out["data"]["text/html"])
        for cell in notebook["cells"]
        if "segment_metric_table" in "".join(cell["source"])
        for out in cell["outputs"]
    ]
    assert len(tables) == 2  # facets sex and x1
    segments = json.loads((output / SEGMENTS_PATH).read_text())
    young = segments["segment_configs"][0]["segments"][0]["post_training_bias_metrics"]["facets"]["sex"][0]
    di = next(m for m in young["metrics"] if m["name"] == "DI")
    assert (
        f"{di['value']:.4f} [{di['confidence_interval'][0]:.4f}, {di['confidence_interval'][1]:.4f}]"
        in tables[0]
    )
