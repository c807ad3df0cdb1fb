"""A sharded Clarify analysis as one task group: plan → mapped shards → merge, with paths and shard count from
the run conf (the model fails once in one shard when the test asks, to show that shard retried alone)."""

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.sharded import clarify_sharded_analysis

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}, {"name_or_index": "race_code"}],
    "group_variable": "age_group",
    "methods": {
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": ["DPPL", "DI", "AD", "CDDPL", "TE"]},
        "pdp": {"features": ["score", "age"], "grid_resolution": 5},
    },
    "predictor": {"content_type": "text/csv", "accept_type": "text/csv"},
}

with DAG(
    dag_id="sharded_analysis",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "dataset": Param("", type="string"),
        "work": Param("", type="string"),
        "output": Param("", type="string"),
        "shards": Param(4, type="integer"),
        "predictor": Param("tests.integration.sharded_models:labels", type="string"),
    },
    render_template_as_native_obj=True,
):
    clarify_sharded_analysis(
        group_id="bias",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        work_uri="{{ params.work }}",
        output_uri="{{ params.output }}",
        shards="{{ params.shards }}",
        predictor="{{ params.predictor }}",
        engine_options={"chunk_rows": 23, "pdp_max_records": 60},
        max_active_shards=2,
        shard_retries=1,
        shard_retry_delay=timedelta(seconds=0),
    )
