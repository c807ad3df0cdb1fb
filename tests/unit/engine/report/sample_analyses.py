"""Hand-built analysis.json documents (reference §8.1/§8.2) for the report tests."""

from __future__ import annotations

import copy

PRE_TRAINING = {
    "label": "Target",
    "label_value_or_threshold": ">50K",
    "facets": {
        "Sex": [
            {
                "value_or_threshold": "Female",
                "metrics": [
                    {
                        "name": "CDDL",
                        "description": "Conditional Demographic Disparity in Labels (CDDL)",
                        "value": None,
                        "error": "Group variable is empty or not provided",
                    },
                    {"name": "CI", "description": "Class Imbalance (CI)", "value": 0.3328},
                    {
                        "name": "DPL",
                        "description": "Difference in Positive Proportions in Labels (DPL)",
                        "value": 0.1963,
                    },
                    {"name": "JS", "description": "Jensen-Shannon Divergence (JS)", "value": 0.0288},
                    {"name": "KL", "description": "Kullback-Liebler Divergence (KL)", "value": 0.1430},
                    {"name": "KS", "description": "Kolmogorov-Smirnov Distance (KS)", "value": 0.1963},
                    {"name": "LP", "description": "L-p Norm (LP)", "value": 0.2776},
                    {"name": "TVD", "description": "Total Variation Distance (TVD)", "value": 0.1963},
                ],
            }
        ]
    },
}

POST_TRAINING = {
    "label": "Target",
    "label_value_or_threshold": ">50K",
    "facets": {
        "Race": [
            {
                "value_or_threshold": "Black",
                "metrics": [
                    {"name": "AD", "description": "Accuracy Difference (AD)", "value": -0.0621},
                    {
                        "name": "DCA",
                        "description": "Difference in Conditional Acceptance (DCA)",
                        "value": "Infinity",
                    },
                    {"name": "DI", "description": "Disparate Impact (DI)", "value": 0.4321},
                    {
                        "name": "DPPL",
                        "description": "Difference in Positive Proportions in Predicted Labels (DPPL)",
                        "value": 0.1517,
                    },
                    {"name": "TE", "description": "Treatment Equality (TE)", "value": "-Infinity"},
                ],
            },
            {
                "value_or_threshold": "White",
                "metrics": [
                    {"name": "AD", "description": "Accuracy Difference (AD)", "value": 0.0402},
                    {
                        "name": "DCA",
                        "description": "Difference in Conditional Acceptance (DCA)",
                        "value": 0.0123,
                    },
                    {"name": "DI", "description": "Disparate Impact (DI)", "value": 1.7312},
                    {
                        "name": "DPPL",
                        "description": "Difference in Positive Proportions in Predicted Labels (DPPL)",
                        "value": -0.0897,
                    },
                    {
                        "name": "TE",
                        "description": "Treatment Equality (TE)",
                        "value": None,
                        "error": "Facet set is empty. Cannot compute TE.",
                    },
                ],
            },
        ]
    },
}

SHAP_MULTI = {
    "kernel_shap": {
        "<=50K": {
            "global_shap_values": {f"feature_{i:02d}": round(0.31 / (i + 1), 5) for i in range(13)},
            "expected_value": 0.7612,
        },
        ">50K": {
            "global_shap_values": {
                "Age": 0.0812,
                "Education": 0.0634,
                "Hours": 0.0125,
                "Capital Gain": -0.0211,
            },
            "expected_value": 0.2388,
        },
    }
}

NLP = {
    "kernel_shap": {
        "positive": {
            "global_shap_values": {"Comments": 0.4122, "Rating": 0.1177},
            "global_top_shap_text": {
                "great": 0.2511,
                "terrible": 0.2232,
                "love": 0.1804,
                "refund": 0.0917,
                "slow": 0.0655,
                "ok": 0.0112,
            },
            "expected_value": 0.5011,
        }
    }
}

PDP = {
    "pdp": [
        {
            "feature_name": "Age",
            "data_type": "numerical",
            "feature_values": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
            "data_distribution": [0.21, 0.27, 0.24, 0.16, 0.09, 0.03],
            "model_predictions": [[0.08, 0.19, 0.31, 0.36, 0.33, 0.27]],
            "label_headers": [">50K"],
        },
        {
            "feature_name": "Workclass",
            "data_type": "categorical",
            "feature_values": ["Private", "Self-emp", "Government"],
            "data_distribution": [0.7, 0.12, 0.18],
            "model_predictions": [[0.72, 0.61, 0.66], [0.28, 0.39, 0.34]],
            "label_headers": ["<=50K", ">50K"],
        },
        {
            "feature_name": "Comments",
            "data_type": "free_text",
            "error": "PDP is not supported for free_text features",
        },
    ]
}


def bias_only() -> dict:
    return {
        "version": "1.0",
        "pre_training_bias_metrics": copy.deepcopy(PRE_TRAINING),
        "post_training_bias_metrics": copy.deepcopy(POST_TRAINING),
    }


def shap_only() -> dict:
    return {"version": "1.0", "explanations": copy.deepcopy(SHAP_MULTI)}


def nlp_only() -> dict:
    return {"version": "1.0", "explanations": copy.deepcopy(NLP)}


def pdp_only() -> dict:
    return {"version": "1.0", "explanations": copy.deepcopy(PDP)}


def combined() -> dict:
    document = bias_only()
    document["explanations"] = {**copy.deepcopy(SHAP_MULTI), **copy.deepcopy(PDP)}
    return document


DISTRIBUTIONS = {
    "label": {"<=50K": 24720, ">50K": 7841},
    "facets": {
        "Sex": {"Male": 21790, "Female": 10771},
        "Race": {"White": 27816, "Black": 3124, "Asian-Pac-Islander": 1039, "Other": 582},
    },
}
