"""The compact summary an asset event carries: what it keeps, what it leaves out, and its size bound."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.results import ClarifyResult
from airflow_provider_clarify.results.sections import (
    BiasSection,
    FacetGroup,
    MetricEntry,
    PdpSummary,
    ShapSummary,
)
from airflow_provider_clarify.results.summary import (
    SUMMARY_KEY,
    SUMMARY_MAX_BYTES,
    SUMMARY_MAX_SHAP_FEATURES,
    compact_summary,
    is_summary,
    summary_is_complete,
)
from tests.unit.results import analysis_samples as samples

METRICS = ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL")


def _size(payload: dict) -> int:
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())


def _result(facet_values: int, *, features: int = 5, metric_value: float = 0.25) -> ClarifyResult:
    """Both stages, one facet with ``facet_values`` groups of len(METRICS) metrics; SHAP value of f<i> = i."""
    groups = tuple(
        FacetGroup(f"value-{i:04d}", tuple(MetricEntry(name, metric_value + i) for name in METRICS))
        for i in range(facet_values)
    )
    section = BiasSection("income", ">50K", {"sex": groups})
    shap = ShapSummary({f"f{i}": float(i) for i in range(1, features + 1)}, expected_value=0.5)
    return ClarifyResult(
        output_uri="s3://bucket/out",
        analysis_uri="s3://bucket/out/analysis.json",
        output_files={
            "analysis.json": "s3://bucket/out/analysis.json",
            "explanations_shap/out.csv": "s3://x",
        },
        bias={"pre_training": section, "post_training": section},
        shap={"label0": shap},
        pdp=(PdpSummary("age", "numerical", num_values=10),),
        warnings=tuple(f"warning {i} " + "x" * 400 for i in range(8)),
    )


def test_a_small_result_is_kept_whole_but_for_pdp_long_texts_and_per_record_files():
    result = ClarifyResult.from_analysis(samples.combined(), output_uri="/data/out")
    summary = compact_summary(result)

    assert is_summary(summary) and summary_is_complete(summary)
    back = ClarifyResult.from_xcom(summary)
    assert back.rows() == result.rows()
    assert back.shap == result.shap
    assert back.pdp == ()
    assert summary[SUMMARY_KEY]["pdp_entries_dropped"] == len(result.pdp) > 0


def test_shap_keeps_the_largest_features_and_counts_the_rest():
    result = _result(1, features=SUMMARY_MAX_SHAP_FEATURES + 7)
    summary = compact_summary(result)

    kept = ClarifyResult.from_xcom(summary).shap["label0"].global_shap_values
    # f<i> has value i: the largest |value| are the last SUMMARY_MAX_SHAP_FEATURES features.
    assert set(kept) == {f"f{i}" for i in range(8, SUMMARY_MAX_SHAP_FEATURES + 8)}
    assert summary[SUMMARY_KEY]["shap_features_dropped"] == 7
    assert summary_is_complete(summary) is False


def test_warnings_and_output_files_are_capped():
    summary = compact_summary(_result(1))
    assert len(summary["warnings"]) == 5 and all(len(w) == 200 for w in summary["warnings"])
    assert summary["output_files"] == {"analysis.json": "s3://bucket/out/analysis.json"}
    assert summary[SUMMARY_KEY]["warnings_dropped"] == 3
    assert summary_is_complete(summary) is True  # warnings and files are not what a gate reads


def test_a_large_result_is_cut_to_the_bound_keeping_a_prefix_of_the_facet_groups():
    result = _result(200)  # 2 stages x 200 values x 8 metrics = 3200 entries, far past 16 KiB
    summary = compact_summary(result)

    assert _size(summary) <= SUMMARY_MAX_BYTES
    kept_rows = ClarifyResult.from_xcom(summary).rows()
    all_rows = result.rows()
    assert kept_rows == all_rows[: len(kept_rows)]  # pre-training first, groups in order, whole groups
    assert len(kept_rows) % len(METRICS) == 0 and len(kept_rows) > 100
    assert summary[SUMMARY_KEY]["bias_entries_dropped"] == len(all_rows) - len(kept_rows)
    assert summary[SUMMARY_KEY]["complete"] is False
    # One more facet group would not have fitted.
    bigger = compact_summary(result, max_bytes=_size(summary) + 10)
    assert len(ClarifyResult.from_xcom(bigger).rows()) <= len(kept_rows) + len(METRICS)


@pytest.mark.parametrize("max_bytes", [4096, 2048])
def test_even_tight_bounds_hold(max_bytes):
    summary = compact_summary(_result(50, features=40), max_bytes=max_bytes)
    assert _size(summary) <= max_bytes
    assert summary[SUMMARY_KEY]["max_bytes"] == max_bytes


def test_only_summaries_are_recognised():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    assert not is_summary(result.to_xcom())
    assert not is_summary({"clarify_summary": {}})
    assert not summary_is_complete({})
