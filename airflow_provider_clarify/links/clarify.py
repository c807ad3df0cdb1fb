"""Extra link from a Clarify task to its processing job in the SageMaker console (partition-aware)."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


class ClarifyProcessingJobLink(BaseAwsLink):
    """SageMaker console page of the Clarify processing job (aws, aws-cn and aws-us-gov consoles)."""

    name = "SageMaker Clarify Processing Job"
    key = "clarify_processing_job"
    format_str = BASE_AWS_CONSOLE_LINK + "/sagemaker/home?region={region_name}#/processing-jobs/{job_name}"
