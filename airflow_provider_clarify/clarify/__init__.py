"""A drop-in for the SageMaker Python SDK's ``sagemaker.clarify`` module.

Code written for the SDK runs after changing only its import line::

    from airflow_provider_clarify import clarify      # was: from sagemaker import clarify

    processor = clarify.SageMakerClarifyProcessor(role=role, instance_count=1, instance_type="ml.c5.xlarge",
                                                   sagemaker_session=session)
    processor.run_bias(data_config, bias_config, model_config, predicted_label_config)

The config classes are the config layer's builders (one implementation, with the SDK's names, order, defaults and
refusals); the analysis configs they produce are the SDK's. Two processors take the SDK's processor interface:
:class:`SageMakerClarifyProcessor` launches the managed Clarify job as the SDK does, and
:class:`LocalClarifyProcessor` runs the same analysis in this process with the local engine (no job, no
container). Both operators (``ClarifyOperator``, ``LocalClarifyOperator``) accept these config objects too.

This module imports neither Airflow nor the SageMaker SDK.
"""

from __future__ import annotations

from enum import Enum

from airflow_provider_clarify.clarify.jobs import ClarifyJobFailedError, ClarifyProcessingJob
from airflow_provider_clarify.clarify.local import LocalClarifyJob, LocalClarifyProcessor
from airflow_provider_clarify.clarify.managed import SageMakerClarifyProcessor
from airflow_provider_clarify.config.builders import (
    BiasConfig,
    DataConfig,
    ExplainabilityConfig,
    ImageConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    PDPConfig,
    SegmentationConfig,
    SHAPConfig,
    TextConfig,
)
from airflow_provider_clarify.config.builders_time_series import (
    AsymmetricShapleyValueConfig,
    TimeSeriesDataConfig,
    TimeSeriesJSONDatasetFormat,
    TimeSeriesModelConfig,
)
from airflow_provider_clarify.config.errors import ClarifyConfigError
from airflow_provider_clarify.config.sdk_rules import ENDPOINT_NAME_PREFIX
from airflow_provider_clarify.contract import CSV, IMAGE, JSON, JSON_LINES, PARQUET
from airflow_provider_clarify.hooks.job_request import upload_mode

ENDPOINT_NAME_PREFIX_PATTERN = ENDPOINT_NAME_PREFIX.pattern
ASYM_SHAP_VAL_DEFAULT_EXPLANATION_DIRECTION = "chronological"
ASYM_SHAP_VAL_DEFAULT_EXPLANATION_GRANULARITY = "timewise"
ASYM_SHAP_VAL_EXPLANATION_DIRECTIONS = ["chronological", "anti_chronological", "bidirectional"]
ASYM_SHAP_VAL_GRANULARITIES = ["timewise", "fine_grained"]


class DatasetType(Enum):
    """The dataset types of the analysis config (the SDK's enum, same member names and values)."""

    TEXTCSV = CSV
    JSONLINES = JSON_LINES
    JSON = JSON
    PARQUET = PARQUET
    IMAGE = IMAGE


class ProcessingOutputHandler:
    """How the job's output is uploaded (the SDK's helper): continuously for images, at the end otherwise."""

    class S3UploadMode(Enum):
        CONTINUOUS = "Continuous"
        ENDOFJOB = "EndOfJob"

    @classmethod
    def get_s3_upload_mode(cls, analysis_config: dict[str, object]) -> str:
        """``"Continuous"`` for ``application/x-image`` datasets, else ``"EndOfJob"``."""
        dataset_type = analysis_config.get("dataset_type")
        return upload_mode(dataset_type if isinstance(dataset_type, str) else None)


__all__ = [
    "ASYM_SHAP_VAL_DEFAULT_EXPLANATION_DIRECTION",
    "ASYM_SHAP_VAL_DEFAULT_EXPLANATION_GRANULARITY",
    "ASYM_SHAP_VAL_EXPLANATION_DIRECTIONS",
    "ASYM_SHAP_VAL_GRANULARITIES",
    "ENDPOINT_NAME_PREFIX_PATTERN",
    "AsymmetricShapleyValueConfig",
    "BiasConfig",
    "ClarifyConfigError",
    "ClarifyJobFailedError",
    "ClarifyProcessingJob",
    "DataConfig",
    "DatasetType",
    "ExplainabilityConfig",
    "ImageConfig",
    "LocalClarifyJob",
    "LocalClarifyProcessor",
    "ModelConfig",
    "ModelPredictedLabelConfig",
    "PDPConfig",
    "ProcessingOutputHandler",
    "SHAPConfig",
    "SageMakerClarifyProcessor",
    "SegmentationConfig",
    "TextConfig",
    "TimeSeriesDataConfig",
    "TimeSeriesJSONDatasetFormat",
    "TimeSeriesModelConfig",
]
