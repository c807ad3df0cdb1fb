"""Both operators accept the drop-in's config objects, and the managed processor sends ClarifyOperator's request.

For the same objects the processor and the operator upload the same document and build the same CreateProcessingJob
request (the processor names its job the SDK's way, so the name is set equal here). No AWS call: the operator's and
the processor's planning only.
"""

from __future__ import annotations

from airflow_provider_clarify import clarify
from airflow_provider_clarify.config import AnalysisConfigBuilder
from airflow_provider_clarify.hooks.job_request import build_processing_job_request
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from tests.unit.clarify.fake_aws import sdk_session

ROLE = "arn:aws:iam::123456789012:role/Clarify"


def objects():
    data = clarify.DataConfig(
        s3_data_input_path="s3://bucket/in/adult.csv",
        s3_output_path="s3://bucket/out",
        s3_analysis_config_output_path="s3://bucket/configs",
        label="income",
        headers=["age", "sex", "income"],
    )
    bias = clarify.BiasConfig([1], "sex", [0])
    model = clarify.ModelConfig(endpoint_name="adult", content_type="text/csv", accept_type="text/csv")
    labels = clarify.ModelPredictedLabelConfig(probability=0, probability_threshold=0.6)
    shap = clarify.SHAPConfig(
        baseline=[[40, 1]], num_samples=16, agg_method="mean_abs", save_local_shap_values=False
    )
    return data, bias, model, labels, shap


def test_the_managed_processor_builds_the_operator_s_request_for_the_same_objects():
    data, bias, model, labels, shap = objects()
    job = {
        "instance_count": 2,
        "instance_type": "ml.m5.xlarge",
        "volume_size_in_gb": 40,
        "output_kms_key": "k",
    }
    operator = ClarifyOperator(
        task_id="clarify",
        config=[data, bias, model, labels, shap],
        role_arn=ROLE,
        aws_conn_id=None,
        region_name="us-east-1",
        tags={"team": "ml"},
        **job,
    )
    plan = operator.plan_job()
    processor = clarify.SageMakerClarifyProcessor(
        role=ROLE, sagemaker_session=sdk_session(), tags={"team": "ml"}, **job
    )
    config, spec, prefix = processor.plan(
        AnalysisConfigBuilder.bias_and_explainability(
            data, model, shap, bias, model_predicted_label_config=labels
        ),
        "Clarify-Bias-And-Explainability-1",
    )
    assert config.to_dict() == plan.config.to_dict()
    assert prefix == plan.config_prefix == "s3://bucket/configs"
    assert build_processing_job_request(spec, "job-1") == build_processing_job_request(plan.spec, "job-1")


def test_the_local_operator_accepts_the_objects_and_their_locations():
    data, bias, model, labels, shap = objects()
    operator = LocalClarifyOperator(
        task_id="local", config=[data, bias, model, labels, shap], predictor=lambda body: body
    )
    config = operator.resolve_analysis_config()
    assert config.job_io.dataset_uri == "s3://bucket/in/adult.csv"
    assert config.job_io.output_uri == "s3://bucket/out"
    assert set(config.methods.names) == {"report", "pre_training_bias", "post_training_bias", "shap"}
