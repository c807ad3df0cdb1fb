"""The CreateProcessingJob request for the reference §15 scenarios and the SDK's time-series example, field by field,
against hand-written dicts.

Each scenario goes through the operator's own planning (config validation, argument checks, defaults) and the
pure request builder; the expected request is written out by hand from reference §15 (and, for time series, from what
SDK 2.257.x sends), never computed by our code."""

from __future__ import annotations

import copy

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
from airflow_provider_clarify.hooks.job_request import (
    ClarifyJobRequestError,
    ProcessingJobSpec,
    build_processing_job_request,
    default_job_name_prefix,
    upload_mode,
)
from airflow_provider_clarify.operators.clarify import ClarifyOperator

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
IMAGE_US_EAST_1 = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
DATA = "s3://data-bucket/adult/train.csv"
OUT = "s3://out-bucket/clarify/run-1"

# reference §15, every optional part left out; scenarios add to a deep copy of this.
SPEC_REQUEST = {
    "ProcessingJobName": "Job-1",
    "ProcessingResources": {
        "ClusterConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    },
    "AppSpecification": {"ImageUri": IMAGE_US_EAST_1},
    "RoleArn": ROLE,
    "ProcessingInputs": [
        {
            "InputName": "dataset",
            "AppManaged": False,
            "S3Input": {
                "S3Uri": DATA,
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
                "S3Uri": "s3://out-bucket/clarify/run-1/analysis_config.json",
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
                    "S3Uri": OUT,
                    "LocalPath": "/opt/ml/processing/output",
                    "S3UploadMode": "EndOfJob",
                },
            }
        ]
    },
}

CSV_BIAS = {
    "dataset_type": "text/csv",
    "headers": ["age", "sex", "hours", "income"],
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": "all"}},
}


def expected(**changes) -> dict:
    request = copy.deepcopy(SPEC_REQUEST)
    request.update(changes)
    return request


def request_for(config, *, job_name="Job-1", **operator_arguments) -> dict:
    arguments = {"output_uri": OUT, "role_arn": ROLE, "dataset_uri": DATA, **operator_arguments}
    operator = ClarifyOperator(
        task_id="clarify", config=config, aws_conn_id=None, region_name="us-east-1", **arguments
    )
    plan = operator.plan_job()
    return build_processing_job_request(plan.spec, job_name)


def assert_same_request(actual: dict, wanted: dict) -> None:
    """Field by field first (readable failures), then the whole dict (no extra fields)."""
    for key in wanted:
        assert actual.get(key) == wanted[key], key
    assert sorted(actual) == sorted(wanted)
    assert actual == wanted


def test_csv_pre_training_bias():
    assert_same_request(request_for(CSV_BIAS), expected())


def test_post_training_bias_with_model_name():
    config = {
        **CSV_BIAS,
        "methods": {"post_training_bias": {"methods": ["DPPL", "DI"]}},
        "predictor": {"model_name": "xgb-model", "instance_type": "ml.m5.large", "initial_instance_count": 1},
    }
    assert_same_request(request_for(config), expected())


def test_shap():
    config = {
        "dataset_type": "text/csv",
        "headers": ["age", "hours", "income"],
        "label": "income",
        "methods": {"shap": {"baseline": [[30, 40]], "num_samples": 50, "agg_method": "mean_abs"}},
        "predictor": {"endpoint_name": "my-endpoint", "probability": 0},
    }
    assert_same_request(request_for(config), expected())


def test_pdp():
    config = {
        "dataset_type": "text/csv",
        "headers": ["age", "hours", "income"],
        "label": "income",
        "methods": {"pdp": {"features": ["age"], "grid_resolution": 10}},
        "predictor": {"endpoint_name": "my-endpoint"},
    }
    assert_same_request(request_for(config), expected())


def test_json_lines():
    config = {
        "dataset_type": "application/jsonlines",
        "features": "features",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "methods": {"pre_training_bias": {"methods": "all"}},
    }
    data = "s3://data-bucket/lines/"
    wanted = expected()
    wanted["ProcessingInputs"][0]["S3Input"]["S3Uri"] = data
    assert_same_request(request_for(config, dataset_uri=data), wanted)


def test_nlp_text_explanations():
    config = {
        "dataset_type": "text/csv",
        "headers": ["review", "rating"],
        "label": "rating",
        "methods": {
            "shap": {
                "baseline": [["<UNK>"]],
                "text_config": {"granularity": "token", "language": "english"},
            }
        },
        "predictor": {"endpoint_name": "sentiment", "content_type": "text/csv"},
    }
    assert_same_request(request_for(config), expected())


def test_multiple_facets():
    config = {
        **CSV_BIAS,
        "facet": [
            {"name_or_index": "sex", "value_or_threshold": ["Female"]},
            {"name_or_index": "age", "value_or_threshold": [40]},
        ],
    }
    assert_same_request(request_for(config), expected())


def test_joinsource_with_facet_dataset_in_distributed_mode():
    config = {
        **CSV_BIAS,
        "headers": ["id", "age", "hours", "income"],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
        "facet_dataset_uri": "s3://data-bucket/facets/",
        "facet_headers": ["id", "sex"],
        "joinsource_name_or_index": "id",
    }
    wanted = expected()
    wanted["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = 2
    assert_same_request(request_for(config, instance_count=2), wanted)


def test_instance_count_two():
    wanted = expected()
    wanted["ProcessingResources"]["ClusterConfig"].update(InstanceCount=2, InstanceType="ml.m5.xlarge")
    assert_same_request(request_for(CSV_BIAS, instance_count=2, instance_type="ml.m5.xlarge"), wanted)


def test_kms_vpc_tags_environment_stopping_condition_and_config_prefix():
    network = {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-0abc"], "Subnets": ["subnet-1", "subnet-2"]},
    }
    actual = request_for(
        CSV_BIAS,
        output_uri=OUT + "/",
        config_uri="s3://config-bucket/configs/",
        volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/volume",
        output_kms_key="arn:aws:kms:us-east-1:123456789012:key/output",
        network_config=network,
        environment={"LOG_LEVEL": "debug"},
        max_runtime_in_seconds=3600,
        tags={"team": "ml", "cost-center": "42"},
        volume_size_in_gb=100,
    )
    wanted = expected(
        NetworkConfig={
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-0abc"], "Subnets": ["subnet-1", "subnet-2"]},
        },
        Environment={"LOG_LEVEL": "debug"},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Tags=[{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "42"}],
    )
    wanted["ProcessingResources"]["ClusterConfig"].update(
        VolumeSizeInGB=100, VolumeKmsKeyId="arn:aws:kms:us-east-1:123456789012:key/volume"
    )
    wanted["ProcessingOutputConfig"]["KmsKeyId"] = "arn:aws:kms:us-east-1:123456789012:key/output"
    wanted["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] = OUT + "/"
    # One slash between prefix and file name, whatever the prefix ends with (the SDK writes two).
    wanted["ProcessingInputs"][1]["S3Input"]["S3Uri"] = "s3://config-bucket/configs/analysis_config.json"
    assert_same_request(actual, wanted)


def test_dataset_uri_from_the_config_when_not_given():
    config = {**CSV_BIAS, "dataset_uri": "s3://data-bucket/from-config/"}
    wanted = expected()
    wanted["ProcessingInputs"][0]["S3Input"]["S3Uri"] = "s3://data-bucket/from-config/"
    assert_same_request(request_for(config, dataset_uri=None), wanted)


def test_explicit_image_uri_wins_and_other_regions_get_their_image():
    mirror = "111122223333.dkr.ecr.us-east-1.amazonaws.com/my-clarify:1.0"
    assert request_for(CSV_BIAS, image_uri=mirror)["AppSpecification"] == {"ImageUri": mirror}
    operator = ClarifyOperator(
        task_id="t",
        config=CSV_BIAS,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=DATA,
        aws_conn_id=None,
        region_name="cn-north-1",
    )
    assert operator.plan_job().spec.image_uri == (
        "122526803553.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-clarify-processing:1.0"
    )


def test_image_upload_mode_is_continuous():
    assert upload_mode("application/x-image") == "Continuous"
    assert upload_mode("text/csv") == "EndOfJob"
    assert upload_mode(None) == "EndOfJob"


def test_spec_types_rendered_arguments_once():
    """Template-rendered strings become numbers, tags (key, value) pairs; the request lays them out."""
    spec = ProcessingJobSpec.checked(
        image_uri=IMAGE_US_EAST_1,
        role_arn=ROLE,
        dataset_uri=DATA,
        config_uri=OUT + "/analysis_config.json",
        output_uri=OUT,
        instance_count="2",
        volume_size_in_gb=" 50 ",
        max_runtime_in_seconds="600",
        tags=[{"Key": "team", "Value": 7}],
        environment={"N": 1},
    )
    assert (spec.instance_count, spec.volume_size_in_gb, spec.max_runtime_in_seconds) == (2, 50, 600)
    assert spec.tags == (("team", "7"),) and spec.environment == {"N": "1"}
    wanted = expected(
        StoppingCondition={"MaxRuntimeInSeconds": 600},
        Tags=[{"Key": "team", "Value": "7"}],
        Environment={"N": "1"},
    )
    wanted["ProcessingResources"]["ClusterConfig"].update(InstanceCount=2, VolumeSizeInGB=50)
    assert_same_request(build_processing_job_request(spec, "Job-1"), wanted)


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("instance_count", True, "instance_count must be a positive integer, got True"),
        ("instance_count", "1.5", "instance_count must be a positive integer"),
        ("config_uri", "s3://", "config_uri has no bucket name"),
        ("dataset_uri", "/data.csv", "dataset_uri must be an S3 URI"),
    ],
)
def test_spec_refuses_bad_arguments_by_name(argument, value, message):
    arguments = {
        "image_uri": IMAGE_US_EAST_1,
        "role_arn": ROLE,
        "dataset_uri": DATA,
        "config_uri": OUT + "/analysis_config.json",
        "output_uri": OUT,
        argument: value,
    }
    with pytest.raises(ClarifyJobRequestError, match=message):
        ProcessingJobSpec.checked(**arguments)


def _spec(**arguments) -> ProcessingJobSpec:
    base = {
        "image_uri": IMAGE_US_EAST_1,
        "role_arn": ROLE,
        "dataset_uri": DATA,
        "config_uri": OUT + "/analysis_config.json",
        "output_uri": OUT,
    }
    return ProcessingJobSpec.checked(**{**base, **arguments})


# The CreateProcessingJob limits as the SageMaker API reference states them (written out here, not read from
# botocore, so the test checks that the operator really applies what botocore's model says).
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"instance_type": "ml.c5.xlarg"},
            r"instance_type 'ml\.c5\.xlarg' is not a .* did you mean 'ml\.c5\.xlarge'",
        ),
        ({"instance_type": "m5.xlarge"}, r"'m5\.xlarge' is not a SageMaker processing instance type"),
        ({"instance_type": 4}, "instance_type must be a string"),
        ({"environment": {"B": None}}, r"environment\['B'\] must be a string, got NoneType None"),
        ({"environment": {"FLAG": True}}, r"environment\['FLAG'\] must be a string, got bool True .*'true'"),
        ({"environment": {"NESTED": {"a": 1}}}, r"environment\['NESTED'\] must be a string, got dict"),
        ({"environment": {"MY-VAR": "x"}}, r"environment variable name 'MY-VAR' 'MY-VAR' does not match"),
        ({"environment": {"1ST": "x"}}, "does not match the API's pattern"),
        (
            {"environment": {"V": "x" * 257}},
            r"environment\['V'\] .* is 257 characters long, more than the 256",
        ),
        (
            {"environment": {f"V{i}": "x" for i in range(101)}},
            "environment has 101 entries; the API accepts at most 100",
        ),
        ({"environment": ["A=1"]}, "environment must be a {name: value} mapping"),
        ({"tags": {"team": None}}, r"tags\['team'\] \(key 'team'\) value must be a string, got NoneType"),
        (
            {"tags": [{"Key": "team", "Value": {"nested": 1}}]},
            r"tags\[0\] \(key 'team'\) value must be a string, got dict",
        ),
        ({"tags": {"k" * 129: "v"}}, r"key .* is 129 characters long, more than the 128"),
        ({"tags": {"": "v"}}, "is shorter than 1 character"),
        ({"tags": {"cost*center": "v"}}, r"key 'cost\*center' does not match the API's pattern"),
        ({"tags": {"team": "ml;drop"}}, r"value 'ml;drop' does not match"),
        ({"tags": {f"t{i}": "v" for i in range(51)}}, "tags has 51 entries; the API accepts at most 50"),
        ({"tags": "team=ml"}, "tags must be a {key: value} mapping or a list"),
    ],
)
def test_api_limits_are_checked_before_any_upload(arguments, message):
    with pytest.raises(ClarifyJobRequestError, match=message):
        _spec(**arguments)


def test_values_the_api_accepts_pass_unchanged():
    spec = _spec(
        instance_type="ml.m5.xlarge",
        environment={"LOG_LEVEL": "debug", "_X1": "", "N": 3, "URL": "a b\tc\n" + "é" * 200},
        tags={"Équipe ML": "données 2024", "a.b:c/d=e+f-g@h": "x" * 256, "n": 7},
    )
    assert spec.instance_type == "ml.m5.xlarge"
    assert spec.environment == {"LOG_LEVEL": "debug", "_X1": "", "N": "3", "URL": "a b\tc\n" + "é" * 200}
    assert spec.tags == (("Équipe ML", "données 2024"), ("a.b:c/d=e+f-g@h", "x" * 256), ("n", "7"))


# ------------------------------------------------------------------------------------------------ time series
# The managed path for forecasting explanations: ClarifyOperator sends what the SageMaker SDK sends. For the
# builder arguments of the Clarify documentation's DeepAR example, the SDK's run_explainability uploads this
# analysis_config.json (typed out by hand from SDK 2.257.x) and creates a processing job with the reference §15
# request under the prefix Clarify-Explainability.
RECORD = (
    '{"start": $start_time, "target": $target_time_series, "dynamic_feat": $related_time_series, '
    '"cat": $static_covariates}'
)


def time_series_builders():
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


SDK_TIME_SERIES_CONFIG = {
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

SDK_TIME_SERIES_REQUEST = {
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
        config=time_series_builders(),
        role_arn=ROLE,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    plan = operator.plan_job()
    assert plan.config.to_dict() == SDK_TIME_SERIES_CONFIG
    assert default_job_name_prefix(plan.config.methods.names) == "Clarify-Explainability"
    request = build_processing_job_request(plan.spec, "Clarify-Explainability-1")
    for key, value in SDK_TIME_SERIES_REQUEST.items():
        assert request.get(key) == value, key
    assert request == SDK_TIME_SERIES_REQUEST


def test_time_series_with_bias_is_refused_before_any_upload():
    document = {
        **SDK_TIME_SERIES_CONFIG,
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
