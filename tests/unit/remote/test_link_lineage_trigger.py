"""Console link, OpenLineage datasets and the trigger's serialized state (no AWS calls)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from airflow_provider_clarify.links.clarify import ClarifyProcessingJobLink
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "facet_dataset_uri": "s3://facets-bucket/facets/part.csv",
    "facet_headers": ["sex"],
    "methods": {"pre_training_bias": {"methods": "all"}},
}


@pytest.mark.parametrize(
    ("partition", "region", "url"),
    [
        (
            "aws",
            "eu-west-1",
            "https://console.aws.amazon.com/sagemaker/home?region=eu-west-1#/processing-jobs/Clarify-Bias-ab-1",
        ),
        (
            "aws-cn",
            "cn-north-1",
            "https://console.amazonaws.cn/sagemaker/home?region=cn-north-1#/processing-jobs/Clarify-Bias-ab-1",
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/sagemaker/home?region=us-gov-west-1#/processing-jobs/"
            "Clarify-Bias-ab-1",
        ),
    ],
)
def test_console_link_is_partition_aware(partition, region, url):
    link = ClarifyProcessingJobLink()
    domain = ClarifyProcessingJobLink.get_aws_domain(partition)
    assert link.format_link(region_name=region, aws_domain=domain, job_name="Clarify-Bias-ab-1") == url


def test_lineage_inputs_are_every_dataset_read_and_output_is_the_prefix():
    operator = ClarifyOperator(
        task_id="clarify",
        config=CONFIG,
        dataset_uri="s3://data-bucket/adult/",
        output_uri="s3://out-bucket/clarify/run-1/",
        role_arn=ROLE,
        aws_conn_id=None,
        region_name="us-east-1",
    )
    inputs, outputs = operator.lineage_uris()
    assert inputs == [("s3://data-bucket", "adult"), ("s3://facets-bucket", "facets/part.csv")]
    assert outputs == [("s3://out-bucket", "clarify/run-1")]


@pytest.mark.skipif(
    importlib.util.find_spec("airflow.providers.openlineage") is not None,
    reason="the OpenLineage provider is installed: facets are built instead",
)
def test_without_openlineage_the_operator_reports_no_lineage():
    operator = ClarifyOperator(
        task_id="clarify", config=CONFIG, dataset_uri="s3://d/x", output_uri="s3://o/y", role_arn=ROLE
    )
    assert operator.get_openlineage_facets_on_complete(task_instance=None) is None


def test_trigger_round_trips_through_its_serialized_state():
    trigger = ClarifyProcessingJobTrigger(
        "Clarify-Bias-0123456789-2",
        check_interval=15,
        deadline=1_900_000_000.5,
        stop_on_kill=False,
        aws_conn_id="aws_prod",
        region_name="eu-west-1",
        verify=False,
        botocore_config={"retries": {"mode": "standard"}},
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_clarify.triggers.clarify.ClarifyProcessingJobTrigger"
    assert kwargs == {
        "job_name": "Clarify-Bias-0123456789-2",
        "check_interval": 15,
        "deadline": 1_900_000_000.5,
        "stop_on_kill": False,
        "aws_conn_id": "aws_prod",
        "region_name": "eu-west-1",
        "verify": False,
        "botocore_config": {"retries": {"mode": "standard"}},
    }
    rebuilt = ClarifyProcessingJobTrigger(**json.loads(json.dumps(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    hook = rebuilt.hook()
    assert (hook.aws_conn_id, hook.region_name) == ("aws_prod", "eu-west-1")
