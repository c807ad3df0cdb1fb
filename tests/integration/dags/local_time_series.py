"""Local time-series explanations: dataset and output on S3 from the run conf, an in-process forecaster."""

import json

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator

CONFIG = {
    "dataset_type": "application/json",
    "headers": ["item", "time", "sales", "rel0", "stat0"],
    "time_series_data_config": {
        "item_id": "[].item",
        "timestamp": "[].time",
        "target_time_series": "[].sales",
        "related_time_series": ["[].rel0"],
        "static_covariates": ["[].stat0"],
        "dataset_format": "timestamp_records",
    },
    "methods": {
        "asymmetric_shapley_value": {"direction": "bidirectional", "granularity": "timewise"},
        "report": {"name": "report", "title": "Analysis Report"},
    },
    "predictor": {
        "content_type": "application/json",
        "accept_type": "application/json",
        "content_template": '{"instances": $records}',
        "record_template": '{"start": $start_time, "target": $target_time_series, '
        '"dynamic_feat": $related_time_series, "cat": $static_covariates}',
        "time_series_predictor_config": {"forecast": "predictions[*].mean"},
    },
}


def forecaster(body: bytes) -> str:
    """Two steps: the last value scaled by the last price, and the mean of the target plus the static."""
    predictions = []
    for record in json.loads(body)["instances"]:
        target, price, static = record["target"], record["dynamic_feat"][0], record["cat"][0]
        predictions.append({"mean": [target[-1] * (1 + price[-1]), sum(target) / len(target) + static]})
    return json.dumps({"predictions": predictions})


with DAG(
    dag_id="local_time_series",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"dataset": Param("", type="string"), "output": Param("", type="string")},
):
    LocalClarifyOperator(
        task_id="explain_forecasts",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        output_uri="{{ params.output }}",
        predictor=forecaster,
    )
