"""Clarify results: ``analysis.json`` read into one engine-independent ``ClarifyResult``, its XCom form, and the
gate checks on it.

One job per module: :mod:`.parse` reads ``analysis.json``, :mod:`.xcom` is the XCom codec, :mod:`.model` holds the
result and its look-ups, :mod:`.rules` the threshold rules, :mod:`.gating` runs the checks and :mod:`.violations`
reports them. This layer imports neither Airflow nor boto3: reading S3 and deciding what Airflow does with a
verdict is the Airflow layer's job.
"""

from airflow_provider_clarify.config.metrics import METRIC_DESCRIPTIONS, METRIC_STAGES
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.gating import (
    DEFAULT_SHAP_NDCG_THRESHOLD,
    NEUTRAL_POINTS,
    NULL_POLICIES,
    GateOptions,
    evaluate,
    load_baseline,
)
from airflow_provider_clarify.results.model import ClarifyResult
from airflow_provider_clarify.results.numbers import parse_number
from airflow_provider_clarify.results.rules import GateRuleError, ThresholdRule, parse_rules
from airflow_provider_clarify.results.sections import (
    STAGES,
    BiasMetricRow,
    BiasSection,
    FacetGroup,
    MetricEntry,
    PdpSummary,
    ShapSummary,
    facet_value_text,
    normalise_stage,
)
from airflow_provider_clarify.results.violations import Check, GateReport
from airflow_provider_clarify.results.xcom import (
    XCOM_DOCUMENTED_BOUND_BYTES,
    XCOM_FORMAT,
    XCOM_MARKER,
    XCOM_MAX_CATEGORIES,
    XCOM_MAX_OUTPUT_FILES,
    XCOM_MAX_SHAP_FEATURES,
    XCOM_MAX_TOP_TEXT,
    XCOM_MAX_WARNING_CHARS,
    XCOM_MAX_WARNINGS,
)

__all__ = [
    "DEFAULT_SHAP_NDCG_THRESHOLD",
    "METRIC_DESCRIPTIONS",
    "METRIC_STAGES",
    "NEUTRAL_POINTS",
    "NULL_POLICIES",
    "STAGES",
    "XCOM_DOCUMENTED_BOUND_BYTES",
    "XCOM_FORMAT",
    "XCOM_MARKER",
    "XCOM_MAX_CATEGORIES",
    "XCOM_MAX_OUTPUT_FILES",
    "XCOM_MAX_SHAP_FEATURES",
    "XCOM_MAX_TOP_TEXT",
    "XCOM_MAX_WARNINGS",
    "XCOM_MAX_WARNING_CHARS",
    "BiasMetricRow",
    "BiasSection",
    "Check",
    "ClarifyResult",
    "ClarifyResultError",
    "FacetGroup",
    "GateOptions",
    "GateReport",
    "GateRuleError",
    "MetricEntry",
    "PdpSummary",
    "ShapSummary",
    "ThresholdRule",
    "evaluate",
    "facet_value_text",
    "load_baseline",
    "normalise_stage",
    "parse_number",
    "parse_rules",
]
