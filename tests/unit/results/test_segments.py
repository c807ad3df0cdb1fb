"""Per-segment metrics in the result model: read beside a local analysis.json or given, looked up by segment,
kept apart from the whole dataset's rows, bounded in XCom."""

from __future__ import annotations

import copy
import json

import pytest

from airflow_provider_clarify.contract import SEGMENTS_PATH
from airflow_provider_clarify.results import XCOM_DOCUMENTED_BOUND_BYTES, ClarifyResult, ClarifyResultError
from airflow_provider_clarify.results.segments import XCOM_MAX_SEGMENT_METRICS
from tests.unit.results import analysis_samples as samples

from .test_xcom import _large_analysis


def section(di: float, interval=None) -> dict:
    metric = {"name": "DI", "value": di}
    if interval is not None:
        metric["confidence_interval"] = interval
    return {
        "label": "income",
        "label_value_or_threshold": ">50K",
        "facets": {"sex": [{"value_or_threshold": "Female", "metrics": [metric]}]},
        **(
            {"confidence_interval_settings": {"level": 0.9, "replicates": 1000, "method": "bca", "seed": 1}}
            if interval is not None
            else {}
        ),
    }


def segments_document() -> dict:
    return {
        "version": "1.0",
        "segment_configs": [
            {
                "config_name": "ages",
                "name_or_index": "age",
                "column": "age",
                "segments": [
                    {
                        "name": "young",
                        "values": ["[0, 30)"],
                        "is_default": False,
                        "post_training_bias_metrics": section(0.6, [0.4, 0.81]),
                    },
                    {
                        "name": "__default__",
                        "values": [],
                        "is_default": True,
                        "post_training_bias_metrics": section(0.9),
                    },
                ],
            },
            {
                "config_name": "regions",
                "name_or_index": 3,
                "column": "region",
                "segments": [
                    {
                        "name": "young",
                        "values": ["south"],
                        "is_default": False,
                        "post_training_bias_metrics": section(0.5),
                    },
                    {
                        "name": "__default__",
                        "values": [],
                        "is_default": True,
                        "post_training_bias_metrics": section(0.7),
                    },
                ],
            },
        ],
    }


def test_a_local_output_folder_reads_its_segments_file(tmp_path):
    (tmp_path / "analysis.json").write_text(json.dumps(samples.BIAS_ONLY))
    (tmp_path / SEGMENTS_PATH).parent.mkdir()
    (tmp_path / SEGMENTS_PATH).write_text(json.dumps(segments_document()))
    result = ClarifyResult.from_analysis(tmp_path)
    assert [(s.config_name, s.name, s.is_default) for s in result.segments] == [
        ("ages", "young", False),
        ("ages", "__default__", True),
        ("regions", "young", False),
        ("regions", "__default__", True),
    ]
    assert result.segments[0].values == ("[0, 30)",) and result.segments[2].column == "region"
    # The whole dataset's rows and metrics are those of analysis.json alone.
    assert result.rows() == ClarifyResult.from_analysis(samples.BIAS_ONLY).rows()


def test_segment_lookups_name_the_segment_and_its_config():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, segments=segments_document())
    assert result.segment_metric("__default__", "DI", segment_config="regions") == 0.7
    assert result.segment_metric("young", "DI", segment_config="ages") == 0.6
    row = result.find_segment_metrics("young", "DI", segment_config="ages")[0]
    assert (row.segment, row.segment_config, row.confidence_interval, row.confidence_level) == (
        "young",
        "ages",
        (0.4, 0.81),
        0.9,
    )
    with pytest.raises(ClarifyResultError, match=r"matches 2 entries.*segment_config="):
        result.segment_metric("young", "DI")
    with pytest.raises(
        ClarifyResultError, match=r"segment 'old' is not in this result; segments: ages: \['young'"
    ):
        result.segment_metric("old", "DI")
    assert len(result.segment_rows()) == 4


def test_segments_round_trip_through_xcom():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, segments=segments_document())
    payload = json.loads(json.dumps(result.to_xcom(), allow_nan=False))
    assert ClarifyResult.from_xcom(payload) == result


def test_xcom_keeps_whole_segments_up_to_the_bound_and_says_how_many_it_left_out():
    document = segments_document()
    many = document["segment_configs"][0]["segments"][0]
    metrics = many["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    metrics.extend({"name": f"M{i}", "value": 0.1} for i in range(59))  # 60 entries per segment
    document["segment_configs"][0]["segments"] = [copy.deepcopy(many) | {"name": f"s{i}"} for i in range(5)]
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, segments=document)
    back = ClarifyResult.from_xcom(result.to_xcom())
    kept = XCOM_MAX_SEGMENT_METRICS // 60
    assert [s.name for s in back.segments] == [f"s{i}" for i in range(kept)]
    assert back.segments_truncated == len(result.segments) - kept
    with pytest.raises(ClarifyResultError, match="left out of the XCom form"):
        back.segment_metric("s4", "DI")


def test_xcom_with_intervals_and_segments_at_the_bound_stays_within_64_kib():
    document = _large_analysis(features=50, facet_values=10)
    for key in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for group in document[key]["facets"]["native-country"]:
            for metric in group["metrics"]:
                metric["confidence_interval"] = [
                    metric["value"] - 0.0123456789012345,
                    metric["value"] + 0.0987654321,
                ]
    # Segments as the engine writes them: the registry's descriptions (left out of the XCom form).
    per_segment = {
        key: {
            **document[key],
            "facets": {
                "native-country": [
                    {
                        **group,
                        "metrics": [
                            {k: v for k, v in m.items() if k != "description"} for m in group["metrics"]
                        ],
                    }
                    for group in document[key]["facets"]["native-country"][:2]
                ]
            },
        }
        for key in ("pre_training_bias_metrics", "post_training_bias_metrics")
    }
    segments = {
        "version": "1.0",
        "segment_configs": [
            {
                "config_name": "age bands",
                "column": "age",
                "segments": [
                    {"name": f"segment number {i}", "values": [f"[{i}0, {i + 1}0)"], **per_segment}
                    for i in range(30)
                ],
            }
        ],
    }
    result = ClarifyResult.from_analysis(document, output_uri="s3://bucket/" + "p" * 100, segments=segments)
    payload = result.to_xcom()
    size = len(json.dumps(payload))
    assert size < XCOM_DOCUMENTED_BOUND_BYTES
    assert payload["segments_truncated"] > 0
    print(f"XCom size with intervals and {len(payload['segments'])} segments: {size} bytes")


def test_a_malformed_segments_document_is_reported():
    with pytest.raises(ClarifyResultError, match="segment_configs"):
        ClarifyResult.from_analysis(samples.BIAS_ONLY, segments={"version": "1.0"})
    with pytest.raises(ClarifyResultError, match=r"segment_configs\[0\]\.segments\[0\]: expected an object"):
        ClarifyResult.from_analysis(
            samples.BIAS_ONLY, segments={"segment_configs": [{"config_name": "a", "segments": [3]}]}
        )
