"""The analysis-config examples of the AWS "configure the analysis" page are valid and round-trip exactly.

The documents are the page's examples (its two syntax slips — a missing comma, a trailing comma — fixed).
Every one must load, and ``to_dict()`` must give it back unchanged: configs written for the managed job run here.
"""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import load_config

FACET = [{"name_or_index": "Gender", "value_or_threshold": [0]}]
JSONL_HEADERS = ["Age", "Gender", "Income", "Occupation", "Target"]

EXAMPLES = {
    "csv-pre-training": {
        "dataset_type": "text/csv",
        "label": "Target",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}},
    },
    "csv-post-training": {
        "dataset_type": "text/csv",
        "label": "Target",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
        "predictor": {"endpoint_name": "your_endpoint", "label": 0},
    },
    "csv-shap": {
        "dataset_type": "text/csv",
        "label": "Target",
        "methods": {"shap": {"num_clusters": 1}},
        "predictor": {"endpoint_name": "your_endpoint", "probability": 1},
    },
    "csv-pdp": {
        "dataset_type": "text/csv",
        "label": "Target",
        "methods": {"pdp": {"features": ["Income"], "grid_resolution": 10}, "report": {"name": "report"}},
        "predictor": {"endpoint_name": "your_endpoint", "probability": 1},
    },
    "csv-all": {
        "dataset_type": "text/csv",
        "label": "Target",
        "probability_threshold": 0.5,
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
            "shap": {"num_clusters": 1},
            "pdp": {"top_k_features": 2, "grid_resolution": 10},
            "report": {"name": "report"},
        },
        "predictor": {"endpoint_name": "your_endpoint", "probability": 1},
    },
    "csv-shadow-model": {
        "dataset_type": "text/csv",
        "label": "Target",
        "methods": {"shap": {"num_clusters": 1}},
        "predictor": {
            "model_name": "your_model",
            "initial_instance_count": 1,
            "instance_type": "ml.m5.large",
            "probability": 1,
        },
    },
    "jsonlines-pre-training": {
        "dataset_type": "application/jsonlines",
        "headers": JSONL_HEADERS,
        "label": "Label",
        "features": "Features",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}},
    },
    "jsonlines-post-training": {
        "dataset_type": "application/jsonlines",
        "headers": JSONL_HEADERS,
        "label": "Label",
        "features": "Features",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
        "predictor": {
            "endpoint_name": "your_endpoint",
            "content_template": '{"Features":$features}',
            "label": "predicted_label",
        },
    },
    "jsonlines-shap": {
        "dataset_type": "application/jsonlines",
        "features": "Features",
        "methods": {"shap": {"num_clusters": 1}},
        "predictor": {
            "endpoint_name": "your_endpoint",
            "content_template": '{"Features":$features}',
            "probability": "probability",
        },
    },
    "jsonlines-pdp": {
        "dataset_type": "application/jsonlines",
        "features": "Features",
        "methods": {"pdp": {"features": [2], "grid_resolution": 10}, "report": {"name": "report"}},
        "predictor": {
            "endpoint_name": "your_endpoint",
            "content_template": '{"Features":$features}',
            "probability": "probability",
        },
    },
    "json-pre-training": {
        "dataset_type": "application/json",
        "headers": JSONL_HEADERS,
        "label": "[*].Label",
        "features": "[*].Features",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}},
    },
    "json-post-training": {
        "dataset_type": "application/json",
        "headers": JSONL_HEADERS,
        "label": "[*].Label",
        "features": "[*].Features",
        "label_values_or_threshold": [1],
        "facet": FACET,
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
        "predictor": {
            "endpoint_name": "your_endpoint",
            "content_template": "$records",
            "record_template": '{"Features":$features}',
            "label": "predictions[*].predicted_label",
        },
    },
    "json-shap": {
        "dataset_type": "application/json",
        "features": "[*].Features",
        "methods": {"shap": {"num_clusters": 1}},
        "predictor": {
            "endpoint_name": "your_endpoint",
            "content_template": "$records",
            "record_template": '{"Features":$features}',
            "probability": "predictions[*].probability",
        },
    },
    "nlp": {
        "dataset_type": "text/csv",
        "headers": ["Target", "Rating", "Comments"],
        "label": "Target",
        "methods": {
            "shap": {
                "text_config": {"granularity": "token", "language": "english"},
                "baseline": [[4, "[MASK]"]],
            }
        },
        "predictor": {
            "model_name": "your_nlp_model",
            "initial_instance_count": 1,
            "instance_type": "ml.g4dn.xlarge",
        },
    },
    "cv-image-classification": {
        "dataset_type": "application/x-image",
        "methods": {
            "shap": {
                "image_config": {
                    "model_type": "IMAGE_CLASSIFICATION",
                    "num_segments": 20,
                    "segment_compactness": 10,
                }
            },
            "report": {"name": "report"},
        },
        "predictor": {
            "model_name": "your_cv_ic_model",
            "initial_instance_count": 1,
            "instance_type": "ml.p2.xlarge",
            "label_headers": ["bird", "cat", "dog"],
        },
    },
    "cv-object-detection": {
        "dataset_type": "application/x-image",
        "probability_threshold": 0.5,
        "methods": {
            "shap": {
                "image_config": {
                    "model_type": "OBJECT_DETECTION",
                    "max_objects": 3,
                    "context": 1.0,
                    "iou_threshold": 0.5,
                    "num_segments": 20,
                    "segment_compactness": 10,
                }
            },
            "report": {"name": "report"},
        },
        "predictor": {
            "model_name": "your_cv_od_model",
            "initial_instance_count": 1,
            "instance_type": "ml.p2.xlarge",
            "label_headers": ["bird", "cat", "dog"],
        },
    },
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_documented_example_is_valid_and_round_trips(name):
    assert load_config(EXAMPLES[name]).to_dict() == EXAMPLES[name]
