"""Cross-field rules of time-series configs: every mistake is reported with its JSON path, before anything runs.

Each case starts from a valid SDK-shaped document and makes one mistake; the expected paths and message
fragments are written by hand from the SDK 2.257.x checks and the Clarify documentation (module doc of
config/time_series_rules.py).
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from airflow_provider_clarify.config.time_series_rules import time_series_problems
from tests.unit.config.documents import DELETE, SHAP_CSV, TIME_SERIES_JSON, variant

ASV = "methods.asymmetric_shapley_value"
TS = "time_series_data_config"

INDEXES = variant(
    TIME_SERIES_JSON,
    **{
        f"{TS}.target_time_series": 2,
        f"{TS}.item_id": 0,
        f"{TS}.timestamp": 1,
        f"{TS}.related_time_series": [3],
        f"{TS}.static_covariates": [4],
        f"{TS}.dataset_format": DELETE,
    },
)
FINE = variant(
    TIME_SERIES_JSON,
    **{
        f"{ASV}.granularity": "fine_grained",
        f"{ASV}.num_samples": 4,
        f"{ASV}.baseline": {"target_time_series": "mean", "static_covariates": {"a": [1], "b": [2]}},
    },
)


def paths_of(document) -> list[str]:
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    return sorted(caught.value.paths)


@pytest.mark.parametrize(
    "document",
    [
        TIME_SERIES_JSON,
        INDEXES,  # index 0 for item_id is accepted (the SDK refuses it; its docs call indexes zero-based)
        FINE,
        variant(TIME_SERIES_JSON, **{f"{ASV}.direction": "BIDIRECTIONAL"}),  # enums are case-insensitive
        variant(TIME_SERIES_JSON, **{f"{ASV}.num_samples": 0}),  # the SDK accepts 0 with timewise
        variant(TIME_SERIES_JSON, **{f"{ASV}.baseline": "s3://bucket/baselines/asv.json"}),
        variant(TIME_SERIES_JSON, **{"predictor.content_template": "$record"}),
        variant(TIME_SERIES_JSON, headers=DELETE),
        variant(TIME_SERIES_JSON, **{"methods.report": DELETE}),
        variant(
            TIME_SERIES_JSON,
            **{
                f"{TS}.related_time_series": DELETE,
                f"{TS}.static_covariates": DELETE,
                "headers": DELETE,
                "predictor.record_template": '{"start": $start_time, "target": $target_time_series}',
            },
        ),
    ],
)
def test_valid_time_series_configs_load(document):
    assert load_config(document).to_dict() == document
    assert time_series_problems(document) == []


def test_non_time_series_documents_have_no_time_series_problems():
    assert time_series_problems(SHAP_CSV) == []
    assert time_series_problems("not a document") == []


CASES = [
    # --- the three parts belong together
    ("method-without-data", variant(TIME_SERIES_JSON, **{TS: DELETE, "headers": DELETE}), [TS], "required"),
    (
        "method-without-forecast",
        variant(TIME_SERIES_JSON, **{"predictor.time_series_predictor_config": DELETE}),
        ["predictor.time_series_predictor_config"],
        "forecast",
    ),
    (
        "data-without-method",
        variant(
            TIME_SERIES_JSON,
            **{
                f"methods.{'asymmetric_shapley_value'}": DELETE,
                "methods.pdp": {"features": [0], "grid_resolution": 5},
            },
        ),
        [TS, "methods.pdp", "predictor.time_series_predictor_config"],
        "only used by time-series",
    ),
    # --- what time series cannot be combined with
    (
        "bias-methods",
        variant(
            TIME_SERIES_JSON,
            **{"methods.pre_training_bias": {"methods": "all"}},
            label="sales",
            label_values_or_threshold=[1],
            facet=[{"name_or_index": "store_size"}],
        ),
        ["methods.pre_training_bias", "label"],
        "bias metrics are not supported for time series",
    ),
    ("shap", variant(TIME_SERIES_JSON, **{"methods.shap": {"num_samples": 10}}), ["methods.shap"], "SHAP"),
    (
        "excluded-columns",
        variant(TIME_SERIES_JSON, excluded_columns=["price"]),
        ["excluded_columns"],
        "not supported",
    ),
    ("predicted-label", variant(TIME_SERIES_JSON, predicted_label="[].p"), ["predicted_label"], "no label"),
    (
        "predictor-label-and-probability",
        variant(TIME_SERIES_JSON, **{"predictor.label": "x", "predictor.probability": "y"}),
        ["predictor.label", "predictor.probability"],
        "forecast",
    ),
    # --- locations: all strings or all indexes
    (
        "mixed-str-int",
        variant(TIME_SERIES_JSON, **{f"{TS}.item_id": 0, f"{TS}.static_covariates": [4]}),
        [f"{TS}.item_id", f"{TS}.static_covariates[0]"],
        "never mixed",
    ),
    (
        "mixed-int-str",
        variant(INDEXES, **{f"{TS}.related_time_series": ["[].price"]}),
        [f"{TS}.related_time_series[0]"],
        "an integer index",
    ),
    (
        "strings-without-dataset-format",
        variant(TIME_SERIES_JSON, **{f"{TS}.dataset_format": DELETE}),
        [f"{TS}.dataset_format"],
        "required with JMESPath",
    ),
    (
        "indexes-with-dataset-format",
        variant(INDEXES, **{f"{TS}.dataset_format": "columns"}),
        [f"{TS}.dataset_format"],
        "only applies to JMESPath",
    ),
    (
        "empty-string",
        variant(TIME_SERIES_JSON, **{f"{TS}.related_time_series": [" "]}),
        [f"{TS}.related_time_series[0]"],
        "empty",
    ),
    (
        "bad-jmespath",
        variant(TIME_SERIES_JSON, **{f"{TS}.timestamp": "[].time stamp"}),
        [f"{TS}.timestamp"],
        "JMESPath",
    ),
    (
        "same-location-twice",
        variant(TIME_SERIES_JSON, **{f"{TS}.related_time_series": ["[].sales"]}),
        [f"{TS}.related_time_series[0]"],
        "already used by time_series_data_config.target_time_series",
    ),
    (
        "bad-dataset-format",
        variant(TIME_SERIES_JSON, **{f"{TS}.dataset_format": "rows"}),
        [f"{TS}.dataset_format"],
        "columns",
    ),
    # --- headers follow the locations
    ("headers-count", variant(TIME_SERIES_JSON, headers=["item_id", "timestamp", "sales"]), ["headers"], "5"),
    (
        "headers-duplicate",
        variant(TIME_SERIES_JSON, headers=["item_id", "timestamp", "sales", "price", "price"]),
        ["headers[4]"],
        "twice",
    ),
    # --- the method
    (
        "fine-grained-anti-chronological",
        variant(FINE, **{f"{ASV}.direction": "anti_chronological"}),
        [f"{ASV}.direction"],
        "only supports chronological",
    ),
    (
        "fine-grained-without-num-samples",
        variant(FINE, **{f"{ASV}.num_samples": DELETE}),
        [f"{ASV}.num_samples"],
        "required",
    ),
    ("fine-grained-zero-samples", variant(FINE, **{f"{ASV}.num_samples": 0}), [f"{ASV}.num_samples"], ">= 1"),
    (
        "timewise-with-num-samples",
        variant(TIME_SERIES_JSON, **{f"{ASV}.num_samples": 5}),
        [f"{ASV}.num_samples"],
        "only used by",
    ),
    (
        "bad-direction",
        variant(TIME_SERIES_JSON, **{f"{ASV}.direction": "forward"}),
        [f"{ASV}.direction"],
        "chronological",
    ),
    (
        "fine-grained-needs-static-baselines",
        variant(FINE, **{f"{ASV}.baseline": {"target_time_series": "zero"}}),
        [f"{ASV}.baseline.static_covariates"],
        "required with granularity fine_grained",
    ),
    (
        "static-baseline-wrong-length",
        variant(FINE, **{f"{ASV}.baseline.static_covariates": {"a": [1, 2]}}),
        [f"{ASV}.baseline.static_covariates.a"],
        "one baseline value per static covariate",
    ),
    (
        "static-baseline-without-static-covariates",
        variant(
            TIME_SERIES_JSON,
            **{
                f"{TS}.static_covariates": DELETE,
                "headers": DELETE,
                "predictor.record_template": '{"target": $target_time_series, "dynamic_feat": $related_time_series}',
                f"{ASV}.baseline": {"static_covariates": {"a": [1]}},
            },
        ),
        [f"{ASV}.baseline.static_covariates"],
        "no static_covariates",
    ),
    (
        "temporal-baseline",
        variant(TIME_SERIES_JSON, **{f"{ASV}.baseline": {"target_time_series": "median"}}),
        [f"{ASV}.baseline.target_time_series"],
        "zero",
    ),
    # --- the model speaks JSON and gets the series through the time-series placeholders
    (
        "csv-accept",
        variant(TIME_SERIES_JSON, **{"predictor.accept_type": "text/csv"}),
        ["predictor.accept_type"],
        "text/csv",
    ),
    (
        "csv-content",
        variant(TIME_SERIES_JSON, **{"predictor.content_type": "text/csv"}),
        ["predictor.content_type"],
        "application/json",
    ),
    (
        "content-template-without-record",
        variant(TIME_SERIES_JSON, **{"predictor.content_template": '{"instances": []}'}),
        ["predictor.content_template"],
        "$records",
    ),
    (
        "content-template-object",
        variant(TIME_SERIES_JSON, **{"predictor.content_template": {"instances": "$records"}}),
        ["predictor.content_template"],
        "template string",
    ),
    (
        "no-record-template",
        variant(TIME_SERIES_JSON, **{"predictor.record_template": DELETE}),
        ["predictor.record_template"],
        "required",
    ),
    (
        "tabular-placeholder",
        variant(
            TIME_SERIES_JSON,
            **{
                "predictor.record_template": '{"features": $features, "target": $target_time_series, '
                '"d": $related_time_series, "c": $static_covariates}'
            },
        ),
        ["predictor.record_template"],
        "$features cannot be used",
    ),
    (
        "related-not-sent",
        variant(
            TIME_SERIES_JSON,
            **{"predictor.record_template": '{"target": $target_time_series, "cat": $static_covariates}'},
        ),
        ["predictor.record_template"],
        "would never see them",
    ),
    (
        "jsonlines-batch-template",
        variant(
            TIME_SERIES_JSON,
            **{"predictor.content_type": "application/jsonlines", "predictor.content_template": "$records"},
        ),
        ["predictor.content_template"],
        "$record (not $records)",
    ),
]


@pytest.mark.parametrize(("document", "paths", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake_is_reported_at_its_path(document, paths, fragment):
    found = paths_of(document)
    assert found == sorted(paths)
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    messages = [problem.message for problem in caught.value.problems if problem.path == paths[0]]
    assert any(fragment in message for message in messages), messages


def test_every_problem_of_a_broken_document_is_listed_at_once():
    document = variant(
        FINE,
        label="sales",
        **{f"{ASV}.direction": "bidirectional", f"{TS}.item_id": 0, "methods.shap": {}},
    )
    assert paths_of(document) == sorted(["label", "methods.shap", f"{TS}.item_id", f"{ASV}.direction"])
