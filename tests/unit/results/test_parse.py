"""Reading analysis.json: every shape of document, local files and directories, bad documents, and what the local
engine really writes (bias, SHAP with local files and PDP in one run)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError
from tests.unit.results import analysis_samples as samples


@pytest.fixture(scope="module")
def engine_output(adult_csv, tmp_path_factory):
    from sklearn.linear_model import LogisticRegression

    from airflow_provider_clarify.config import load_config
    from airflow_provider_clarify.engine import EngineOptions, run_analysis

    frame = pd.read_csv(adult_csv, nrows=200)
    data = pd.DataFrame(
        {
            "income": (frame["income"] == ">50K").astype(int),
            "age": frame["age"],
            "edu": frame["education-num"],
            "female": (frame["sex"] == "Female").astype(int),
        }
    )
    model = LogisticRegression(max_iter=500).fit(data[["age", "edu", "female"]].to_numpy(), data["income"])
    root = tmp_path_factory.mktemp("engine")
    data.to_csv(root / "data.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "female", "value_or_threshold": [1]}],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": ["DI", "DPPL", "TE"]},
            "shap": {"num_samples": 16, "num_clusters": 2, "seed": 7, "save_local_shap_values": True},
            "pdp": {"grid_resolution": 4, "features": ["age", "edu"]},
        },
        "predictor": {
            "model_name": "in-process",
            "instance_type": "ml.m5.xlarge",
            "initial_instance_count": 1,
        },
    }
    output = root / "out"
    output.mkdir()
    analysis = run_analysis(
        load_config(config),
        root / "data.csv",
        output,
        predictor=model,
        options=EngineOptions(pdp_max_records=50),
    )
    return output, analysis


def test_engine_output_round_trips(engine_output):
    output, analysis = engine_output
    result = ClarifyResult.from_analysis(output)
    assert ClarifyResult.from_xcom(json.loads(json.dumps(result.to_xcom(), allow_nan=False))) == result
    assert set(result.output_files) >= {"analysis.json", "explanations_shap/out.csv"}
    # Values come through unchanged from the document the engine wrote.
    for target, body in analysis["explanations"]["kernel_shap"].items():
        assert result.shap[target].global_shap_values == body["global_shap_values"]
        assert result.shap[target].expected_value == body["expected_value"]
    for entry, summary in zip(analysis["explanations"]["pdp"], result.pdp, strict=True):
        assert (summary.feature_name, summary.num_values) == (
            entry["feature_name"],
            len(entry["feature_values"]),
        )
        assert (summary.value_min, summary.value_max) == (
            min(entry["feature_values"]),
            max(entry["feature_values"]),
        )
    section = analysis["post_training_bias_metrics"]["facets"]["female"][0]
    for metric in section["metrics"]:
        entry = result.metric_entry(metric["name"], facet="female", value="1")
        assert entry.error == metric.get("error")
        if isinstance(metric["value"], str):  # "Infinity" / "-Infinity"
            assert entry.value == float(metric["value"])
        else:
            assert entry.value == metric["value"]
    assert "feature_values" not in json.dumps(result.to_xcom())


def test_combined_document_round_trip():
    result = ClarifyResult.from_analysis(samples.combined(), engine="managed", output_uri="s3://b/out")
    assert result.stages == ("pre_training", "post_training")
    assert set(result.shap) == {"label0"}
    assert [p.feature_name for p in result.pdp] == ["age", "workclass", "notes"]
    assert ClarifyResult.from_xcom(result.to_xcom()) == result
    assert result.analysis_uri == "s3://b/out/analysis.json"


def test_shap_nlp_and_pdp_summaries():
    nlp = ClarifyResult.from_analysis(samples.NLP)
    assert nlp.shap["positive"].global_shap_values == {"Rating": 0.11, "Comments": 0.42}
    assert nlp.shap["negative"].global_top_shap_text == {"bad": 0.29, "great": -0.25}
    assert nlp.shap["positive"].expected_value == 0.5
    age, workclass, notes = ClarifyResult.from_analysis(samples.PDP).pdp
    assert (age.num_values, age.value_min, age.value_max) == (4, 17.0, 90.0)
    assert (age.prediction_min, age.prediction_max) == (0.1, 0.35)
    assert workclass.categories == ("Private", "State-gov", "Never-worked")
    assert workclass.value_min is None
    assert notes.error == "PDP is not supported for free text" and notes.num_values == 0
    pdp_xcom = ClarifyResult.from_analysis(samples.PDP).to_xcom()["pdp"]
    assert "feature_values" not in json.dumps(pdp_xcom)  # no arrays travel


def test_from_local_file_lists_output_files(tmp_path):
    (tmp_path / "analysis.json").write_text(json.dumps(samples.combined()))
    (tmp_path / "report.html").write_text("<html/>")
    (tmp_path / "explanations_shap").mkdir()
    (tmp_path / "explanations_shap" / "out.csv").write_text("age_label0\n0.1\n")
    result = ClarifyResult.from_analysis(tmp_path, warnings=["n < 10"])
    assert result.output_uri == str(tmp_path)
    assert result.analysis_uri == f"{tmp_path}/analysis.json"
    assert result.output_files == {
        "analysis.json": f"{tmp_path}/analysis.json",
        "explanations_shap/out.csv": f"{tmp_path}/explanations_shap/out.csv",
        "report.html": f"{tmp_path}/report.html",
    }
    assert result.warnings == ("n < 10",)
    assert ClarifyResult.from_analysis(tmp_path / "analysis.json", warnings=["n < 10"]) == result


def test_output_file_names_join_the_output_uri():
    result = ClarifyResult.from_analysis(
        samples.SHAP_ONLY,
        output_uri="s3://bucket/run/",
        output_files=["report.pdf", "explanations_shap/out.csv"],
    )
    assert result.output_files == {
        "report.pdf": "s3://bucket/run/report.pdf",
        "explanations_shap/out.csv": "s3://bucket/run/explanations_shap/out.csv",
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "expected an analysis.json dict or a path to one, got list"),
        ({"foo": 1}, "not a Clarify analysis.json"),
        ({"version": "1.0", "pre_training_bias_metrics": {"facets": []}}, "facets: expected an object"),
        (
            {
                "version": "1.0",
                "post_training_bias_metrics": {"facets": {"sex": [{"metrics": [{"value": 1}]}]}},
            },
            r"facets\.sex\[0\]\.metrics\[0\]: expected an object with a string 'name'",
        ),
        (
            {
                "version": "1.0",
                "post_training_bias_metrics": {
                    "facets": {"s": [{"metrics": [{"name": "DI", "value": "x"}]}]}
                },
            },
            r"metrics\[0\]\.value: expected a number",
        ),
    ],
)
def test_bad_analysis_documents(document, message):
    with pytest.raises(ClarifyResultError, match=message):
        ClarifyResult.from_analysis(document)


def test_missing_file_and_s3_paths(tmp_path):
    with pytest.raises(ClarifyResultError, match=r"no analysis\.json there"):
        ClarifyResult.from_analysis(tmp_path)
    with pytest.raises(ClarifyResultError, match=r"download analysis\.json first"):
        ClarifyResult.from_analysis("s3://bucket/out/analysis.json")


def test_failed_metrics_are_warnings_of_the_result_counted_once():
    """reference §10.2: a per-metric error is carried in ``warnings``: from analysis.json alone (a managed job's result),
    and not twice when the engine already warned in the same words."""
    error = "Group variable is empty or not provided"
    expected = f"CDDPL failed for facet group=a: {error} (its value is null in analysis.json)"
    managed = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES, engine="managed")
    assert managed.warnings == (expected,)
    local = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES, warnings=["n < 10", expected])
    assert local.warnings == ("n < 10", expected)
    assert ClarifyResult.from_xcom(local.to_xcom()).warnings == local.warnings
