"""The trigger's serialized state: what the triggerer rebuilds it from after a restart (no AWS calls)."""

from __future__ import annotations

import json

from airflow_provider_clarify.triggers.clarify import ClarifyProcessingJobTrigger

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "facet_dataset_uri": "s3://facets-bucket/facets/part.csv",
    "facet_headers": ["sex"],
    "methods": {"pre_training_bias": {"methods": "all"}},
}


def test_trigger_round_trips_through_its_serialized_state():
    trigger = ClarifyProcessingJobTrigger(
        "Clarify-Bias-0123456789-2",
        check_interval=15,
        deadline=1_900_000_000.5,
        stop_on_kill=False,
        aws_conn_id="aws_prod",
        region_name="eu-west-1",
        verify=False,
        botocore_config={"retries": {"mode": "standard"}},
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_clarify.triggers.clarify.ClarifyProcessingJobTrigger"
    assert kwargs == {
        "job_name": "Clarify-Bias-0123456789-2",
        "check_interval": 15,
        "deadline": 1_900_000_000.5,
        "stop_on_kill": False,
        "aws_conn_id": "aws_prod",
        "region_name": "eu-west-1",
        "verify": False,
        "botocore_config": {"retries": {"mode": "standard"}},
    }
    rebuilt = ClarifyProcessingJobTrigger(**json.loads(json.dumps(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    hook = rebuilt.hook()
    assert (hook.aws_conn_id, hook.region_name) == ("aws_prod", "eu-west-1")
