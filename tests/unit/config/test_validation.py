"""Malformed configs: each one fails with our error, at the right JSON path(s), saying what would be valid."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import ClarifyConfigError, load_config
from tests.unit.config.documents import BIAS_CSV, DELETE, SHAP_CSV, SHAP_IMAGES, TIME_SERIES_JSON, variant

JSONL_SHAP = {
    "dataset_type": "application/jsonlines",
    "features": "features",
    "label": "label",
    "methods": {"shap": {}},
    "predictor": {"endpoint_name": "e", "content_template": '{"features":$features}'},
}
JSON_SHAP = {
    "dataset_type": "application/json",
    "features": "data[*].features",
    "methods": {"shap": {}},
    "predictor": {"endpoint_name": "e", "content_template": "$records", "record_template": "$features"},
}

# (case id, document, expected problem paths (exactly), a fragment every message at the first path contains)
CASES = [
    # --- top level: types, required fields, enums, unknown keys
    ("not-an-object", ["dataset_type", "text/csv"], ["$"], "must be a JSON object"),
    ("missing-dataset-type", variant(BIAS_CSV, dataset_type=DELETE), ["dataset_type"], "required"),
    ("missing-methods", variant(BIAS_CSV, methods=DELETE), ["methods"], "required"),
    (
        "bad-dataset-type",
        variant(BIAS_CSV, dataset_type="text/cvs"),
        ["dataset_type"],
        "did you mean 'text/csv'",
    ),
    ("dataset-type-not-string", variant(BIAS_CSV, dataset_type=1), ["dataset_type"], "must be a string"),
    ("bad-version", variant(BIAS_CSV, version="2.0"), ["version"], "1.0"),
    ("version-as-number", variant(BIAS_CSV, version=1.0), ["version"], "must be a string"),
    ("unknown-top-level-key", variant(BIAS_CSV, lable="target"), ["lable"], "did you mean 'label'"),
    ("unknown-key-no-close-match", variant(BIAS_CSV, zzzzzz=1), ["zzzzzz"], "valid keys here"),
    (
        "headers-not-strings",
        variant(BIAS_CSV, headers=["age", "sex", 1, "target"]),
        ["headers[2]"],
        "string",
    ),
    ("headers-not-a-list", variant(BIAS_CSV, headers="age,sex"), ["headers"], "must be a list"),
    ("label-bool", variant(BIAS_CSV, label=True), ["label"], "a string or an integer"),
    ("label-float", variant(BIAS_CSV, label=1.5), ["label"], "a string or an integer"),
    ("label-negative-index", variant(BIAS_CSV, label=-1), ["label"], ">= 0"),
    ("features-not-string", variant(JSONL_SHAP, features=["a"]), ["features"], "must be a string"),
    ("dataset-uri-empty", variant(BIAS_CSV, dataset_uri=""), ["dataset_uri"], "empty"),
    # --- label values, threshold, facets
    (
        "scalar-label-values",
        variant(BIAS_CSV, label_values_or_threshold=1),
        ["label_values_or_threshold"],
        "list",
    ),
    (
        "empty-label-values",
        variant(BIAS_CSV, label_values_or_threshold=[]),
        ["label_values_or_threshold"],
        "empty",
    ),
    (
        "label-value-object",
        variant(BIAS_CSV, label_values_or_threshold=[{"v": 1}]),
        ["label_values_or_threshold[0]"],
        "a number or a string",
    ),
    (
        "int-probability-threshold",
        variant(BIAS_CSV, probability_threshold=1),
        ["probability_threshold"],
        "float",
    ),
    (
        "string-probability-threshold",
        variant(BIAS_CSV, probability_threshold="0.5"),
        ["probability_threshold"],
        "a number",
    ),
    ("empty-facet-list", variant(BIAS_CSV, facet=[]), ["facet"], "empty"),
    ("facet-not-a-list", variant(BIAS_CSV, facet={"name_or_index": "sex"}), ["facet"], "must be a list"),
    (
        "facet-missing-name",
        variant(BIAS_CSV, facet=[{"value_or_threshold": [0]}]),
        ["facet[0].name_or_index"],
        "required",
    ),
    (
        "scalar-facet-value",
        variant(
            BIAS_CSV, facet=[{"name_or_index": "sex"}, {"name_or_index": "age", "value_or_threshold": 40}]
        ),
        ["facet[1].value_or_threshold"],
        "must be a list",
    ),
    (
        "unknown-facet-key",
        variant(BIAS_CSV, facet=[{"name_or_index": "sex", "values_or_threshold": [0]}]),
        ["facet[0].values_or_threshold"],
        "did you mean 'value_or_threshold'",
    ),
    (
        "group-variable-list",
        variant(BIAS_CSV, group_variable=["age"]),
        ["group_variable"],
        "a string or an integer",
    ),
    (
        "excluded-columns-scalar",
        variant(BIAS_CSV, excluded_columns="age"),
        ["excluded_columns"],
        "must be a list",
    ),
    (
        "joinsource-float",
        variant(BIAS_CSV, joinsource_name_or_index=0.5),
        ["joinsource_name_or_index"],
        "integer",
    ),
    # --- methods: bias
    (
        "no-method",
        variant(BIAS_CSV, methods={"report": {"name": "report"}}),
        ["methods"],
        "no analysis method",
    ),
    (
        "unknown-method",
        variant(BIAS_CSV, **{"methods.pre_trainig_bias": {"methods": "all"}}),
        ["methods.pre_trainig_bias"],
        "did you mean 'pre_training_bias'",
    ),
    (
        "unknown-pre-training-metric",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {"methods": ["CI", "DPPL"]}}),
        ["methods.pre_training_bias.methods[1]"],
        "CI, DPL, KL",
    ),
    (
        "unknown-post-training-metric",
        variant(BIAS_CSV, predicted_label="target", **{"methods.post_training_bias": {"methods": ["DCAcc"]}}),
        ["methods.post_training_bias.methods[0]"],
        "did you mean 'DCA'",
    ),
    (
        "bias-methods-other-string",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {"methods": "some"}}),
        ["methods.pre_training_bias.methods"],
        'use "all" or a list',
    ),
    (
        "bias-methods-empty-list",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {"methods": []}}),
        ["methods.pre_training_bias.methods"],
        "empty",
    ),
    (
        "bias-methods-number",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {"methods": 3}}),
        ["methods.pre_training_bias.methods"],
        "a string or a list",
    ),
    (
        "bias-methods-missing",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {}}),
        ["methods.pre_training_bias.methods"],
        "required",
    ),
    (
        "bias-without-label",
        variant(BIAS_CSV, label=DELETE),
        ["label"],
        "required by methods.pre_training_bias",
    ),
    (
        "bias-without-facet",
        variant(BIAS_CSV, facet=DELETE),
        ["facet"],
        "required by methods.pre_training_bias",
    ),
    (
        "bias-without-label-values",
        variant(BIAS_CSV, label_values_or_threshold=DELETE),
        ["label_values_or_threshold"],
        "required by methods.pre_training_bias",
    ),
    (
        "lowercase-metric-name",
        variant(BIAS_CSV, **{"methods.pre_training_bias": {"methods": ["ci"]}}),
        ["methods.pre_training_bias.methods[0]"],
        "did you mean 'CI'",
    ),
    # --- values JSON cannot hold
    (
        "nan-threshold",
        variant(BIAS_CSV, probability_threshold=float("nan")),
        ["probability_threshold"],
        "finite",
    ),
    (
        "infinite-label-value",
        variant(BIAS_CSV, label_values_or_threshold=[float("inf")]),
        ["label_values_or_threshold[0]"],
        "finite",
    ),
    (
        "tuple-headers",
        variant(BIAS_CSV, headers=("age", "sex", "income", "target")),
        ["headers"],
        "use a list",
    ),
    (
        "set-facet-values",
        variant(BIAS_CSV, facet=[{"name_or_index": "sex", "value_or_threshold": {0}}]),
        ["facet[0].value_or_threshold"],
        "use a list",
    ),
    (
        "non-string-key",
        variant(BIAS_CSV, **{"methods.report": {"name": "r", 1: "x"}}),
        ["methods.report.1"],
        "keys must be strings",
    ),
    ("bytes-label", variant(BIAS_CSV, label=b"target"), ["label"], "cannot be written as JSON"),
    # --- methods: shap
    (
        "baseline-with-num-clusters",
        variant(SHAP_CSV, **{"methods.shap": {"baseline": [[1, 2, 3]], "num_clusters": 3}}),
        ["methods.shap.num_clusters"],
        "baseline",
    ),
    (
        "num-samples-string",
        variant(SHAP_CSV, **{"methods.shap": {"num_samples": "100"}}),
        ["methods.shap.num_samples"],
        "an integer",
    ),
    (
        "num-samples-float",
        variant(SHAP_CSV, **{"methods.shap": {"num_samples": 100.0}}),
        ["methods.shap.num_samples"],
        "an integer",
    ),
    (
        "num-samples-zero",
        variant(SHAP_CSV, **{"methods.shap": {"num_samples": 0}}),
        ["methods.shap.num_samples"],
        ">= 1",
    ),
    (
        "num-clusters-bool",
        variant(SHAP_CSV, **{"methods.shap": {"num_clusters": True}}),
        ["methods.shap.num_clusters"],
        "an integer",
    ),
    (
        "use-logit-string",
        variant(SHAP_CSV, **{"methods.shap": {"use_logit": "yes"}}),
        ["methods.shap.use_logit"],
        "boolean",
    ),
    (
        "save-local-int",
        variant(SHAP_CSV, **{"methods.shap": {"save_local_shap_values": 1}}),
        ["methods.shap.save_local_shap_values"],
        "boolean",
    ),
    (
        "bad-agg-method",
        variant(SHAP_CSV, **{"methods.shap": {"agg_method": "mean"}}),
        ["methods.shap.agg_method"],
        "mean_abs",
    ),
    (
        "baseline-number",
        variant(SHAP_CSV, **{"methods.shap": {"baseline": 5}}),
        ["methods.shap.baseline"],
        "S3 URI",
    ),
    (
        "baseline-empty-rows",
        variant(SHAP_CSV, **{"methods.shap": {"baseline": []}}),
        ["methods.shap.baseline"],
        "empty",
    ),
    (
        "baseline-row-scalar",
        variant(SHAP_CSV, **{"methods.shap": {"baseline": [1, 2]}}),
        ["methods.shap.baseline[0]", "methods.shap.baseline[1]"],
        "a list or an object",
    ),
    (
        "features-to-explain-with-text-config",
        variant(
            SHAP_CSV,
            **{
                "methods.shap": {
                    "features_to_explain": ["age"],
                    "text_config": {"granularity": "token", "language": "english"},
                }
            },
        ),
        ["methods.shap.features_to_explain"],
        "text_config",
    ),
    (
        "features-to-explain-with-image-config",
        variant(SHAP_IMAGES, **{"methods.shap.features_to_explain": [0]}),
        ["methods.shap.features_to_explain"],
        "image_config",
    ),
    (
        "features-to-explain-label",
        variant(SHAP_CSV, **{"methods.shap": {"features_to_explain": ["age", "target"]}}),
        ["methods.shap.features_to_explain[1]"],
        "label",
    ),
    (
        "features-to-explain-excluded-column",
        variant(
            SHAP_CSV,
            excluded_columns=["income"],
            **{"methods.shap": {"features_to_explain": ["age", "income"]}},
        ),
        ["methods.shap.features_to_explain[1]"],
        "excluded_columns",
    ),
    (
        "pdp-feature-is-join-column",
        variant(
            SHAP_CSV,
            joinsource_name_or_index="age",
            **{"methods.pdp": {"grid_resolution": 5, "features": ["age"]}},
        ),
        ["methods.pdp.features[0]"],
        "join column",
    ),
    (
        "features-to-explain-empty",
        variant(SHAP_CSV, **{"methods.shap": {"features_to_explain": []}}),
        ["methods.shap.features_to_explain"],
        "empty",
    ),
    (
        "unsupported-language",
        variant(
            SHAP_CSV, **{"methods.shap": {"text_config": {"granularity": "token", "language": "klingon"}}}
        ),
        ["methods.shap.text_config.language"],
        "english",
    ),
    (
        "bad-granularity",
        variant(SHAP_CSV, **{"methods.shap": {"text_config": {"granularity": "word", "language": "en"}}}),
        ["methods.shap.text_config.granularity"],
        "token, sentence, paragraph",
    ),
    (
        "text-config-missing-language",
        variant(SHAP_CSV, **{"methods.shap": {"text_config": {"granularity": "token"}}}),
        ["methods.shap.text_config.language"],
        "required",
    ),
    (
        "bad-image-model-type",
        variant(SHAP_IMAGES, **{"methods.shap.image_config.model_type": "SEGMENTATION"}),
        ["methods.shap.image_config.model_type"],
        "IMAGE_CLASSIFICATION",
    ),
    (
        "iou-threshold-out-of-range",
        variant(SHAP_IMAGES, **{"methods.shap.image_config.iou_threshold": 1.5}),
        ["methods.shap.image_config.iou_threshold"],
        "<= 1",
    ),
    (
        "unknown-shap-key",
        variant(SHAP_CSV, **{"methods.shap": {"num_sample": 10}}),
        ["methods.shap.num_sample"],
        "did you mean 'num_samples'",
    ),
    # --- methods: pdp, report
    (
        "pdp-without-shap-or-features",
        variant(SHAP_CSV, methods={"pdp": {"grid_resolution": 15}}),
        ["methods.pdp.features"],
        "PDP features must be provided",
    ),
    (
        "pdp-missing-grid",
        variant(SHAP_CSV, methods={"pdp": {"features": ["age"]}}),
        ["methods.pdp.grid_resolution"],
        "required",
    ),
    (
        "pdp-grid-string",
        variant(SHAP_CSV, methods={"pdp": {"features": ["age"], "grid_resolution": "15"}}),
        ["methods.pdp.grid_resolution"],
        "an integer",
    ),
    (
        "pdp-top-k-zero",
        variant(SHAP_CSV, **{"methods.pdp": {"grid_resolution": 15, "top_k_features": 0}}),
        ["methods.pdp.top_k_features"],
        ">= 1",
    ),
    (
        "report-without-name",
        variant(BIAS_CSV, **{"methods.report": {"title": "x"}}),
        ["methods.report.name"],
        "required",
    ),
    (
        "report-title-number",
        variant(BIAS_CSV, **{"methods.report": {"name": "r", "title": 3}}),
        ["methods.report.title"],
        "must be a string",
    ),
    ("negative-seed", variant(SHAP_CSV, **{"methods.shap": {"seed": -1}}), ["methods.shap.seed"], ">= 0"),
    (
        "report-name-with-path",
        variant(BIAS_CSV, **{"methods.report": {"name": "../../etc/report"}}),
        ["methods.report.name"],
        "plain file name",
    ),
    (
        "report-name-dot-dot",
        variant(BIAS_CSV, **{"methods.report": {"name": ".."}}),
        ["methods.report.name"],
        "plain file name",
    ),
    # --- predictor
    (
        "endpoint-name-with-model-name",
        variant(SHAP_CSV, **{"predictor.model_name": "m"}),
        ["predictor.model_name"],
        "endpoint_name",
    ),
    (
        "endpoint-name-with-shadow-settings",
        variant(
            SHAP_CSV, **{"predictor.instance_type": "ml.m5.xlarge", "predictor.initial_instance_count": 1}
        ),
        ["predictor.initial_instance_count", "predictor.instance_type"],
        "endpoint_name",
    ),
    (
        "endpoint-name-prefix-with-endpoint",
        variant(SHAP_CSV, **{"predictor.endpoint_name_prefix": "abc"}),
        ["predictor.endpoint_name_prefix"],
        "endpoint_name",
    ),
    (
        "model-name-without-instances",
        variant(SHAP_CSV, predictor={"model_name": "m"}),
        ["predictor.initial_instance_count", "predictor.instance_type"],
        "required with predictor.model_name",
    ),
    (
        "bad-endpoint-name-prefix",
        variant(
            SHAP_CSV,
            predictor={
                "model_name": "m",
                "instance_type": "ml.m5.xlarge",
                "initial_instance_count": 1,
                "endpoint_name_prefix": "-bad_prefix",
            },
        ),
        ["predictor.endpoint_name_prefix"],
        "letters, digits and hyphens",
    ),
    (
        "too-long-endpoint-name-prefix",
        variant(
            SHAP_CSV,
            predictor={
                "model_name": "m",
                "instance_type": "ml.m5.xlarge",
                "initial_instance_count": 1,
                "endpoint_name_prefix": "a" * 24,
            },
        ),
        ["predictor.endpoint_name_prefix"],
        "at most 23",
    ),
    (
        "instance-count-zero",
        variant(SHAP_CSV, predictor={"model_name": "m", "instance_type": "t", "initial_instance_count": 0}),
        ["predictor.initial_instance_count"],
        ">= 1",
    ),
    (
        "bad-accept-type",
        variant(SHAP_CSV, **{"predictor.accept_type": "application/x-parquet"}),
        ["predictor.accept_type"],
        "text/csv",
    ),
    (
        "bad-content-type",
        variant(SHAP_CSV, **{"predictor.content_type": "text/plain"}),
        ["predictor.content_type"],
        "text/csv",
    ),
    (
        "jsonlines-without-content-template",
        variant(JSONL_SHAP, predictor={"endpoint_name": "e"}),
        ["predictor.content_template"],
        "$features",
    ),
    (
        "jsonlines-template-without-features",
        variant(JSONL_SHAP, **{"predictor.content_template": '{"x": 1}'}),
        ["predictor.content_template"],
        "$features",
    ),
    (
        "json-content-without-record-template",
        variant(JSON_SHAP, **{"predictor.record_template": DELETE}),
        ["predictor.record_template"],
        "required",
    ),
    (
        "json-content-without-templates",
        variant(JSON_SHAP, predictor={"endpoint_name": "e"}),
        ["predictor.content_template", "predictor.record_template"],
        "required",
    ),
    (
        "json-content-template-without-record",
        variant(JSON_SHAP, **{"predictor.content_template": "$features"}),
        ["predictor.content_template"],
        "$record",
    ),
    (
        "csv-data-json-model-without-record-template",
        variant(
            SHAP_CSV,
            **{"predictor.content_type": "application/json", "predictor.content_template": "$records"},
        ),
        ["predictor.record_template"],
        "required",
    ),
    (
        "record-template-without-placeholder",
        variant(JSON_SHAP, **{"predictor.record_template": '{"a": 1}'}),
        ["predictor.record_template"],
        "no placeholder",
    ),
    (
        "record-template-two-kvp",
        variant(JSON_SHAP, **{"predictor.record_template": "[$features_kvp, $features_kvp]"}),
        ["predictor.record_template"],
        "only placeholder",
    ),
    (
        "record-template-unknown-column",
        variant(JSON_SHAP, headers=["A", "B"], **{"predictor.record_template": '{"A": "${A}", "C": "${C}"}'}),
        ["predictor.record_template"],
        "${C}",
    ),
    (
        "parquet-without-content-type",
        variant(SHAP_CSV, dataset_type="application/x-parquet"),
        ["predictor.content_type"],
        "application/x-parquet",
    ),
    (
        "label-headers-empty",
        variant(SHAP_CSV, **{"predictor.label_headers": []}),
        ["predictor.label_headers"],
        "empty",
    ),
    (
        "probability-bool",
        variant(SHAP_CSV, **{"predictor.probability": False}),
        ["predictor.probability"],
        "a string or an integer",
    ),
    (
        "custom-attributes-non-ascii",
        variant(SHAP_CSV, **{"predictor.custom_attributes": "trace=é"}),
        ["predictor.custom_attributes"],
        "visible US-ASCII",
    ),
    (
        "custom-attributes-too-long",
        variant(SHAP_CSV, **{"predictor.custom_attributes": "a" * 1025}),
        ["predictor.custom_attributes"],
        "at most 1024",
    ),
    (
        "unknown-predictor-key",
        variant(SHAP_CSV, **{"predictor.endpoint": "e"}),
        ["predictor.endpoint"],
        "did you mean 'endpoint_name'",
    ),
    # --- dataset-type dependent rules
    ("jsonlines-without-features", variant(JSONL_SHAP, features=DELETE), ["features"], "JMESPath"),
    ("json-without-features", variant(JSON_SHAP, features=DELETE), ["features"], "JMESPath"),
    (
        "facet-dataset-for-jsonlines",
        variant(JSONL_SHAP, facet_dataset_uri="s3://b/facets.csv", facet_headers=["sex"]),
        ["facet_dataset_uri", "facet_headers"],
        "only supported for dataset_type text/csv",
    ),
    (
        "predicted-label-dataset-for-parquet",
        variant(BIAS_CSV, dataset_type="application/x-parquet", predicted_label_dataset_uri="s3://b/p.csv"),
        ["predicted_label_dataset_uri"],
        "only supported for dataset_type text/csv",
    ),
    (
        "facet-headers-without-uri",
        variant(BIAS_CSV, facet_headers=["sex"]),
        ["facet_headers"],
        "facet_dataset_uri",
    ),
    (
        "predicted-label-for-images",
        variant(BIAS_CSV, dataset_type="application/x-image", predicted_label="p", headers=DELETE),
        ["predicted_label", "methods.pre_training_bias"],
        "tabular",
    ),
    # --- column names checked against the document's own headers (CSV / Parquet)
    ("label-not-in-headers", variant(BIAS_CSV, label="Target"), ["label"], "did you mean 'target'"),
    (
        "facet-not-in-headers",
        variant(BIAS_CSV, facet=[{"name_or_index": "gender"}]),
        ["facet[0].name_or_index"],
        "not a column",
    ),
    (
        "excluded-column-not-in-headers",
        variant(BIAS_CSV, excluded_columns=["income", "incme"]),
        ["excluded_columns[1]"],
        "did you mean 'income'",
    ),
    (
        "pdp-feature-not-in-headers",
        variant(SHAP_CSV, **{"methods.pdp": {"grid_resolution": 10, "features": ["agee"]}}),
        ["methods.pdp.features[0]"],
        "did you mean 'age'",
    ),
    ("duplicate-header", variant(BIAS_CSV, headers=["age", "sex", "age", "target"]), ["headers[2]"], "twice"),
    (
        "join-column-missing-from-facet-headers",
        variant(
            BIAS_CSV,
            headers=["id", "age", "target"],
            joinsource_name_or_index="id",
            facet_dataset_uri="s3://b/f/",
            facet_headers=["ID", "sex"],
        ),
        ["facet_headers"],
        "did you mean 'ID'",
    ),
    # --- passthrough extensions keep their structure
    (
        "segment-config-missing-segments",
        variant(BIAS_CSV, segment_config=[{"name_or_index": "age"}]),
        ["segment_config[0].segments"],
        "required",
    ),
    (
        "time-series-on-csv",
        variant(TIME_SERIES_JSON, dataset_type="text/csv"),
        ["time_series_data_config"],
        "application/json",
    ),
]


@pytest.mark.parametrize(
    ("document", "paths", "fragment"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_malformed_config_reports_problem_at_path(document, paths, fragment):
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    error = caught.value
    assert sorted(error.paths) == sorted(paths), str(error)
    first = next(problem for problem in error.problems if problem.path == paths[0])
    assert fragment in first.message, str(error)


def test_there_are_at_least_forty_malformed_cases():
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


def test_three_independent_mistakes_are_all_reported():
    document = variant(
        BIAS_CSV,
        probability_threshold=1,
        facet=[{"name_or_index": "sex", "value_or_threshold": 0}],
        **{"methods.pre_training_bias": {"methods": ["CI", "XYZ"]}},
    )
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    assert sorted(caught.value.paths) == [
        "facet[0].value_or_threshold",
        "methods.pre_training_bias.methods[1]",
        "probability_threshold",
    ]
    text = str(caught.value)
    assert text.startswith("invalid analysis config (3 problems)")
    for path in caught.value.paths:
        assert f"\n  - {path}: " in text


def test_structural_and_cross_field_problems_are_reported_together():
    document = variant(SHAP_CSV, **{"methods.shap": {"baseline": "s3://b/base.csv", "num_clusters": "3"}})
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    messages = {problem.path: problem.message for problem in caught.value.problems}
    assert set(messages) == {"methods.shap.num_clusters"}
    # One path, two messages: the type and the combination with baseline.
    assert len(caught.value.problems) == 2


def test_a_problem_never_surfaces_as_a_bare_assertion_or_type_error():
    # Wildly wrong shapes everywhere must still produce ClarifyConfigError, not crash the cross-field rules.
    document = {
        "dataset_type": ["text/csv"],
        "headers": {"a": 1},
        "facet": "sex",
        "methods": {"pre_training_bias": "all", "shap": [], "pdp": "x", "report": None},
        "predictor": ["endpoint"],
        "excluded_columns": {"x": 1},
    }
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    assert {
        "dataset_type",
        "headers",
        "facet",
        "methods.pre_training_bias",
        "methods.shap",
        "predictor",
    } <= set(caught.value.paths)


@pytest.mark.parametrize(
    "name", ["../escape", "a/b", "a\\b", "", ".hidden", "..", "line\nbreak", "trailing\n", "tab\tname"]
)
def test_report_name_must_be_a_plain_file_name(name):
    # The same names the report writer refuses, refused here before any data is read.
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(variant(BIAS_CSV, **{"methods.report": {"name": name}}))
    assert caught.value.paths == ["methods.report.name"]


@pytest.mark.parametrize("name", ["report", "bias report", "Bericht-2024_11", "report.v2"])
def test_plain_report_names_are_fine(name):
    load_config(variant(BIAS_CSV, **{"methods.report": {"name": name}}))


def test_values_json_cannot_hold_are_reported_with_the_other_problems():
    document = variant(BIAS_CSV, headers=("age", "sex"), probability_threshold=float("nan"), lable="x")
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    # One clear problem per bad value (no extra "must be a list" for the tuple), plus the unrelated typo.
    assert sorted(caught.value.paths) == ["headers", "lable", "probability_threshold"]


def test_a_predicted_label_dataset_whose_headers_lack_the_default_name_needs_predicted_label():
    """reference §2.1: without predicted_label the column named "predicted_label" is read; headers that lack it could
    only fail at run time, so validation says to set the field (the COMPAS run named a default column instead)."""
    document = variant(
        BIAS_CSV,
        predicted_label_dataset_uri="s3://bucket/scores.csv",
        predicted_label_headers=["id", "decile_score"],
        joinsource_name_or_index="id",
        headers=["id", "age", "sex", "income", "target"],
        methods={"post_training_bias": {"methods": ["DI"]}},
    )
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(document)
    assert caught.value.paths == ["predicted_label"]
    assert str(caught.value.problems[0]) == (
        "predicted_label: not set, so the predicted-label column is the one named 'predicted_label', and "
        "predicted_label_headers has no such column (['id', 'decile_score']); set predicted_label to the name "
        "or index of the column that holds the predictions; here that is probably 'decile_score'"
    )
    load_config(variant(document, predicted_label="decile_score"))  # the fix
    load_config(
        variant(document, predicted_label_headers=["id", "predicted_label"])
    )  # the default name exists
    load_config(variant(document, predicted_label_headers=DELETE))  # headers read from the file: run time
