"""ClarifyResult: parsing every analysis.json shape, look-ups, rows, and the XCom round trip."""

from __future__ import annotations

import json
import math

import pytest

from airflow_provider_clarify.results import (
    XCOM_DOCUMENTED_BOUND_BYTES,
    XCOM_MAX_SHAP_FEATURES,
    ClarifyResult,
    ClarifyResultError,
)
from tests.unit.results import analysis_samples as samples


@pytest.mark.parametrize("shape", sorted(samples.SHAPES))
def test_xcom_round_trip_on_every_shape(shape):
    result = ClarifyResult.from_analysis(samples.SHAPES[shape], job_name="job-1", job_status="Completed")
    payload = result.to_xcom()
    # The XCom value is strict JSON (no bare Infinity/NaN tokens) ...
    text = json.dumps(payload, allow_nan=False)
    # ... and reads back to an equal result.
    assert ClarifyResult.from_xcom(json.loads(text)) == result


def test_combined_document_round_trip():
    result = ClarifyResult.from_analysis(samples.combined(), engine="managed", output_uri="s3://b/out")
    assert result.stages == ("pre_training", "post_training")
    assert set(result.shap) == {"label0"}
    assert [p.feature_name for p in result.pdp] == ["age", "workclass", "notes"]
    assert ClarifyResult.from_xcom(result.to_xcom()) == result
    assert result.analysis_uri == "s3://b/out/analysis.json"


def test_bias_values_and_lookups():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    assert result.metric("DI", facet="sex", value="Female", stage="post_training") == 0.35
    assert result.metric("DI") == 0.35  # only one DI entry: no filter needed
    assert result.metric("ci", facet="age") == 0.12  # metric names are case-insensitive
    assert result.metric("CI", facet="sex", stage="pre-training") == 0.3384
    assert result.facets() == ["sex", "age"]
    assert result.facet_values("age") == ["(40, 90]"]
    assert result.metric_names("post_training") == ["DI", "DPPL"]
    section = result.bias["pre_training"]
    assert (section.label, section.label_value_or_threshold) == ("income", ">50K")


def test_lookup_errors_name_what_exists():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    with pytest.raises(ClarifyResultError, match=r"matches 2 entries"):
        result.metric("CI")
    with pytest.raises(ClarifyResultError, match=r"'XYZ' is not in this result \(not a Clarify bias metric"):
        result.metric("XYZ")
    with pytest.raises(
        ClarifyResultError, match=r"'KL' is not in this result\. The result holds: pre_training"
    ):
        result.metric("KL")
    with pytest.raises(ClarifyResultError, match=r"facet 'race' is not in this result; facets: \['sex'\]"):
        result.metric("DI", facet="race")
    with pytest.raises(ClarifyResultError, match=r"no value 'Male'.*\['Female'\]"):
        result.metric("DI", facet="sex", value="Male")
    with pytest.raises(ClarifyResultError, match="unknown stage"):
        result.metric("DI", stage="training")


def test_errors_and_infinities_are_kept():
    result = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES)
    assert result.metric("DI", value="a") == math.inf
    assert result.metric("DCA") == -math.inf
    assert result.metric("TE") == 0.0
    failed = result.metric_entry("CDDPL")
    assert failed.value is None and failed.error == "Group variable is empty or not provided"
    payload = result.to_xcom()
    metrics = payload["bias"]["post_training"]["facets"]["group"][0]["metrics"]
    assert {m["name"]: m["value"] for m in metrics} == {
        "CDDPL": None,
        "DCA": "-Infinity",
        "DI": "Infinity",
        "TE": 0.0,
    }
    assert metrics[0]["error"] == "Group variable is empty or not provided"
    # Known descriptions are left out of XCom and restored on the way back.
    assert "description" not in metrics[1]
    assert (
        ClarifyResult.from_xcom(payload).metric_entry("DI", value="a").description == "Disparate Impact (DI)"
    )


def test_rows_are_flat_with_non_clashing_keys():
    rows = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES).row_dicts()
    assert rows[0] == {
        "stage": "post_training",
        "label": "y",
        "label_value": "1",
        "facet": "group",
        "facet_value": "a",
        "metric": "CDDPL",
        "description": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
        "value": None,
        "error": "Group variable is empty or not provided",
    }
    assert [(r["facet_value"], r["metric"], r["value"]) for r in rows[1:]] == [
        ("a", "DCA", -math.inf),
        ("a", "DI", math.inf),
        ("a", "TE", 0.0),
        ("b", "DI", 0.0),
    ]


def test_numeric_facet_values_match_their_string_form():
    document = {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": "y",
            "label_value_or_threshold": "1",
            "facets": {"gender": [{"value_or_threshold": "0", "metrics": [{"name": "CI", "value": -0.5}]}]},
        },
    }
    result = ClarifyResult.from_analysis(document)
    assert result.metric("CI", facet="gender", value=0) == -0.5
    assert result.metric_entry("CI").description == "Class Imbalance (CI)"


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


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "the value is None"),
        ({"rows": 3}, r"not a Clarify result: got a dict with keys \['rows'\]"),
        ([1], "not a Clarify result: got a list"),
        ("hello", "a string that is not JSON"),
        ({"clarify_result": 99}, "format 99 is not supported"),
        (
            {"clarify_result": 1, "bias": {"post_training": {"facets": {"s": [{}]}}}},
            "malformed Clarify result",
        ),
    ],
)
def test_from_xcom_rejects_what_is_not_a_result(payload, message):
    with pytest.raises(ClarifyResultError, match=message):
        ClarifyResult.from_xcom(payload)


def _large_analysis(features: int, facet_values: int) -> dict:
    pre = ["CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD"]
    post = ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "GE", "RD", "SD", "TE"]

    def section(names):
        return {
            "label": "income",
            "label_value_or_threshold": ">50K",
            "facets": {
                "native-country": [
                    {
                        "value_or_threshold": f"Country-number-{i:02d}",
                        "metrics": [
                            {"name": n, "description": "x" * 60, "value": 0.123456789012345 + i}
                            for n in names
                        ],
                    }
                    for i in range(facet_values)
                ]
            },
        }

    feature_names = [f"feature_with_a_long_name_{j:03d}" for j in range(features)]
    return {
        "version": "1.0",
        "pre_training_bias_metrics": section(pre),
        "post_training_bias_metrics": section(post),
        "explanations": {
            "kernel_shap": {
                "label0": {
                    "global_shap_values": {
                        f: 0.0123456789012345 * (j + 1) for j, f in enumerate(feature_names)
                    },
                    "expected_value": 0.2411111111,
                }
            },
            "pdp": [
                {
                    "feature_name": f,
                    "data_type": "numerical",
                    "feature_values": [float(k) for k in range(15)],
                    "data_distribution": [1 / 15] * 15,
                    "model_predictions": [[0.5] * 15],
                    "label_headers": ["label0"],
                }
                for f in feature_names[:10]
            ],
        },
    }


def test_xcom_size_bound_for_50_features_and_10_facet_values():
    document = _large_analysis(features=50, facet_values=10)
    result = ClarifyResult.from_analysis(
        document, engine="managed", job_name="j" * 63, output_uri="s3://bucket/" + "p" * 100
    )
    size = len(json.dumps(result.to_xcom()))
    # 2 stages x 10 facet values x (8 + 13) metrics, 50 SHAP features, 10 PDP summaries.
    assert size < XCOM_DOCUMENTED_BOUND_BYTES
    assert size < len(json.dumps(document))  # smaller than the document it summarises
    print(f"XCom size for 50 features x 10 facet values: {size} bytes")


def test_shap_beyond_the_cap_keeps_the_largest_and_counts_the_rest():
    n = XCOM_MAX_SHAP_FEATURES + 5
    document = {
        "version": "1.0",
        "explanations": {
            "kernel_shap": {
                "label0": {"global_shap_values": {f"f{j}": float(j) for j in range(n)}, "expected_value": 0.0}
            }
        },
    }
    back = ClarifyResult.from_xcom(ClarifyResult.from_analysis(document).to_xcom()).shap["label0"]
    assert back.shap_truncated == 5
    # The five smallest |values| (f0..f4) are the ones left out.
    assert set(back.global_shap_values) == {f"f{j}" for j in range(5, n)}
