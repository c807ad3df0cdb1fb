"""Which methods need a model, whether something provides it, and the join-column rule of distributed runs."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import (
    ClarifyConfigError,
    check_joinsource,
    check_managed_job,
    check_model_source,
    joinsource_problems,
    load_config,
    managed_job_problems,
    model_requirements,
)
from tests.unit.config.documents import BIAS_CSV, SHAP_CSV, variant

POST = {"methods.post_training_bias": {"methods": "all"}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            BIAS_CSV,
            dict(
                needs_predictions=False,
                needs_model_scores=False,
                has_predictor=False,
                has_predicted_label_source=False,
                methods=["pre_training_bias"],
                needs_model=False,
            ),
        ),
        (
            variant(BIAS_CSV, predicted_label="income", methods={"post_training_bias": {"methods": "all"}}),
            dict(
                needs_predictions=True,
                needs_model_scores=False,
                has_predictor=False,
                has_predicted_label_source=True,
                methods=["post_training_bias"],
                needs_model=False,
            ),
        ),
        (
            variant(BIAS_CSV, predictor={"endpoint_name": "e"}, **POST),
            dict(
                needs_predictions=True,
                needs_model_scores=False,
                has_predictor=True,
                has_predicted_label_source=False,
                methods=["pre_training_bias", "post_training_bias"],
                needs_model=True,
            ),
        ),
        (
            variant(SHAP_CSV, **{"methods.pdp": {"grid_resolution": 5}, "methods.report": {"name": "r"}}),
            dict(
                needs_predictions=False,
                needs_model_scores=True,
                has_predictor=True,
                has_predicted_label_source=False,
                methods=["shap", "pdp", "report"],
                needs_model=True,
            ),
        ),
        (
            variant(
                SHAP_CSV, predictor={"model_name": "m", "instance_type": "t", "initial_instance_count": 1}
            ),
            dict(
                needs_predictions=False,
                needs_model_scores=True,
                has_predictor=True,
                has_predicted_label_source=False,
                methods=["shap"],
                needs_model=True,
            ),
        ),
        (
            # A predictor that only says how to read outputs names no model (the local engine may bring one).
            variant(SHAP_CSV, predictor={"probability": 1}),
            dict(
                needs_predictions=False,
                needs_model_scores=True,
                has_predictor=False,
                has_predicted_label_source=False,
                methods=["shap"],
                needs_model=True,
            ),
        ),
        (
            variant(BIAS_CSV, predicted_label_dataset_uri="s3://b/p.csv", **POST),
            dict(
                needs_predictions=True,
                needs_model_scores=False,
                has_predictor=False,
                has_predicted_label_source=True,
                methods=["pre_training_bias", "post_training_bias"],
                needs_model=False,
            ),
        ),
    ],
)
def test_model_requirements(document, expected):
    needs = model_requirements(document)
    assert {name: getattr(needs, name) for name in expected} == expected
    assert model_requirements(load_config(document)) == needs


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        (variant(SHAP_CSV, predictor={"probability": 1}), ["methods.shap needs a model"]),
        (
            variant(SHAP_CSV, predictor={}, **{"methods.pdp": {"grid_resolution": 3}}),
            ["methods.shap and methods.pdp need a model"],
        ),
        (variant(BIAS_CSV, **POST), ["methods.post_training_bias needs predicted labels"]),
        (
            variant(
                SHAP_CSV,
                predictor={},
                label_values_or_threshold=[1],
                facet=[{"name_or_index": "sex"}],
                **POST,
            ),
            ["methods.shap needs a model", "methods.post_training_bias needs predicted labels"],
        ),
    ],
)
def test_missing_model_source_is_a_config_error_at_predictor(document, fragments):
    with pytest.raises(ClarifyConfigError) as caught:
        check_model_source(document)
    assert caught.value.paths == ["predictor"] * len(fragments)
    for problem, fragment in zip(caught.value.problems, fragments, strict=True):
        assert fragment in problem.message
    # The local engine can bring its own model: then nothing is missing.
    check_model_source(document, local_model_available=True)


@pytest.mark.parametrize(
    "document",
    [
        BIAS_CSV,
        SHAP_CSV,
        variant(BIAS_CSV, predicted_label="income", **POST),
        variant(
            BIAS_CSV, predictor={"model_name": "m", "instance_type": "t", "initial_instance_count": 1}, **POST
        ),
    ],
)
def test_model_source_present(document):
    check_model_source(document)


def test_check_model_source_validates_the_document_first():
    with pytest.raises(ClarifyConfigError) as caught:
        check_model_source({"dataset_type": "text/csv"})
    assert caught.value.paths == ["methods"]


FACET_DATASET = variant(BIAS_CSV, facet_dataset_uri="s3://b/facets/", facet_headers=["sex"])
LOCAL_SHAP = variant(SHAP_CSV, **{"methods.shap": {"save_local_shap_values": True}})


@pytest.mark.parametrize(
    ("document", "instance_count", "multiple_files", "required"),
    [
        (FACET_DATASET, 1, False, False),  # one file each, one instance: rows align by position
        (FACET_DATASET, 2, False, True),
        (FACET_DATASET, 1, True, True),
        (
            variant(FACET_DATASET, joinsource_name_or_index="age", facet_headers=["age", "sex"]),
            2,
            True,
            False,
        ),
        (LOCAL_SHAP, 1, False, False),
        (LOCAL_SHAP, 3, False, True),
        (LOCAL_SHAP, 1, True, True),
        (variant(LOCAL_SHAP, **{"methods.shap": {"save_local_shap_values": False}}), 3, True, False),
        (BIAS_CSV, 4, True, False),
    ],
)
def test_joinsource_rule_for_split_inputs(document, instance_count, multiple_files, required):
    problems = joinsource_problems(document, instance_count=instance_count, multiple_files=multiple_files)
    assert [problem.path for problem in problems] == (["joinsource_name_or_index"] if required else [])
    if required:
        with pytest.raises(ClarifyConfigError, match="joinsource_name_or_index: required"):
            check_joinsource(document, instance_count=instance_count, multiple_files=multiple_files)


LOCAL_ONLY = variant(
    SHAP_CSV, predictor={"local_predictor": "my_models.churn:predict_proba", "probability": 1}
)


def test_local_predictor_is_a_local_engine_model_source_only():
    needs = model_requirements(LOCAL_ONLY)
    assert needs.has_local_predictor and not needs.has_predictor
    assert load_config(LOCAL_ONLY).predictor.local_predictor == "my_models.churn:predict_proba"
    # The local engine counts it (its caller says a local model is available)...
    check_model_source(LOCAL_ONLY, local_model_available=needs.has_local_predictor)
    # ...and so does the engine's own check when its caller passes no model: the document names one.
    check_model_source(LOCAL_ONLY)
    # ...the managed job does not: nothing there can run a Python callable.
    with pytest.raises(ClarifyConfigError) as caught:
        check_managed_job(LOCAL_ONLY)
    assert caught.value.paths == ["predictor.local_predictor", "predictor"]


def test_managed_job_check_collects_every_problem():
    document = variant(
        SHAP_CSV,
        facet_dataset_uri="s3://b/facets/",
        predictor={"endpoint_name": "e", "local_predictor": "http://127.0.0.1:8080/invocations"},
        **{"methods.shap": {"save_local_shap_values": True}},
    )
    problems = managed_job_problems(document, instance_count=2)
    assert [problem.path for problem in problems] == ["predictor.local_predictor", "joinsource_name_or_index"]
    check_managed_job(
        variant(document, predictor={"endpoint_name": "e"}, joinsource_name_or_index="age"), instance_count=2
    )


def test_empty_local_predictor_is_invalid():
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(variant(SHAP_CSV, predictor={"local_predictor": ""}))
    assert caught.value.paths == ["predictor.local_predictor"]


IMAGE_JOB = {
    "dataset_type": "application/x-image",
    "methods": {"shap": {"num_samples": 50, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}}},
    "predictor": {
        "model_name": "pets",
        "instance_type": "ml.m5.xlarge",
        "initial_instance_count": 1,
        "label_headers": ["cat", "dog"],
    },
}
FORECAST_JOB = {
    "dataset_type": "application/json",
    "time_series_data_config": {
        "item_id": "[].item",
        "timestamp": "[].time",
        "target_time_series": "[].sales",
        "dataset_format": "timestamp_records",
    },
    "methods": {"asymmetric_shapley_value": {"direction": "chronological", "granularity": "timewise"}},
    "predictor": {
        "endpoint_name": "forecaster",
        "content_type": "application/json",
        "accept_type": "application/json",
        "content_template": '{"instances": $records}',
        "record_template": '{"start": $start_time, "target": $target_time_series}',
        "time_series_predictor_config": {"forecast": "predictions[*].mean"},
    },
}


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (variant(IMAGE_JOB, **{"methods.shap.baseline": "/data/masks/grey.png"}), "methods.shap.baseline"),
        (variant(IMAGE_JOB, **{"methods.shap.baseline": "file:///data/grey.png"}), "methods.shap.baseline"),
        (
            variant(FORECAST_JOB, **{"methods.asymmetric_shapley_value.baseline": "baselines/statics.json"}),
            "methods.asymmetric_shapley_value.baseline",
        ),
    ],
)
def test_a_managed_job_reads_its_baseline_from_s3_only(document, path):
    load_config(document)  # valid for the local engine, which reads local files
    with pytest.raises(ClarifyConfigError) as caught:
        check_managed_job(document)
    assert caught.value.paths == [path]
    assert "is not an s3:// URI: the managed Clarify job cannot read files of this machine" in str(
        caught.value
    )


@pytest.mark.parametrize(
    "document",
    [
        IMAGE_JOB,  # no baseline: the job generates the masking image
        variant(IMAGE_JOB, **{"methods.shap.baseline": "s3://masks/grey.png"}),
        FORECAST_JOB,
        variant(FORECAST_JOB, **{"methods.asymmetric_shapley_value.baseline": "s3://b/statics.json"}),
        variant(
            FORECAST_JOB, **{"methods.asymmetric_shapley_value.baseline": {"target_time_series": "mean"}}
        ),
    ],
)
def test_s3_and_inline_baselines_are_fine_for_a_managed_job(document):
    check_managed_job(document)


def test_a_text_baseline_is_not_taken_for_a_location():
    # With text_config the tabular baseline string is the replacement of a masked unit, not a file.
    document = variant(
        SHAP_CSV,
        predictor={"endpoint_name": "e"},
        **{
            "methods.shap": {
                "baseline": "<UNK>",
                "text_config": {"granularity": "token", "language": "english"},
            }
        },
    )
    assert not [p for p in managed_job_problems(document) if p.path == "methods.shap.baseline"]
