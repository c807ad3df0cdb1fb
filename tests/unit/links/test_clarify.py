"""The console link to a Clarify processing job, in every AWS partition."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.links.clarify import ClarifyProcessingJobLink

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
