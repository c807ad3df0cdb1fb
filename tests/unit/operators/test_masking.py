"""URL credentials in rendered template fields are registered with Airflow's secrets masker, so what Airflow
stores and logs after rendering shows them as ``***`` (the stored fields of a real DAG run are checked in
tests/integration/test_secrets.py)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from airflow.providers.common.compat.sdk import redact

from airflow_provider_clarify.operators._masking import mask_url_credentials
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator


def _secret() -> str:
    return f"s-{uuid.uuid4().hex[:12]}"  # new in every test: the masker is global to the process


def test_credentials_anywhere_in_a_nested_value_are_found_and_masked():
    password, token = _secret(), _secret()
    value = {
        "predictor": {"local_predictor": f"http://user:{password}@models/invocations"},
        "list": [("x", {"deep": f"https://models/p?access_token={token}"})],
        "number": 3,
        "path": PurePosixPath("/data/in.csv"),
    }
    assert sorted(mask_url_credentials(value)) == sorted([f"user:{password}", password, token])
    assert redact(f"logged: {password} and {token}") == "logged: *** and ***"


def test_a_deeply_nested_value_does_not_exhaust_the_stack():
    password = _secret()
    value: object = f"http://u:{password}@h/x"
    for _ in range(5000):
        value = [value]
    assert password in mask_url_credentials(value)


def test_an_object_is_searched_by_its_text():
    password = _secret()

    class Builder:
        def __str__(self) -> str:
            return f"Builder(url='http://u:{password}@h/x')"

    assert password in mask_url_credentials(Builder())


def test_rendering_registers_the_credentials_of_every_template_field():
    password, key = _secret(), _secret()
    config = {
        "dataset_type": "text/csv",
        "label": "y",
        "predictor": {"local_predictor": f"http://user:{password}@models:8080/invocations?api_key={key}"},
        "methods": {"pre_training_bias": {"methods": ["CI"]}},
    }
    operators = [
        LocalClarifyOperator(task_id="local", config=config, output_uri="/out"),
        ClarifyOperator(
            task_id="managed",
            config=config,
            role_arn="arn:aws:iam::123456789012:role/R",
            output_uri=f"s3://b/o?X-Amz-Signature={_secret()}",  # any field, not only the config
        ),
    ]
    for operator in operators:
        operator.render_template_fields({})
        shown = redact(operator.config)
        assert shown["predictor"]["local_predictor"] == "http://***@models:8080/invocations?api_key=***"
        assert operator.config["predictor"]["local_predictor"].endswith(key)  # the task itself keeps the URL
    assert redact(operators[1].output_uri) == "s3://b/o?X-Amz-Signature=***"
