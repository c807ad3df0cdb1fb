"""Confidence intervals in the result model: read from analysis.json, on the rows and through ``metric_interval``,
round-tripped through XCom within the size bound."""

from __future__ import annotations

import copy
import json
import math

import pytest

from airflow_provider_clarify.results import XCOM_DOCUMENTED_BOUND_BYTES, ClarifyResult, ClarifyResultError
from airflow_provider_clarify.results.sections import IntervalSettingsInfo
from tests.unit.results import analysis_samples as samples

from .test_xcom import _large_analysis

SETTINGS = {"level": 0.95, "replicates": 2000, "method": "percentile", "seed": 7}


def with_intervals() -> dict:
    document = copy.deepcopy(samples.BIAS_ONLY)
    post = document["post_training_bias_metrics"]
    post["confidence_interval_settings"] = SETTINGS
    di, dppl = post["facets"]["sex"][0]["metrics"]
    di["confidence_interval"] = [0.2, "Infinity"]
    di["confidence_interval_notes"] = {"positive_infinite": 120}
    dppl["confidence_interval"] = [None, None]
    dppl["confidence_interval_notes"] = {
        "undefined": 90,
        "note": "no interval: the metric is undefined in 90 ...",
    }
    return document


def test_metric_objects_and_sections_carry_their_intervals():
    result = ClarifyResult.from_analysis(with_intervals())
    section = result.bias["post_training"]
    assert section.confidence == IntervalSettingsInfo(0.95, 2000, "percentile", 7)
    assert result.bias["pre_training"].confidence is None
    di, dppl = section.facets["sex"][0].metrics
    assert di.confidence_interval == (0.2, math.inf) and di.confidence_note is None
    assert dppl.confidence_interval is None and dppl.confidence_note.startswith("no interval")
    assert result.metric_interval("DI", facet="sex") == (0.2, math.inf)
    assert result.metric_interval("DPPL") is None
    assert result.metric_interval("CI", facet="sex") is None  # a section without intervals


def test_rows_carry_the_interval_and_its_level_and_dicts_show_them_only_when_set():
    result = ClarifyResult.from_analysis(with_intervals())
    di = result.metric_entry("DI")
    assert (di.confidence_interval, di.confidence_level) == ((0.2, math.inf), 0.95)
    rows = {row["metric"]: row for row in result.row_dicts()}
    assert rows["DI"]["confidence_interval"] == (0.2, math.inf) and rows["DI"]["confidence_level"] == 0.95
    assert "confidence_interval" not in rows["CI"] and "segment" not in rows["CI"]
    assert rows["DPPL"]["confidence_note"].startswith("no interval")


@pytest.mark.parametrize(
    ("interval", "message"),
    [
        ([0.1], r"post_training_bias_metrics\.facets\.sex\[0\]\.metrics\[0\]\.confidence_interval: expected"),
        ("wide", "expected \\[low, high\\]"),
        ([0.1, "huge"], r"confidence_interval\[1\]"),
    ],
)
def test_a_malformed_interval_is_reported_where_it_is(interval, message):
    document = with_intervals()
    document["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"][0]["confidence_interval"] = interval
    with pytest.raises(ClarifyResultError, match=message):
        ClarifyResult.from_analysis(document)


def test_malformed_settings_are_reported():
    document = with_intervals()
    document["post_training_bias_metrics"]["confidence_interval_settings"] = {"level": 0.95}
    with pytest.raises(ClarifyResultError, match="confidence_interval_settings: expected"):
        ClarifyResult.from_analysis(document)


def test_intervals_notes_and_settings_round_trip_through_xcom():
    result = ClarifyResult.from_analysis(with_intervals())
    payload = json.loads(json.dumps(result.to_xcom(), allow_nan=False))
    assert payload["bias"]["post_training"]["facets"]["sex"][0]["metrics"][0]["ci"] == [0.2, "Infinity"]
    assert ClarifyResult.from_xcom(payload) == result


def test_xcom_with_intervals_on_every_metric_stays_within_the_documented_bound():
    document = _large_analysis(features=50, facet_values=10)
    for key in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        document[key]["confidence_interval_settings"] = SETTINGS
        for group in document[key]["facets"]["native-country"]:
            for metric in group["metrics"]:
                metric["confidence_interval"] = [
                    metric["value"] - 0.0123456789012345,
                    metric["value"] + 0.0987654321,
                ]
    result = ClarifyResult.from_analysis(document, engine="local", output_uri="s3://bucket/" + "p" * 100)
    size = len(json.dumps(result.to_xcom()))
    assert size < XCOM_DOCUMENTED_BOUND_BYTES
    print(f"XCom size for 50 features x 10 facet values with intervals: {size} bytes")
