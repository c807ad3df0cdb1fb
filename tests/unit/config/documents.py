"""Small, valid documents the config tests start from (each test copies before changing anything)."""

from __future__ import annotations

import copy
from typing import Any

BIAS_CSV: dict[str, Any] = {
    "dataset_type": "text/csv",
    "headers": ["age", "sex", "income", "target"],
    "label": "target",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
    "methods": {"pre_training_bias": {"methods": "all"}},
}

SHAP_CSV: dict[str, Any] = {
    "dataset_type": "text/csv",
    "headers": ["age", "sex", "income", "target"],
    "label": "target",
    "methods": {"shap": {"num_samples": 100}},
    "predictor": {"endpoint_name": "my-endpoint"},
}

SHAP_IMAGES: dict[str, Any] = {
    "dataset_type": "application/x-image",
    "methods": {"shap": {"num_samples": 100, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}}},
    "predictor": {"endpoint_name": "my-endpoint", "label_headers": ["cat", "dog"]},
}

# A forecasting explanation as the SDK writes it (timestamp records, one related series, one static covariate).
TIME_SERIES_JSON: dict[str, Any] = {
    "dataset_type": "application/json",
    "headers": ["item_id", "timestamp", "sales", "price", "store_size"],
    "time_series_data_config": {
        "target_time_series": "[].sales",
        "item_id": "[].item_id",
        "timestamp": "[].timestamp",
        "related_time_series": ["[].price"],
        "static_covariates": ["[].store_size"],
        "dataset_format": "timestamp_records",
    },
    "methods": {
        "report": {"name": "report", "title": "Analysis Report"},
        "asymmetric_shapley_value": {"direction": "chronological", "granularity": "timewise"},
    },
    "predictor": {
        "endpoint_name": "forecaster",
        "content_type": "application/json",
        "accept_type": "application/json",
        "content_template": '{"instances": $records}',
        "record_template": '{"start": $start_time, "target": $target_time_series, '
        '"dynamic_feat": $related_time_series, "cat": $static_covariates}',
        "time_series_predictor_config": {"forecast": "predictions[*].mean"},
    },
}


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with dotted-path changes; a value of ``DELETE`` removes the key.

    ``variant(BIAS_CSV, **{"methods.shap": {...}})`` — keys with dots address nested objects.
    """
    document = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = document
        for key in parents:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return document


DELETE = object()
