"""Console link, OpenLineage datasets and the trigger's serialized state (no AWS calls)."""

from __future__ import annotations

import json
import sys

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


def test_openlineage_extractor_reports_the_datasets_of_a_builder_config():
    """The OpenLineage provider's own extractor manager (what its listener calls) finds our facets method."""
    import types

    from airflow.providers.openlineage.extractors.manager import ExtractorManager
    from airflow.utils.state import TaskInstanceState

    from airflow_provider_clarify.config.builders import BiasConfig, DataConfig

    data = DataConfig(
        s3_data_input_path="s3://data-bucket/adult/train.csv",
        s3_output_path="s3://out-bucket/clarify/run-7",
        label="income",
    )
    bias = BiasConfig(
        label_values_or_threshold=[">50K"], facet_name="sex", facet_values_or_threshold=["Female"]
    )
    operator = ClarifyOperator(
        task_id="clarify", config=[data, bias], role_arn=ROLE, aws_conn_id=None, region_name="us-east-1"
    )
    lineage = ExtractorManager().extract_metadata(
        types.SimpleNamespace(run_id="run-7"), operator, TaskInstanceState.SUCCESS, task_instance=None
    )
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("s3://data-bucket", "adult/train.csv")]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("s3://out-bucket", "clarify/run-7")]


def test_without_openlineage_the_operator_reports_no_lineage(monkeypatch):
    """The provider is optional: when its modules cannot be imported, the operator reports nothing."""
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)
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


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket/a/b/", ("s3://bucket", "a/b")),
        ("s3://bucket", ("s3://bucket", "/")),
        ("/data/adult.csv", ("file", "/data/adult.csv")),
        ("gs://bucket/x", None),
        ("", None),
        (None, None),
    ],
)
def test_dataset_names_follow_openlineage_naming(uri, expected):
    from airflow_provider_clarify.operators._lineage import dataset_name

    assert dataset_name(uri) == expected


def test_lineage_input_is_the_configs_dataset_uri_when_it_overrides_the_input():
    """The container reads the config's dataset_uri instead of the dataset input (SPEC §2): lineage says so."""
    operator = ClarifyOperator(
        task_id="clarify",
        config={**CONFIG, "dataset_uri": "s3://config-bucket/read/this.csv"},
        dataset_uri="s3://data-bucket/adult/",
        output_uri="s3://out-bucket/clarify/run-1/",
        role_arn=ROLE,
    )
    inputs, _ = operator.lineage_uris()
    assert inputs[0] == ("s3://config-bucket", "read/this.csv")
