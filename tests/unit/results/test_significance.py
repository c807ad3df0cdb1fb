"""Threshold rules with ``significance``: the worked example of docs/gates.md, infinite ends, metrics without an
interval, segment rules, and constraint_violations.json in its Model Monitor shape."""

from __future__ import annotations

import copy
import math

import pytest

from airflow_provider_clarify.results import (
    ClarifyResult,
    GateRuleError,
    ThresholdRule,
    evaluate,
    parse_rules,
)
from airflow_provider_clarify.results.significance import interval_violates
from tests.unit.results import analysis_samples as samples

BAND = [0.8, 1.25]
SETTINGS = {"level": 0.95, "replicates": 2000, "method": "percentile", "seed": 7}


def result_with_di(value: float, interval) -> ClarifyResult:
    document = copy.deepcopy(samples.BIAS_ONLY)
    post = document["post_training_bias_metrics"]
    post["confidence_interval_settings"] = SETTINGS
    di, dppl = post["facets"]["sex"][0]["metrics"]
    di["value"] = value
    di["confidence_interval"] = interval
    dppl["confidence_interval"] = [0.1, 0.3]
    return ClarifyResult.from_analysis(document)


def verdict(result: ClarifyResult, significance: str, on_null: str = "violation") -> str:
    report = evaluate(result, [{"metric": "DI", "band": BAND, "significance": significance}], on_null=on_null)
    (check,) = report.checks
    return check.verdict


@pytest.mark.parametrize(
    ("value", "interval", "expected"),
    [
        # docs/gates.md: facet d of 120 rows, DI 0.733 below 0.8, its interval reaching into the band.
        (0.733, [0.550, 0.909], {"ignore": "violation", "require": "pass", "conservative": "violation"}),
        # 20 times the rows: the interval lies wholly below 0.8.
        (0.733, [0.684, 0.785], {"ignore": "violation", "require": "violation", "conservative": "violation"}),
        # DI 0.9 inside the band on 120 rows, its interval not.
        (0.900, [0.707, 1.079], {"ignore": "pass", "require": "pass", "conservative": "violation"}),
        # Wholly inside.
        (1.000, [0.850, 1.150], {"ignore": "pass", "require": "pass", "conservative": "pass"}),
        # Infinite ends compare as infinite.
        (
            2.000,
            [1.300, "Infinity"],
            {"ignore": "violation", "require": "violation", "conservative": "violation"},
        ),
        (1.000, [0.900, "Infinity"], {"ignore": "pass", "require": "pass", "conservative": "violation"}),
        # The band's ends are inclusive, like the point estimate's.
        (0.800, [0.800, 1.250], {"ignore": "pass", "require": "pass", "conservative": "pass"}),
    ],
)
def test_the_three_policies(value, interval, expected):
    result = result_with_di(value, interval)
    assert {policy: verdict(result, policy) for policy in expected} == expected


@pytest.mark.parametrize(
    ("low", "high", "band", "require", "conservative"),
    [
        (0.1, 0.2, (0.3, None), True, True),
        (0.1, 0.4, (0.3, None), False, True),
        (0.4, 0.5, (None, 0.3), True, True),
        (0.2, 0.4, (None, 0.3), False, True),
        (-math.inf, math.inf, (0.0, 1.0), False, True),
        (-math.inf, -1.0, (0.0, 1.0), True, True),
        (0.0, 1.0, (0.0, 1.0), False, False),
    ],
)
def test_interval_against_band_by_hand(low, high, band, require, conservative):
    assert interval_violates("require", low, high, *band) is require
    assert interval_violates("conservative", low, high, *band) is conservative


def test_a_violation_records_the_interval_and_keeps_the_model_monitor_keys():
    result = result_with_di(0.733, [0.550, 0.909])
    report = evaluate(result, [{"metric": "DI", "band": BAND, "significance": "conservative"}])
    (violation,) = report.constraint_violations()["violations"]
    assert set(violation) == {"facet", "facet_value", "metric_name", "constraint_check_type", "description"}
    assert violation["description"] == (
        "Value 0.733 (95% confidence interval [0.55, 0.909]) does not meet the constraint requirement [0.8, 1.25]: "
        "the interval lies partly outside it (significance 'conservative')"
    )
    assert report.checks[0].interval == (0.55, 0.909)
    table = report.table()
    assert "0.733 [0.55, 0.909]" in table and "[0.8, 1.25] (conservative)" in table
    # Under "ignore" the point estimate decides, and the description still shows the interval.
    report = evaluate(result, {"DI": BAND})
    assert report.violations[0].detail.startswith(
        "Value 0.733 (95% confidence interval [0.55, 0.909]) does not"
    )


def test_a_metric_without_interval_is_treated_like_a_null_value():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY)  # run without the confidence option
    report = evaluate(result, [{"metric": "DI", "band": [0.3, 1.25], "significance": "require"}])
    (check,) = report.checks
    assert check.verdict == "violation"
    assert "has no confidence interval (run the analysis with the confidence option)" in check.detail
    assert verdict(result, "require", on_null="skip") == "skipped"
    assert verdict(result, "ignore") == "violation"  # 0.35 < 0.8: the point estimate, as before


def test_the_note_says_why_there_is_no_interval():
    document = copy.deepcopy(samples.BIAS_ONLY)
    di = document["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"][0]
    di["confidence_interval"] = [None, None]
    di["confidence_interval_notes"] = {
        "note": "no interval: the metric is undefined in 300 of 2000 replicates"
    }
    report = evaluate(
        ClarifyResult.from_analysis(document), [{"metric": "DI", "min": 0.3, "significance": "require"}]
    )
    assert "undefined in 300 of 2000 replicates" in report.checks[0].detail


def test_segment_rules_check_the_segment_and_say_so():
    segments = {
        "segment_configs": [
            {
                "config_name": "ages",
                "column": "age",
                "segments": [
                    {
                        "name": "young",
                        "values": ["[0, 30)"],
                        "post_training_bias_metrics": {
                            "label": "income",
                            "confidence_interval_settings": SETTINGS,
                            "facets": {
                                "sex": [
                                    {
                                        "value_or_threshold": "Female",
                                        "metrics": [
                                            {"name": "DI", "value": 0.7, "confidence_interval": [0.5, 0.95]}
                                        ],
                                    }
                                ]
                            },
                        },
                    },
                ],
            }
        ]
    }
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, segments=segments)
    rules = [
        {"metric": "DI", "band": BAND, "segment": "young", "significance": "require"},
        {"metric": "DI", "band": BAND, "segment": "young", "segment_config": "ages"},
    ]
    report = evaluate(result, rules)
    assert [check.verdict for check in report.checks] == ["pass", "violation"]
    violation = report.violations[0]
    assert violation.segment == "ages/young" and violation.subject == "DI sex=Female in segment ages/young"
    assert violation.violation_entry()["description"].startswith(
        "Segment ages/young: Value 0.7 (95% confidence"
    )
    assert "(segment ages/young)" in report.table()
    with pytest.raises(
        GateRuleError, match="segment 'old' is not in this result; segments: ages: \\['young'\\]"
    ):
        evaluate(result, [{"metric": "DI", "band": BAND, "segment": "old"}])
    with pytest.raises(GateRuleError, match="holds no such metric"):
        evaluate(result, [{"metric": "DPPL", "band": [-0.1, 0.1], "segment": "young"}])


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"metric": "DI", "min": 0.8, "significance": "strict"}, "significance 'strict' is not a policy"),
        ({"metric": "DI", "min": 0.8, "significance": "requires"}, "did you mean 'require'"),
        ({"metric": "DI", "min": 0.8, "segment_config": "ages"}, "names a config but no segment"),
        ({"metric": "DI", "min": 0.8, "segment": ""}, "segment must be a segment name"),
    ],
)
def test_bad_significance_or_segment_fails_when_the_rule_is_parsed(rule, message):
    with pytest.raises(GateRuleError, match=message):
        parse_rules([rule])


def test_policy_spelling_is_normalised_and_the_scope_names_the_segment():
    rule = ThresholdRule("di", min=0.8, significance=" Require ", segment="young", segment_config="ages")
    assert rule.significance == "require"
    assert rule.scope == "all facets in segment ages/young"
