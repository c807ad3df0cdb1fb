"""Gate checks: threshold bands, Model Monitor drift semantics, SHAP nDCG drift, null policy."""

from __future__ import annotations

import math

import pytest

from airflow_provider_clarify.results import (
    ClarifyResult,
    GateRuleError,
    ThresholdRule,
    evaluate,
)
from tests.unit.results import analysis_samples as samples


def bias_result(stage: str, facets: dict[str, dict[str, dict[str, object]]]) -> ClarifyResult:
    """A result with one stage: {facet: {facet value: {metric: value}}}; a str value is an error message."""
    groups = {
        facet: [
            {
                "value_or_threshold": value,
                "metrics": [
                    {"name": name, "value": None, "error": v}
                    if isinstance(v, str) and v.startswith("!")
                    else {"name": name, "value": v}
                    for name, v in sorted(metrics.items())
                ],
            }
            for value, metrics in values.items()
        ]
        for facet, values in facets.items()
    }
    document = {
        "version": "1.0",
        f"{stage}_bias_metrics": {"label": "y", "label_value_or_threshold": "1", "facets": groups},
    }
    return ClarifyResult.from_analysis(document)


def shap_result(values: dict[str, float], target: str = "label0") -> ClarifyResult:
    return ClarifyResult.from_analysis(
        {
            "version": "1.0",
            "explanations": {"kernel_shap": {target: {"global_shap_values": values, "expected_value": 0.1}}},
        }
    )


def _ndcg(truth: list[float], scores: list[float]) -> float:
    """nDCG written out: gains of the true relevance in score order, discounted by log2(rank + 1)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    dcg = sum(truth[i] / math.log2(rank + 2) for rank, i in enumerate(order))
    ideal = sum(t / math.log2(rank + 2) for rank, t in enumerate(sorted(truth, reverse=True)))
    return dcg / ideal


def test_threshold_bands_four_fifths_and_dppl():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    report = evaluate(result, {"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1], "CI": [-0.5, 0.5]})
    assert [(c.metric, c.facet, c.facet_value, c.verdict) for c in report.checks] == [
        ("DI", "sex", "Female", "violation"),
        ("DPPL", "sex", "Female", "violation"),
        ("CI", "sex", "Female", "pass"),
        ("CI", "age", "(40, 90]", "pass"),
    ]
    assert not report.passed
    assert report.constraint_violations() == {
        "version": "1.0",
        "violations": [
            {
                "facet": "sex",
                "facet_value": "Female",
                "metric_name": "DI",
                "constraint_check_type": "bias_threshold_check",
                "description": "Value 0.35 does not meet the constraint requirement [0.8, 1.25]",
            },
            {
                "facet": "sex",
                "facet_value": "Female",
                "metric_name": "DPPL",
                "constraint_check_type": "bias_threshold_check",
                "description": "Value 0.18 does not meet the constraint requirement [-0.1, 0.1]",
            },
        ],
    }
    assert report.summary()["counts"] == {"pass": 2, "violation": 2, "skipped": 0, "not compared": 0}


def test_band_ends_are_inclusive_and_optional():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    assert evaluate(result, [{"metric": "DPPL", "min": -0.18, "max": 0.18}]).passed
    assert evaluate(result, [{"metric": "DI", "max": 0.35}]).passed
    assert not evaluate(result, [{"metric": "DI", "min": 0.3500001}]).passed


def test_scoping_by_stage_facet_and_value():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    report = evaluate(
        result, [ThresholdRule("CI", max=0.2, facet="age", facet_value="(40, 90]", stage="pre_training")]
    )
    assert [(c.facet, c.verdict) for c in report.checks] == [("age", "pass")]
    report = evaluate(result, [ThresholdRule("CI", max=0.2, facet="sex")])
    assert [(c.facet, c.verdict) for c in report.checks] == [("sex", "violation")]


def test_infinities_and_null_policy():
    result = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES)
    report = evaluate(
        result,
        [
            {"metric": "DI", "band": [0.8, 1.25]},
            {"metric": "DCA", "max": 0},
            {"metric": "CDDPL", "band": [-0.1, 0.1]},
        ],
    )
    assert [(c.metric, c.facet_value, c.value, c.verdict) for c in report.checks] == [
        ("DI", "a", math.inf, "violation"),
        ("DI", "b", 0.0, "violation"),
        ("DCA", "a", -math.inf, "pass"),
        ("CDDPL", "a", None, "violation"),
    ]
    assert (
        report.violations[0].detail == "Value Infinity does not meet the constraint requirement [0.8, 1.25]"
    )
    assert "Group variable is empty or not provided" in report.violations[-1].detail
    skipped = evaluate(result, [{"metric": "CDDPL", "band": [-0.1, 0.1]}], on_null="skip")
    assert [c.verdict for c in skipped.checks] == ["skipped"] and skipped.passed


def test_rules_that_do_not_match_the_result_list_what_exists():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    with pytest.raises(GateRuleError, match=r"facet 'race' is not in this result; facets: \['sex'\]"):
        evaluate(result, [{"metric": "DI", "max": 1, "facet": "race"}])
    with pytest.raises(
        GateRuleError, match=r"facet 'sex' has no value 'Male' in this result; its values: \['Female'\]"
    ):
        evaluate(result, [{"metric": "DI", "max": 1, "facet": "sex", "facet_value": "Male"}])
    with pytest.raises(
        GateRuleError, match=r"metric 'KL' is not in this result\. The result holds: pre_training"
    ):
        evaluate(result, [{"metric": "KL", "max": 1}])


def test_gate_needs_something_to_check_and_a_known_null_policy():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)
    with pytest.raises(GateRuleError, match="nothing to check"):
        evaluate(result)
    with pytest.raises(GateRuleError, match="on_null must be one of"):
        evaluate(result, {"DI": [0.8, 1.25]}, on_null="ignore")


def test_bias_drift_model_monitor_semantics():
    # The Model Monitor page's example: baseline 0.2 -> current 0.1 passes, -0.3 fails.
    baseline = bias_result("pre_training", {"Age": {"40": {"CI": 0.2}, "50": {"CI": 0.2}}})
    current = bias_result("pre_training", {"Age": {"40": {"CI": 0.1}, "50": {"CI": -0.3}}})
    report = evaluate(current, baseline=baseline)
    assert [(c.facet_value, c.verdict) for c in report.checks] == [("40", "pass"), ("50", "violation")]
    assert report.constraint_violations()["violations"] == [
        {
            "facet": "Age",
            "facet_value": "50",
            "metric_name": "CI",
            "constraint_check_type": "bias_drift_check",
            "description": "Value -0.3 does not meet the constraint requirement",
        }
    ]


def test_di_drifts_from_its_neutral_point_one():
    baseline = bias_result("post_training", {"sex": {"F": {"DI": 0.5}, "M": {"DI": 1.6}, "X": {"DI": 1.7}}})
    current = bias_result("post_training", {"sex": {"F": {"DI": 1.45}, "M": {"DI": 0.35}, "X": {"DI": 0.35}}})
    # |1.45-1| = 0.45 <= 0.5 pass; |0.35-1| = 0.65 > |1.6-1| = 0.6 violation; 0.65 <= |1.7-1| = 0.7 pass.
    verdicts = [(c.facet_value, c.verdict) for c in evaluate(current, baseline=baseline).checks]
    assert verdicts == [("F", "pass"), ("M", "violation"), ("X", "pass")]


def test_drift_with_infinities_nulls_and_different_facets():
    baseline = bias_result(
        "post_training",
        {"sex": {"F": {"DCA": "Infinity", "DPPL": 0.1, "TE": "!no FP"}}, "race": {"B": {"DPPL": 0.1}}},
    )
    current = bias_result(
        "post_training",
        {
            "sex": {"F": {"DCA": "-Infinity", "DPPL": "!failed", "TE": 3.0}},
            "age": {"(40, 90]": {"DPPL": 0.5}},
        },
    )
    report = evaluate(current, baseline=baseline)
    assert [(c.facet, c.metric, c.verdict) for c in report.checks] == [
        ("sex", "DCA", "pass"),  # |-inf| > |inf| is false
        ("sex", "DPPL", "violation"),  # null current is a violation by default
        ("sex", "TE", "skipped"),  # null baseline: nothing to compare to
        ("age", "DPPL", "not compared"),  # facet only in the result
        ("race", "DPPL", "not compared"),  # facet only in the baseline
    ]
    assert [c.detail for c in report.checks[-2:]] == ["absent from the baseline", "absent from the result"]
    assert [c.verdict for c in evaluate(current, baseline=baseline, on_null="skip").checks][1] == "skipped"


def test_shap_drift_by_ndcg():
    baseline = shap_result({"a": 3.0, "b": 2.0, "c": 1.0})
    reversed_ranking = shap_result({"a": 1.0, "b": 2.0, "c": 3.0})
    expected = _ndcg(
        [3.0, 2.0, 1.0], [1.0, 2.0, 3.0]
    )  # (1 + 2/log2 3 + 3/2) / (3 + 2/log2 3 + 1/2) = 0.78999...
    report = evaluate(reversed_ranking, baseline=baseline)
    (check,) = report.checks
    assert check.verdict == "violation" and check.value == pytest.approx(expected, abs=1e-12)
    assert report.constraint_violations()["violations"] == [
        {
            "label": "label0",
            "metric_name": "shap",
            "constraint_check_type": "feature_attribution_drift_check",
            "description": f"Feature attribution drift {check.value!r} exceeds threshold 0.9",
        }
    ]
    # Same ranking, different magnitudes: nDCG 1.0, passes; a lower threshold lets the reversed ranking pass.
    assert evaluate(shap_result({"a": 0.3, "b": 0.2, "c": 0.1}), baseline=baseline).passed
    assert evaluate(reversed_ranking, baseline=baseline, shap_ndcg_threshold=0.75).passed


def test_shap_drift_compares_shared_features_and_targets():
    baseline = shap_result({"a": 3.0, "b": 2.0, "gone": 9.0})
    current = shap_result({"a": 3.0, "b": 2.0, "new": 5.0})
    (check,) = evaluate(current, baseline=baseline).checks
    assert check.verdict == "pass" and check.value == 1.0
    assert "2 feature(s) not in both were left out" in check.detail
    other_target = shap_result({"a": 1.0, "b": 2.0}, target="label1")
    verdicts = [(c.label, c.verdict) for c in evaluate(other_target, baseline=baseline).checks]
    assert verdicts == [("label0", "not compared"), ("label1", "not compared")]
    single = evaluate(shap_result({"a": 1.0}), baseline=shap_result({"a": 2.0}))
    assert [c.verdict for c in single.checks] == ["skipped"]
