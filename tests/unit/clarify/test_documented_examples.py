"""The documented SDK examples run with only the import changed, and produce the analysis config the SDK produces.

The code of each test is the example of the "Run SageMaker Clarify processing jobs for bias analysis and
explainability" guide (the configuration guide of the SageMaker documentation, SDK 2.257.x), with
``from sagemaker import clarify`` replaced by ``from airflow_provider_clarify import clarify``. The variables the
guide leaves to the reader (``role``, ``session``, S3 URIs, model names) are set first. The expected documents are
written out by hand from what the SDK's ``run_*`` methods write for those objects: the data config's fields
(``dataset_type``, ``features``, ``headers``, ``label`` in that order), the bias config's, then ``methods`` —
always with ``report: {"name": "report", "title": "Analysis Report"}`` — and the ``predictor`` (for
``run_explainability``, the predictor comes before the methods). The processor runs against a recording stand-in
of AWS: the document is read back from the uploaded ``analysis_config.json``, and the request from
CreateProcessingJob.
"""

from __future__ import annotations

import json
import re

import pytest

from airflow_provider_clarify import clarify
from tests.unit.clarify.fake_aws import sdk_session

role = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"
dataset_s3_uri = "s3://amzn-s3-demo-bucket/clarify/dataset.csv"
jsonl_dataset_s3_uri = "s3://amzn-s3-demo-bucket/clarify/dataset.jsonl"
nlp_dataset_s3_uri = "s3://amzn-s3-demo-bucket/clarify/reviews.csv"
cv_dataset_s3_uri = "s3://amzn-s3-demo-bucket/clarify/images/"
clarify_job_output_s3_uri = "s3://amzn-s3-demo-bucket/clarify/output"
your_model = "your-model"
your_nlp_model_name = "your-nlp-model"
your_cv_ic_model = "your-cv-ic-model"

REPORT = {"name": "report", "title": "Analysis Report"}
CSV_DATA = {
    "dataset_type": "text/csv",
    "headers": ["Target", "Age", "Gender", "Income", "Occupation"],
    "label": "Target",
}
GENDER_BIAS = {
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
}
SHADOW_MODEL = {"model_name": "your-model", "instance_type": "ml.m4.xlarge", "initial_instance_count": 1}
SHAP_ONE_CLUSTER = {"use_logit": False, "save_local_shap_values": True, "num_clusters": 1}


@pytest.fixture
def session():
    return sdk_session(log_lines=("Clarify job started", "Calculated global analysis"))


@pytest.fixture
def clarify_processor(session):
    # The guide's processor, verbatim.
    clarify_processor = clarify.SageMakerClarifyProcessor(
        role=role,
        instance_count=1,
        instance_type="ml.c4.xlarge",
        sagemaker_session=session,
    )
    clarify_processor.poll_seconds = 0
    return clarify_processor


@pytest.fixture
def data_config():
    data_config = clarify.DataConfig(
        s3_data_input_path=dataset_s3_uri,
        dataset_type="text/csv",
        headers=["Target", "Age", "Gender", "Income", "Occupation"],
        label="Target",
        s3_output_path=clarify_job_output_s3_uri,
    )
    return data_config


@pytest.fixture
def bias_config():
    bias_config = clarify.BiasConfig(
        label_values_or_threshold=[1],
        facet_name="Gender",
        facet_values_or_threshold=[0],
    )
    return bias_config


@pytest.fixture
def model_config():
    model_config = clarify.ModelConfig(
        model_name=your_model,
        instance_type="ml.m4.xlarge",
        instance_count=1,
    )
    return model_config


def uploaded_config(session, prefix="clarify/output"):
    """The analysis_config.json the run uploaded, parsed, and the one CreateProcessingJob request."""
    body = session.s3_client.objects[("amzn-s3-demo-bucket", f"{prefix}/analysis_config.json")]["Body"]
    (request,) = session.sagemaker_client.created
    return json.loads(body.decode("utf-8")), request


def assert_job_name(request, prefix):
    assert re.fullmatch(re.escape(prefix) + r"-\d{4}(-\d{2}){5}-\d{3}", request["ProcessingJobName"])


def test_pre_training_bias_csv(clarify_processor, data_config, bias_config, session, capsys):
    clarify_processor.run_pre_training_bias(
        data_config=data_config,
        data_bias_config=bias_config,
        methods="all",
    )
    document, request = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        **GENDER_BIAS,
        "methods": {"report": REPORT, "pre_training_bias": {"methods": "all"}},
    }
    assert clarify_processor._last_analysis_config == document
    assert_job_name(request, "Clarify-Pretraining-Bias")
    assert request["ProcessingInputs"][0]["S3Input"]["S3Uri"] == dataset_s3_uri
    assert (
        request["ProcessingInputs"][1]["S3Input"]["S3Uri"]
        == f"{clarify_job_output_s3_uri}/analysis_config.json"
    )
    assert request["ProcessingResources"]["ClusterConfig"] == {
        "InstanceType": "ml.c4.xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
    }
    # wait=True and logs=True are the defaults: the job's log lines were printed while waiting.
    assert capsys.readouterr().out.splitlines() == ["Clarify job started", "Calculated global analysis"]


def test_pre_training_bias_selected_metrics(clarify_processor, data_config, bias_config, session):
    clarify_processor.run_pre_training_bias(
        data_config=data_config,
        data_bias_config=bias_config,
        methods=["CI", "DPL"],
    )
    document, _ = uploaded_config(session)
    assert document["methods"] == {"report": REPORT, "pre_training_bias": {"methods": ["CI", "DPL"]}}


def test_post_training_bias_csv(clarify_processor, data_config, bias_config, model_config, session):
    predicted_label_config = clarify.ModelPredictedLabelConfig(
        label=0,
    )
    clarify_processor.run_post_training_bias(
        data_config=data_config,
        data_bias_config=bias_config,
        model_config=model_config,
        model_predicted_label_config=predicted_label_config,
        methods="all",
    )
    document, request = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        **GENDER_BIAS,
        "methods": {"report": REPORT, "post_training_bias": {"methods": "all"}},
        "predictor": {**SHADOW_MODEL, "label": 0},
    }
    assert list(document) == [*CSV_DATA, *GENDER_BIAS, "methods", "predictor"]
    assert_job_name(request, "Clarify-Posttraining-Bias")


def test_post_training_bias_selected_metrics(
    clarify_processor, data_config, bias_config, model_config, session
):
    predicted_label_config = clarify.ModelPredictedLabelConfig(label=0)
    clarify_processor.run_post_training_bias(
        data_config=data_config,
        data_bias_config=bias_config,
        model_config=model_config,
        model_predicted_label_config=predicted_label_config,
        methods=["DPPL", "DI"],
    )
    document, _ = uploaded_config(session)
    assert document["methods"]["post_training_bias"] == {"methods": ["DPPL", "DI"]}


def test_bias_csv(clarify_processor, data_config, bias_config, model_config, session):
    predicted_label_config = clarify.ModelPredictedLabelConfig(label=0)
    clarify_processor.run_bias(
        data_config=data_config,
        bias_config=bias_config,
        model_config=model_config,
        model_predicted_label_config=predicted_label_config,
        pre_training_methods="all",
        post_training_methods="all",
    )
    document, request = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        **GENDER_BIAS,
        "methods": {
            "report": REPORT,
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
        },
        "predictor": {**SHADOW_MODEL, "label": 0},
    }
    assert_job_name(request, "Clarify-Bias")


def test_shap_csv(clarify_processor, data_config, model_config, session):
    probability_config = clarify.ModelPredictedLabelConfig(
        probability=1,
    )
    shap_config = clarify.SHAPConfig(
        num_clusters=1,
    )
    clarify_processor.run_explainability(
        data_config=data_config,
        model_config=model_config,
        model_scores=probability_config,
        explainability_config=shap_config,
    )
    document, request = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        "predictor": {**SHADOW_MODEL, "probability": 1},
        "methods": {"report": REPORT, "shap": SHAP_ONE_CLUSTER},
    }
    assert list(document) == [*CSV_DATA, "predictor", "methods"]  # run_explainability's order
    assert_job_name(request, "Clarify-Explainability")


def test_pdp_csv(clarify_processor, data_config, model_config, session):
    probability_config = clarify.ModelPredictedLabelConfig(probability=1)
    pdp_config = clarify.PDPConfig(
        features=["Income"],
        grid_resolution=10,
    )
    clarify_processor.run_explainability(
        data_config=data_config,
        model_config=model_config,
        model_scores=probability_config,
        explainability_config=pdp_config,
    )
    document, _ = uploaded_config(session)
    assert document["methods"] == {
        "report": REPORT,
        "pdp": {"grid_resolution": 10, "top_k_features": 10, "features": ["Income"]},
    }


def test_shap_and_pdp_csv(clarify_processor, data_config, model_config, session):
    probability_config = clarify.ModelPredictedLabelConfig(probability=1)
    shap_config = clarify.SHAPConfig(num_clusters=1)
    shap_pdp_config = clarify.PDPConfig(
        top_k_features=2,
        grid_resolution=10,
    )
    clarify_processor.run_explainability(
        data_config=data_config,
        model_config=model_config,
        model_scores=probability_config,
        explainability_config=[shap_config, shap_pdp_config],
    )
    document, _ = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        "predictor": {**SHADOW_MODEL, "probability": 1},
        "methods": {
            "report": REPORT,
            "shap": SHAP_ONE_CLUSTER,
            "pdp": {"grid_resolution": 10, "top_k_features": 2},
        },
    }


JSONL_DATA = {
    "dataset_type": "application/jsonlines",
    "features": "Features",
    "headers": ["Age", "Gender", "Income", "Occupation", "Target"],
    "label": "Label",
}
JSONL_MODEL = {**SHADOW_MODEL, "content_template": '{"Features":$features}'}


@pytest.fixture
def jsonl_configs():
    data_config = clarify.DataConfig(
        s3_data_input_path=jsonl_dataset_s3_uri,
        dataset_type="application/jsonlines",
        headers=["Age", "Gender", "Income", "Occupation", "Target"],
        label="Label",
        features="Features",
        s3_output_path=clarify_job_output_s3_uri,
    )
    model_config = clarify.ModelConfig(
        model_name=your_model,
        instance_type="ml.m4.xlarge",
        instance_count=1,
        content_template='{"Features":$features}',
    )
    predicted_label_config = clarify.ModelPredictedLabelConfig(
        label="predicted_label",
    )
    probability_config = clarify.ModelPredictedLabelConfig(
        probability="probability",
    )
    return data_config, model_config, predicted_label_config, probability_config


def test_json_lines_bias(clarify_processor, bias_config, jsonl_configs, session):
    data_config, model_config, predicted_label_config, _ = jsonl_configs
    # "use the same run statements and config objects as in the CSV section"
    clarify_processor.run_bias(
        data_config=data_config,
        bias_config=bias_config,
        model_config=model_config,
        model_predicted_label_config=predicted_label_config,
        pre_training_methods="all",
        post_training_methods="all",
    )
    document, _ = uploaded_config(session)
    assert document == {
        **JSONL_DATA,
        **GENDER_BIAS,
        "methods": {
            "report": REPORT,
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
        },
        "predictor": {**JSONL_MODEL, "label": "predicted_label"},
    }


def test_json_lines_shap(clarify_processor, jsonl_configs, session):
    data_config, model_config, _, probability_config = jsonl_configs
    shap_config = clarify.SHAPConfig(num_clusters=1)
    clarify_processor.run_explainability(
        data_config=data_config,
        model_config=model_config,
        model_scores=probability_config,
        explainability_config=shap_config,
    )
    document, _ = uploaded_config(session)
    assert document == {
        **JSONL_DATA,
        "predictor": {**JSONL_MODEL, "probability": "probability"},
        "methods": {"report": REPORT, "shap": SHAP_ONE_CLUSTER},
    }


def test_nlp_shap(clarify_processor, session):
    nlp_data_config = clarify.DataConfig(
        s3_data_input_path=nlp_dataset_s3_uri,
        dataset_type="text/csv",
        headers=["Target", "Rating", "Comments"],
        label="Target",
        s3_output_path=clarify_job_output_s3_uri,
    )
    nlp_model_config = clarify.ModelConfig(
        model_name=your_nlp_model_name,
        instance_type="ml.g4dn.xlarge",
        instance_count=1,
    )
    probability_config = clarify.ModelPredictedLabelConfig(
        probability=0,
    )
    text_config = clarify.TextConfig(
        language="english",
        granularity="token",
    )
    nlp_shap_config = clarify.SHAPConfig(
        baseline=[[4, "[MASK]"]],
        num_samples=100,
        text_config=text_config,
    )
    clarify_processor.run_explainability(
        data_config=nlp_data_config,
        model_config=nlp_model_config,
        model_scores=probability_config,
        explainability_config=nlp_shap_config,
    )
    document, _ = uploaded_config(session)
    assert document == {
        "dataset_type": "text/csv",
        "headers": ["Target", "Rating", "Comments"],
        "label": "Target",
        "predictor": {
            "model_name": "your-nlp-model",
            "instance_type": "ml.g4dn.xlarge",
            "initial_instance_count": 1,
            "probability": 0,
        },
        "methods": {
            "report": REPORT,
            "shap": {
                "use_logit": False,
                "save_local_shap_values": True,
                "baseline": [[4, "[MASK]"]],
                "num_samples": 100,
                "text_config": {"granularity": "token", "language": "english"},
            },
        },
    }


CV_DATA = {"dataset_type": "application/x-image"}
CV_MODEL = {
    "model_name": "your-cv-ic-model",
    "instance_type": "ml.p2.xlarge",
    "initial_instance_count": 1,
    "accept_type": "application/json",
    "content_type": "image/jpeg",
    "label_headers": ["bird", "cat", "dog"],
}


@pytest.fixture
def cv_data_config():
    cv_data_config = clarify.DataConfig(
        s3_data_input_path=cv_dataset_s3_uri,
        dataset_type="application/x-image",
        s3_output_path=clarify_job_output_s3_uri,
    )
    return cv_data_config


def test_image_classification(clarify_processor, cv_data_config, session):
    ic_model_config = clarify.ModelConfig(
        model_name=your_cv_ic_model,
        instance_type="ml.p2.xlarge",
        instance_count=1,
        content_type="image/jpeg",
        accept_type="application/json",
    )
    ic_prediction_config = clarify.ModelPredictedLabelConfig(
        label_headers=["bird", "cat", "dog"],
    )
    ic_image_config = clarify.ImageConfig(
        model_type="IMAGE_CLASSIFICATION",
        num_segments=20,
        segment_compactness=5,
    )
    ic_shap_config = clarify.SHAPConfig(
        num_samples=100,
        image_config=ic_image_config,
    )
    clarify_processor.run_explainability(
        data_config=cv_data_config,
        model_config=ic_model_config,
        model_scores=ic_prediction_config,
        explainability_config=ic_shap_config,
    )
    document, request = uploaded_config(session)
    assert document == {
        **CV_DATA,
        "predictor": CV_MODEL,
        "methods": {
            "report": REPORT,
            "shap": {
                "use_logit": False,
                "save_local_shap_values": True,
                "num_samples": 100,
                "image_config": {
                    "model_type": "IMAGE_CLASSIFICATION",
                    "num_segments": 20,
                    "segment_compactness": 5,
                },
            },
        },
    }
    # Images are uploaded as they are explained, as the SDK asks for.
    assert request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3UploadMode"] == "Continuous"


def test_object_detection(clarify_processor, cv_data_config, session):
    od_model_config = clarify.ModelConfig(
        model_name=your_cv_ic_model,
        instance_type="ml.p2.xlarge",
        instance_count=1,
        content_type="image/jpeg",
        accept_type="application/json",
    )
    ic_prediction_config = clarify.ModelPredictedLabelConfig(
        label_headers=["bird", "cat", "dog"],
    )
    od_image_config = clarify.ImageConfig(
        model_type="OBJECT_DETECTION",
        num_segments=20,
        segment_compactness=5,
        max_objects=5,
        iou_threshold=0.5,
        context=1.0,
    )
    # The guide's example uses two names it never defines: ``image_config`` (it means od_image_config) and
    # ``od_prediction_config`` (it means the ModelPredictedLabelConfig just above). They are bound here.
    image_config, od_prediction_config = od_image_config, ic_prediction_config
    od_shap_config = clarify.SHAPConfig(
        num_samples=100,
        image_config=image_config,
    )
    clarify_processor.run_explainability(
        data_config=cv_data_config,
        model_config=od_model_config,
        model_scores=od_prediction_config,
        explainability_config=od_shap_config,
    )
    document, _ = uploaded_config(session)
    assert document["methods"]["shap"]["image_config"] == {
        "model_type": "OBJECT_DETECTION",
        "num_segments": 20,
        "segment_compactness": 5,
        "max_objects": 5,
        "iou_threshold": 0.5,
        "context": 1.0,
    }
    assert document["predictor"] == CV_MODEL


def test_bias_and_explainability_in_the_sdk_argument_order(
    clarify_processor, data_config, bias_config, model_config, session
):
    """The SDK reference's run_bias_and_explainability, all seven configs positionally in its order."""
    predicted_label_config = clarify.ModelPredictedLabelConfig(label=0, probability=1)
    shap_config = clarify.SHAPConfig(num_clusters=1)
    clarify_processor.run_bias_and_explainability(
        data_config, model_config, shap_config, bias_config, ["CI"], ["DPPL"], predicted_label_config
    )
    document, request = uploaded_config(session)
    assert document == {
        **CSV_DATA,
        **GENDER_BIAS,
        "methods": {
            "report": REPORT,
            "pre_training_bias": {"methods": ["CI"]},
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": SHAP_ONE_CLUSTER,
        },
        "predictor": {**SHADOW_MODEL, "label": 0, "probability": 1},
    }
    assert_job_name(request, "Clarify-Bias-And-Explainability")


def test_time_series_explainability(session):
    """The time-series example of the SDK's reference (a DeepAR endpoint, JSON dataset of timestamp records)."""
    data_config = clarify.DataConfig(
        s3_data_input_path="s3://amzn-s3-demo-bucket/deepar/data.json",
        s3_output_path="s3://amzn-s3-demo-bucket/deepar/output",
        dataset_type="application/json",
        headers=["item_id", "timestamp", "target_value", "dynamic_feature_1", "static_feature_1"],
        time_series_data_config=clarify.TimeSeriesDataConfig(
            target_time_series="[].target_value",
            item_id="[].item_id",
            timestamp="[].timestamp",
            related_time_series=["[].dynamic_feature_1"],
            static_covariates=["[].static_feature_1"],
            dataset_format=clarify.TimeSeriesJSONDatasetFormat.TIMESTAMP_RECORDS,
        ),
    )
    model_config = clarify.ModelConfig(
        endpoint_name="DeepArTest",
        content_type="application/json",
        accept_type="application/json",
        content_template='{"instances": $records}',
        record_template='{"start": $start_time, "target": $target_time_series, "dynamic_feat": '
        '$related_time_series, "cat": $static_covariates}',
        time_series_model_config=clarify.TimeSeriesModelConfig(forecast="predictions[*].mean"),
    )
    asymmetric_config = clarify.AsymmetricShapleyValueConfig(
        direction="chronological", granularity="timewise"
    )
    clarify_processor = clarify.SageMakerClarifyProcessor(
        role=role, instance_count=1, instance_type="ml.c5.xlarge", sagemaker_session=session
    )
    clarify_processor.poll_seconds = 0
    clarify_processor.run_explainability(
        data_config=data_config, model_config=model_config, explainability_config=asymmetric_config
    )
    document, request = uploaded_config(session, prefix="deepar/output")
    assert document == {
        "dataset_type": "application/json",
        "headers": ["item_id", "timestamp", "target_value", "dynamic_feature_1", "static_feature_1"],
        "time_series_data_config": {
            "target_time_series": "[].target_value",
            "item_id": "[].item_id",
            "timestamp": "[].timestamp",
            "related_time_series": ["[].dynamic_feature_1"],
            "static_covariates": ["[].static_feature_1"],
            "dataset_format": "timestamp_records",
        },
        "predictor": {
            "endpoint_name": "DeepArTest",
            "accept_type": "application/json",
            "content_type": "application/json",
            "content_template": '{"instances": $records}',
            "record_template": '{"start": $start_time, "target": $target_time_series, "dynamic_feat": '
            '$related_time_series, "cat": $static_covariates}',
            "time_series_predictor_config": {"forecast": "predictions[*].mean"},
        },
        "methods": {
            "report": REPORT,
            "asymmetric_shapley_value": {"direction": "chronological", "granularity": "timewise"},
        },
    }
    assert_job_name(request, "Clarify-Explainability")


def test_parallel_processor_needs_the_join_column_for_local_shap_values(data_config, model_config):
    """The guide's Spark example: five instances. Saving local SHAP values (the SDK's default) from several
    instances needs DataConfig(joinsource=...) — refused before anything is uploaded."""
    spark_clarify_processor = clarify.SageMakerClarifyProcessor(
        role=role,
        instance_count=5,
        instance_type="ml.c5.xlarge",
        sagemaker_session=sdk_session(),
    )
    with pytest.raises(clarify.ClarifyConfigError) as caught:
        spark_clarify_processor.run_explainability(
            data_config=data_config,
            model_config=clarify.ModelConfig(
                model_name=your_model, instance_type="ml.m4.xlarge", instance_count=5
            ),
            explainability_config=clarify.SHAPConfig(num_clusters=1),
        )
    assert "joinsource_name_or_index" in caught.value.paths
    assert spark_clarify_processor.sagemaker_session.s3_client.calls == []
    assert spark_clarify_processor.sagemaker_session.sagemaker_client.created == []
