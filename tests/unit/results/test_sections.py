"""How stages and facet values are spelled when users look metrics up."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.results import ClarifyResultError, facet_value_text, normalise_stage
from airflow_provider_clarify.results.sections import MetricEntry, same_facet_value


@pytest.mark.parametrize(
    ("spelling", "stage"),
    [
        ("post_training", "post_training"),
        ("Post-Training", "post_training"),
        ("pre training", "pre_training"),
        ("pre_training_bias_metrics", "pre_training"),
        ("post_training_bias", "post_training"),
        (None, None),
    ],
)
def test_stage_spellings(spelling, stage):
    assert normalise_stage(spelling) == stage


def test_unknown_stage_lists_the_two():
    with pytest.raises(
        ClarifyResultError, match=r"unknown stage 'training'; use one of \['pre_training', 'post_training'\]"
    ):
        normalise_stage("training")


def test_facet_values_as_analysis_json_writes_them():
    assert facet_value_text(["Female", "Other"]) == "Female,Other"
    assert facet_value_text(40) == "40"
    assert same_facet_value("1.0", "1") and same_facet_value("Female", "Female")
    assert not same_facet_value("(40, 90]", "40") and not same_facet_value("a", "b")


def test_a_metric_without_a_value_failed():
    assert MetricEntry("DI", None, error="no positive predictions").failed
    assert not MetricEntry("DI", 0.0).failed
