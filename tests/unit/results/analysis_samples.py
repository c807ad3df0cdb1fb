"""Hand-written analysis.json documents, one per shape the engines write (reference §8)."""

from __future__ import annotations

import copy
from typing import Any

BIAS_ONLY: dict[str, Any] = {
    "version": "1.0",
    "pre_training_bias_metrics": {
        "label": "income",
        "label_value_or_threshold": ">50K",
        "facets": {
            "sex": [
                {
                    "value_or_threshold": "Female",
                    "metrics": [
                        {"name": "CI", "description": "Class Imbalance (CI)", "value": 0.3384},
                        {
                            "name": "DPL",
                            "description": "Difference in Positive Proportions in Labels (DPL)",
                            "value": 0.1965,
                        },
                    ],
                }
            ],
            "age": [
                {
                    "value_or_threshold": "(40, 90]",
                    "metrics": [{"name": "CI", "description": "Class Imbalance (CI)", "value": 0.12}],
                }
            ],
        },
    },
    "post_training_bias_metrics": {
        "label": "income",
        "label_value_or_threshold": ">50K",
        "facets": {
            "sex": [
                {
                    "value_or_threshold": "Female",
                    "metrics": [
                        {"name": "DI", "description": "Disparate Impact (DI)", "value": 0.35},
                        {
                            "name": "DPPL",
                            "description": "Difference in Positive Proportions in Predicted Labels (DPPL)",
                            "value": 0.18,
                        },
                    ],
                }
            ]
        },
    },
}

# Per-metric failures and infinities (reference §8.1, §10.2): null + error, "Infinity" / "-Infinity" strings.
ERRORS_AND_INFINITIES: dict[str, Any] = {
    "version": "1.0",
    "post_training_bias_metrics": {
        "label": "y",
        "label_value_or_threshold": "1",
        "facets": {
            "group": [
                {
                    "value_or_threshold": "a",
                    "metrics": [
                        {
                            "name": "CDDPL",
                            "description": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
                            "value": None,
                            "error": "Group variable is empty or not provided",
                        },
                        {
                            "name": "DCA",
                            "description": "Difference in Conditional Acceptance (DCA)",
                            "value": "-Infinity",
                        },
                        {"name": "DI", "description": "Disparate Impact (DI)", "value": "Infinity"},
                        {"name": "TE", "description": "Treatment Equality (TE)", "value": 0},
                    ],
                },
                {
                    "value_or_threshold": "b",
                    "metrics": [
                        {"name": "DI", "description": "Disparate Impact (DI)", "value": 0.0},
                    ],
                },
            ]
        },
    },
}

SHAP_ONLY: dict[str, Any] = {
    "version": "1.0",
    "explanations": {
        "kernel_shap": {
            "label0": {
                "global_shap_values": {"age": 0.051, "hours": 0.02, "education": 0.0},
                "expected_value": 0.241,
            }
        }
    },
}

NLP: dict[str, Any] = {
    "version": "1.0",
    "explanations": {
        "kernel_shap": {
            "positive": {
                "global_shap_values": {"Rating": 0.11, "Comments": 0.42},
                "expected_value": 0.5,
                "global_top_shap_text": {"great": 0.31, "bad": -0.2, "ok": 0.01},
            },
            "negative": {
                "global_shap_values": {"Rating": 0.09, "Comments": 0.38},
                "expected_value": 0.5,
                "global_top_shap_text": {"bad": 0.29, "great": -0.25},
            },
        }
    },
}

PDP: dict[str, Any] = {
    "version": "1.0",
    "explanations": {
        "pdp": [
            {
                "feature_name": "age",
                "data_type": "numerical",
                "feature_values": [17.0, 30.5, 44.0, 90.0],
                "data_distribution": [0.25, 0.25, 0.25, 0.25],
                "model_predictions": [[0.1, 0.2, 0.35, 0.3]],
                "label_headers": ["Target"],
            },
            {
                "feature_name": "workclass",
                "data_type": "categorical",
                "feature_values": ["Private", "State-gov", "Never-worked"],
                "data_distribution": [0.7, 0.2, 0.1],
                "model_predictions": [[0.22, 0.31, 0.05]],
                "label_headers": ["Target"],
            },
            {
                "feature_name": "notes",
                "data_type": "free_text",
                "error": "PDP is not supported for free text",
            },
        ]
    },
}

SHAPES = {
    "bias_only": BIAS_ONLY,
    "errors_and_infinities": ERRORS_AND_INFINITIES,
    "shap_only": SHAP_ONLY,
    "nlp": NLP,
    "pdp": PDP,
}


def combined() -> dict[str, Any]:
    """Bias and explanations in one document, as when both are configured."""
    document = copy.deepcopy(BIAS_ONLY)
    document["explanations"] = copy.deepcopy({**SHAP_ONLY["explanations"], **PDP["explanations"]})
    return document
