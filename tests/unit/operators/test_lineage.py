"""OpenLineage datasets of both operators: what was read, where it was written, with and without the provider."""

from __future__ import annotations

import sys

import pytest

from airflow_provider_clarify.operators.clarify import ClarifyOperator

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


def test_lineage_inputs_are_every_dataset_read_and_outputs_are_the_prefix_and_its_analysis_json():
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
    assert outputs == [
        ("s3://out-bucket", "clarify/run-1"),
        ("s3://out-bucket", "clarify/run-1/analysis.json"),
    ]


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
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        ("s3://out-bucket", "clarify/run-7"),
        ("s3://out-bucket", "clarify/run-7/analysis.json"),
    ]


def test_without_openlineage_the_operator_reports_no_lineage(monkeypatch):
    """The provider is optional: when its modules cannot be imported, the operator reports nothing."""
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)
    operator = ClarifyOperator(
        task_id="clarify", config=CONFIG, dataset_uri="s3://d/x", output_uri="s3://o/y", role_arn=ROLE
    )
    assert operator.get_openlineage_facets_on_complete(task_instance=None) is None


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
    from airflow_provider_clarify.operators.lineage import dataset_name

    assert dataset_name(uri) == expected


def test_lineage_input_is_the_configs_dataset_uri_when_it_overrides_the_input():
    """The container reads the config's dataset_uri instead of the dataset input (reference §2): lineage says so."""
    operator = ClarifyOperator(
        task_id="clarify",
        config={**CONFIG, "dataset_uri": "s3://config-bucket/read/this.csv"},
        dataset_uri="s3://data-bucket/adult/",
        output_uri="s3://out-bucket/clarify/run-1/",
        role_arn=ROLE,
    )
    inputs, _ = operator.lineage_uris()
    assert inputs[0] == ("s3://config-bucket", "read/this.csv")
