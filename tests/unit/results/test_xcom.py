"""The XCom form: the round trip on every shape, infinities and errors kept, what is not a result refused, the size bound."""

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


@pytest.mark.parametrize("shape", sorted(samples.SHAPES))
def test_xcom_round_trip_on_every_shape(shape):
    result = ClarifyResult.from_analysis(samples.SHAPES[shape], job_name="job-1", job_status="Completed")
    payload = result.to_xcom()
    # The XCom value is strict JSON (no bare Infinity/NaN tokens) ...
    text = json.dumps(payload, allow_nan=False)
    # ... and reads back to an equal result.
    assert ClarifyResult.from_xcom(json.loads(text)) == result


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
