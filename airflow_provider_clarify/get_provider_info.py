"""Provider metadata that Airflow's ProvidersManager reads through the ``apache_airflow_provider`` entry point.

Airflow rejects a provider whose ``package-name`` differs from its distribution name, so it is spelled exactly as
in setup.cfg. Every module and class listed here must import; a test checks that.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_clarify import __version__

INTEGRATION = "Amazon SageMaker Clarify"

# Modules grow with the provider: list each one as it lands (tests/unit/test_get_provider_info.py imports them).
HOOK_MODULES: list[str] = ["airflow_provider_clarify.hooks.clarify"]
OPERATOR_MODULES: list[str] = [
    "airflow_provider_clarify.operators.clarify",
    "airflow_provider_clarify.operators.gate",
    "airflow_provider_clarify.operators.local",
    "airflow_provider_clarify.operators.mlflow",
    "airflow_provider_clarify.operators.sharded",
]
SENSOR_MODULES: list[str] = ["airflow_provider_clarify.sensors.clarify"]
TRIGGER_MODULES: list[str] = ["airflow_provider_clarify.triggers.clarify"]
EXTRA_LINKS: list[str] = ["airflow_provider_clarify.links.clarify.ClarifyProcessingJobLink"]


def _by_integration(modules: list[str]) -> list[dict[str, Any]]:
    return [{"integration-name": INTEGRATION, "python-modules": modules}] if modules else []


def get_provider_info() -> dict[str, Any]:
    """Describe this provider to Airflow: what it integrates with and which modules hold its parts."""
    return {
        "package-name": "airflow-provider-clarify",
        "name": INTEGRATION,
        "description": "Bias and explainability analysis with Amazon SageMaker Clarify: managed processing jobs "
        "or the same analysis run inside the worker, results in XCom, and gates on the metrics.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html",
                "tags": ["aws"],
            }
        ],
        "hooks": _by_integration(HOOK_MODULES),
        "operators": _by_integration(OPERATOR_MODULES),
        "sensors": _by_integration(SENSOR_MODULES),
        "triggers": _by_integration(TRIGGER_MODULES),
        "extra-links": list(EXTRA_LINKS),
    }
