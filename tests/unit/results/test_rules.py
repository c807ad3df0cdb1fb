"""Threshold rules: what a rule may say, and every bad rule refused when parsed (before the gate runs)."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.results import (
    GateRuleError,
    parse_rules,
)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"metric": "XYZ", "max": 1}, r"unknown metric 'XYZ'; Clarify bias metrics are \['AD', 'CDDL'"),
        ({"metric": "DI", "min": 1.25, "max": 0.8}, r"contradictory band, min 1.25 > max 0.8"),
        ({"metric": "DI"}, "give min, max or both"),
        ({"metric": "DI", "max": "high"}, "max must be a number"),
        (
            {"metric": "DI", "max": 1, "stage": "pre_training"},
            "DI is a post_training metric, not pre_training",
        ),
        ({"metric": "DI", "max": 1, "stage": "training"}, "unknown stage 'training'"),
        ({"metric": "DI", "maximum": 1}, r"unknown keys \['maximum'\]"),
        ({"metric": "DI", "band": [1]}, r"band must be \[min, max\]"),
    ],
)
def test_bad_rules_fail_when_parsed(rule, message):
    with pytest.raises(GateRuleError, match=message):
        parse_rules([rule])


def test_every_rule_problem_is_listed_at_once():
    with pytest.raises(GateRuleError) as caught:
        parse_rules(
            [{"metric": "XYZ", "max": 1}, {"metric": "DI", "max": 1}, {"metric": "DPPL", "min": 1, "max": 0}]
        )
    assert (
        "rules[0]" in str(caught.value)
        and "rules[2]" in str(caught.value)
        and "rules[1]" not in str(caught.value)
    )
