"""The analysis-config layer: typed model, JSON Schema + cross-field validation, SDK-style builders, rendering.

Plain Python (no Airflow, pandas or boto3) so that both engines, the operators and notebooks share one reading
of ``analysis_config.json`` (schema 1.0). The way in is :func:`load_config`; everything downstream takes the
:class:`AnalysisConfig` it returns.
"""

from airflow_provider_clarify.config.builders import (
    AnalysisConfigBuilder,
    BiasConfig,
    BiasMethods,
    DataConfig,
    ExplainabilityConfig,
    ImageConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    PDPConfig,
    ReportConfig,
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
from airflow_provider_clarify.config.coercion import coerce_rendered
from airflow_provider_clarify.config.errors import ClarifyConfigError, ConfigProblem
from airflow_provider_clarify.config.loading import ConfigSource, load_config
from airflow_provider_clarify.config.model import (
    AnalysisConfig,
    AnalysisKind,
    BiasMethod,
    Facet,
    ImageDebug,
    ImageSettings,
    JobIO,
    Methods,
    PdpMethod,
    Predictor,
    ReportMethod,
    ShapMethod,
    TextSettings,
)
from airflow_provider_clarify.config.requirements import (
    ModelRequirements,
    check_joinsource,
    check_managed_job,
    check_model_source,
    joinsource_problems,
    managed_job_problems,
    model_requirements,
    model_source_problems,
)
from airflow_provider_clarify.config.schema import (
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    SCHEMA_VERSION,
    analysis_config_schema,
)
from airflow_provider_clarify.config.time_series import (
    AsymmetricShapleyValueMethod,
    TimeSeriesBaseline,
    TimeSeriesData,
    TimeSeriesForecast,
    TimeSeriesSettings,
)

__all__ = [
    "POST_TRAINING_METRICS",
    "PRE_TRAINING_METRICS",
    "SCHEMA_VERSION",
    "AnalysisConfig",
    "AnalysisConfigBuilder",
    "AnalysisKind",
    "AsymmetricShapleyValueConfig",
    "AsymmetricShapleyValueMethod",
    "BiasConfig",
    "BiasMethod",
    "BiasMethods",
    "ClarifyConfigError",
    "ConfigProblem",
    "ConfigSource",
    "DataConfig",
    "ExplainabilityConfig",
    "Facet",
    "ImageConfig",
    "ImageDebug",
    "ImageSettings",
    "JobIO",
    "Methods",
    "ModelConfig",
    "ModelPredictedLabelConfig",
    "ModelRequirements",
    "PDPConfig",
    "PdpMethod",
    "Predictor",
    "ReportConfig",
    "ReportMethod",
    "SHAPConfig",
    "SegmentationConfig",
    "ShapMethod",
    "TextConfig",
    "TextSettings",
    "TimeSeriesBaseline",
    "TimeSeriesData",
    "TimeSeriesDataConfig",
    "TimeSeriesForecast",
    "TimeSeriesJSONDatasetFormat",
    "TimeSeriesModelConfig",
    "TimeSeriesSettings",
    "analysis_config_schema",
    "check_joinsource",
    "check_managed_job",
    "check_model_source",
    "coerce_rendered",
    "joinsource_problems",
    "load_config",
    "managed_job_problems",
    "model_requirements",
    "model_source_problems",
]
