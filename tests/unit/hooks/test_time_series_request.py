"""The managed path for forecasting explanations: ClarifyOperator sends what the SageMaker SDK sends.

For the builder arguments of the Clarify documentation's DeepAR example, the SDK's
``SageMakerClarifyProcessor.run_explainability`` uploads this ``analysis_config.json`` (typed out by hand from
SDK 2.257.x: DataConfig fields, then ``predictor`` from ModelConfig with ``time_series_predictor_config``, then
``methods`` with the report it always adds and ``asymmetric_shapley_value``) and creates a processing job with
the SPEC §15 request under the prefix ``Clarify-Explainability``. Nothing here calls AWS: the operator's own
planning is run and the request is built by the pure request builder.
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import (
    AsymmetricShapleyValueConfig,
    DataConfig,
    ModelConfig,
    TimeSeriesDataConfig,
    TimeSeriesJSONDatasetFormat,
    TimeSeriesModelConfig,
)
from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError
from airflow_provider_clarify.hooks.job_request import build_processing_job_request, default_job_name_prefix
from airflow_provider_clarify.operators.clarify import ClarifyOperator

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
RECORD = (
    '{"start": $start_time, "target": $target_time_series, "dynamic_feat": $related_time_series, '
    '"cat": $static_covariates}'
)


def builders():
    data = DataConfig(
        s3_data_input_path="s3://bucket/deepar/data/time_series_mock_data.json",
        s3_output_path="s3://bucket/deepar/output",
        dataset_type="application/json",
        headers=[
            "item_id",
            "timestamp",
            "target_value",
            "dynamic_feature_1",
            "dynamic_feature_2",
            "static_feature_1",
        ],
        time_series_data_config=TimeSeriesDataConfig(
            target_time_series="[].target_value",
            item_id="[].item_id",
            timestamp="[].timestamp",
            related_time_series=["[].dynamic_feature_1", "[].dynamic_feature_2"],
            static_covariates=["[].static_feature_1"],
            dataset_format=TimeSeriesJSONDatasetFormat.TIMESTAMP_RECORDS,
        ),
    )
    model = ModelConfig(
        endpoint_name="DeepArTest",
        content_type="application/json",
        accept_type="application/json",
        content_template='{"instances": $records}',
        record_template=RECORD,
        time_series_model_config=TimeSeriesModelConfig(forecast="predictions[*].mean"),
    )
    method = AsymmetricShapleyValueConfig(
        direction="chronological",
        granularity="fine_grained",
        num_samples=9,
        baseline={
            "target_time_series": "zero",
            "related_time_series": "zero",
            "static_covariates": {"mosfets": [0], "interpol": [1]},
        },
    )
    return [data, model, method]


SDK_ANALYSIS_CONFIG = {
    "dataset_type": "application/json",
    "headers": [
        "item_id",
        "timestamp",
        "target_value",
        "dynamic_feature_1",
        "dynamic_feature_2",
        "static_feature_1",
    ],
    "time_series_data_config": {
        "target_time_series": "[].target_value",
        "item_id": "[].item_id",
        "timestamp": "[].timestamp",
        "related_time_series": ["[].dynamic_feature_1", "[].dynamic_feature_2"],
        "static_covariates": ["[].static_feature_1"],
        "dataset_format": "timestamp_records",
    },
    "predictor": {
        "endpoint_name": "DeepArTest",
        "accept_type": "application/json",
        "content_type": "application/json",
        "content_template": '{"instances": $records}',
        "record_template": RECORD,
        "time_series_predictor_config": {"forecast": "predictions[*].mean"},
    },
    "methods": {
        "report": {"name": "report", "title": "Analysis Report"},
        "asymmetric_shapley_value": {
            "direction": "chronological",
            "granularity": "fine_grained",
            "num_samples": 9,
            "baseline": {
                "target_time_series": "zero",
                "related_time_series": "zero",
                "static_covariates": {"mosfets": [0], "interpol": [1]},
            },
        },
    },
}

SDK_REQUEST = {
    "ProcessingJobName": "Clarify-Explainability-1",
    "ProcessingResources": {
        "ClusterConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    },
    "AppSpecification": {
        "ImageUri": "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
    },
    "RoleArn": ROLE,
    "ProcessingInputs": [
        {
            "InputName": "dataset",
            "AppManaged": False,
            "S3Input": {
                "S3Uri": "s3://bucket/deepar/data/time_series_mock_data.json",
                "LocalPath": "/opt/ml/processing/input/data",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        },
        {
            "InputName": "analysis_config",
            "AppManaged": False,
            "S3Input": {
                "S3Uri": "s3://bucket/deepar/output/analysis_config.json",
                "LocalPath": "/opt/ml/processing/input/config",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        },
    ],
    "ProcessingOutputConfig": {
        "Outputs": [
            {
                "OutputName": "analysis_result",
                "AppManaged": False,
                "S3Output": {
                    "S3Uri": "s3://bucket/deepar/output",
                    "LocalPath": "/opt/ml/processing/output",
                    "S3UploadMode": "EndOfJob",
                },
            }
        ]
    },
}


def test_clarify_operator_request_and_config_equal_the_sdks():
    operator = ClarifyOperator(
        task_id="explain_forecasts",
        config=builders(),
        role_arn=ROLE,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    plan = operator.plan_job()
    assert plan.config.to_dict() == SDK_ANALYSIS_CONFIG
    assert default_job_name_prefix(plan.config.methods.names) == "Clarify-Explainability"
    request = build_processing_job_request(plan.spec, "Clarify-Explainability-1")
    for key, value in SDK_REQUEST.items():
        assert request.get(key) == value, key
    assert request == SDK_REQUEST


def test_time_series_with_bias_is_refused_before_any_upload():
    document = {
        **SDK_ANALYSIS_CONFIG,
        "label": "target_value",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "x"}],
    }
    document["methods"] = {**document["methods"], "pre_training_bias": {"methods": "all"}}
    operator = ClarifyOperator(
        task_id="t",
        config=document,
        role_arn=ROLE,
        aws_conn_id=None,
        region_name="us-east-1",
        dataset_uri="s3://bucket/data.json",
        output_uri="s3://bucket/out",
    )
    with pytest.raises(ClarifyInvalidConfigError, match="bias metrics are not supported for time series"):
        operator.plan_job()
