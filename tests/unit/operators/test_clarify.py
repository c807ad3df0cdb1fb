"""ClarifyOperator planning: every bad argument and config fails before any AWS call, naming what to fix; image
jobs upload their output continuously."""

from __future__ import annotations

import copy

import pytest

from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError
from airflow_provider_clarify.hooks.job_request import build_processing_job_request
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from tests.unit.hooks.test_job_request import CSV_BIAS, DATA, OUT, ROLE, request_for


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"role_arn": None}, "role_arn is required"),
        ({"role_arn": "ClarifyRole"}, "role_arn must be an IAM role ARN"),
        ({"output_uri": "/tmp/out"}, "output_uri must be an S3 URI"),
        ({"output_uri": "s3:///no-bucket"}, "output_uri has no bucket"),
        ({"dataset_uri": None}, "dataset_uri is missing"),
        ({"dataset_uri": "https://example.com/data.csv"}, "dataset_uri must be an S3 URI"),
        ({"config_uri": "gs://bucket/x"}, "config_uri must be an S3 URI"),
        ({"instance_count": 0}, "instance_count must be a positive integer"),
        ({"volume_size_in_gb": "lots"}, "volume_size_in_gb must be a positive integer"),
        ({"max_runtime_in_seconds": -5}, "max_runtime_in_seconds must be a positive integer"),
        ({"network_config": {"VpcConfig": {"Subnets": ["s"]}}}, "VpcConfig must hold exactly"),
        ({"network_config": {"EnableNetworkIsolaton": True}}, "unknown keys"),
        ({"tags": [{"Name": "x"}]}, r"tags\[0\] must be a dict"),
        ({"job_name": "bad_name!"}, "job_name 'bad_name!' is not a valid"),
        (
            {"region_name": "mars-north-1"},
            "no processing image in region 'mars-north-1'. Supported regions: af-south-1",
        ),
    ],
)
def test_bad_argument_fails_in_planning(arguments, message):
    base = {"output_uri": OUT, "role_arn": ROLE, "dataset_uri": DATA, "region_name": "us-east-1"}
    operator = ClarifyOperator(task_id="t", config=CSV_BIAS, aws_conn_id=None, **{**base, **arguments})
    with pytest.raises(ClarifyInvalidConfigError, match=message):
        operator.plan_job()


def test_invalid_config_fails_with_its_json_path():
    bad = {**CSV_BIAS, "methods": {"pre_training_bias": {"methods": ["NOT_A_METRIC"]}}}
    operator = ClarifyOperator(
        task_id="t",
        config=bad,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=DATA,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    with pytest.raises(ClarifyInvalidConfigError, match=r"methods\.pre_training_bias\.methods") as caught:
        operator.plan_job()
    assert caught.value.problems


def test_model_method_without_model_fails():
    config = {**CSV_BIAS, "methods": {"post_training_bias": {"methods": "all"}}}
    operator = ClarifyOperator(
        task_id="t",
        config=config,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=DATA,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    with pytest.raises(ClarifyInvalidConfigError, match="predict"):
        operator.plan_job()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            {"methods": {"shap": {"baseline": [[1, 2, 3]], "save_local_shap_values": True}}},
            "local SHAP values written from 2 instances",
        ),
        (
            {
                "predicted_label_dataset_uri": "s3://b/preds/",
                "predicted_label_headers": ["pred"],
                "predicted_label": "pred",
            },
            "facet/predicted-label dataset are joined",
        ),
    ],
)
def test_distributed_mode_requires_joinsource(extra, reason):
    config = {
        **CSV_BIAS,
        "predictor": {"endpoint_name": "e"},
        **extra,
    }
    operator = ClarifyOperator(
        task_id="t",
        config=config,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=DATA,
        aws_conn_id=None,
        region_name="us-east-1",
        instance_count=2,
    )
    with pytest.raises(ClarifyInvalidConfigError, match=f"joinsource_name_or_index: required: .*{reason}"):
        operator.plan_job()
    # One instance needs no join column.
    operator.instance_count = 1
    operator.plan_job()


def test_rendered_json_strings_for_dict_arguments_are_parsed():
    actual = request_for(
        CSV_BIAS,
        tags='{"team": "ml"}',
        environment='{"A": "1"}',
        network_config='{"EnableNetworkIsolation": true}',
    )
    assert actual["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert actual["Environment"] == {"A": "1"}
    assert actual["NetworkConfig"] == {"EnableNetworkIsolation": True}
    with pytest.raises(ClarifyInvalidConfigError, match="tags is a string that is not JSON"):
        request_for(CSV_BIAS, tags="team=ml")


def test_local_engine_predictor_is_refused_for_a_managed_job():
    """``predictor.local_predictor`` is a local-engine extension (reference §2.4): it must never reach the container."""
    config = {
        **CSV_BIAS,
        "methods": {"post_training_bias": {"methods": "all"}},
        "predictor": {"local_predictor": "my_models:predict"},
    }
    operator = ClarifyOperator(
        task_id="t",
        config=config,
        output_uri=OUT,
        role_arn=ROLE,
        dataset_uri=DATA,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    with pytest.raises(ClarifyInvalidConfigError, match=r"predictor\.local_predictor") as caught:
        operator.plan_job()
    assert "predictor.local_predictor" in {problem.path for problem in caught.value.problems}


@pytest.mark.parametrize("argument", ["tags", "environment", "network_config"])
def test_a_deeply_nested_rendered_argument_is_a_config_error(argument):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ClarifyInvalidConfigError, match=f"{argument}: the value is nested more than 32"):
        request_for(CSV_BIAS, **{argument: deep})
    with pytest.raises(ClarifyInvalidConfigError, match=f"{argument}: the value is nested more than 32"):
        request_for(CSV_BIAS, **{argument: "[" * 40 + "]" * 40})


# ------------------------------------------------------------------------------------------ computer vision
IMAGES = "s3://data-bucket/pets/"
IMAGES_OUT = "s3://out-bucket/clarify/pets"
CV_CONFIG = {
    "dataset_type": "application/x-image",
    "methods": {
        "shap": {
            "num_samples": 100,
            "image_config": {"model_type": "IMAGE_CLASSIFICATION", "num_segments": 20},
        },
        "report": {"name": "report"},
    },
    "predictor": {
        "model_name": "pets",
        "instance_type": "ml.p3.2xlarge",
        "initial_instance_count": 1,
        "content_type": "image/jpeg",
        "label_headers": ["cat", "dog"],
    },
}


def image_operator(config: dict) -> ClarifyOperator:
    return ClarifyOperator(
        task_id="clarify",
        config=config,
        output_uri=IMAGES_OUT,
        role_arn=ROLE,
        dataset_uri=IMAGES,
        aws_conn_id=None,
        region_name="us-east-1",
    )


def test_image_job_streams_its_output_and_reads_the_image_prefix():
    request = build_processing_job_request(image_operator(CV_CONFIG).plan_job().spec, "Pets-1")
    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"] == {
        "S3Uri": IMAGES_OUT,
        "LocalPath": "/opt/ml/processing/output",
        "S3UploadMode": "Continuous",
    }
    dataset = request["ProcessingInputs"][0]
    assert dataset["InputName"] == "dataset" and dataset["S3Input"]["S3Uri"] == IMAGES


def test_an_image_baseline_on_the_workers_disk_fails_in_planning():
    config = copy.deepcopy(CV_CONFIG)
    config["methods"]["shap"]["baseline"] = "/opt/airflow/masks/grey.png"
    with pytest.raises(ClarifyInvalidConfigError, match="is not an s3:// URI") as caught:
        image_operator(config).plan_job()
    assert [problem.path for problem in caught.value.problems] == ["methods.shap.baseline"]
    config["methods"]["shap"]["baseline"] = "s3://data-bucket/masks/grey.png"
    assert image_operator(config).plan_job().config.methods.shap.baseline == "s3://data-bucket/masks/grey.png"


def test_an_image_config_without_label_headers_fails_in_planning():
    config = {
        **CV_CONFIG,
        "predictor": {k: v for k, v in CV_CONFIG["predictor"].items() if k != "label_headers"},
    }
    with pytest.raises(ClarifyInvalidConfigError, match=r"predictor\.label_headers") as caught:
        image_operator(config).plan_job()
    assert [problem.path for problem in caught.value.problems] == ["predictor.label_headers"]
