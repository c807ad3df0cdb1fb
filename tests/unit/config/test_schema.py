"""The JSON Schema ships as a valid draft 2020-12 document and the layer stays Airflow-free and light to import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

from jsonschema import Draft202012Validator

from airflow_provider_clarify.config import analysis_config_schema
from tests.unit.config.documents import BIAS_CSV, variant


def test_schema_is_package_data_and_a_valid_draft_2020_12_schema():
    text = (
        resources.files("airflow_provider_clarify.config").joinpath("schema.json").read_text(encoding="utf-8")
    )
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    assert schema == analysis_config_schema()
    assert schema["required"] == ["dataset_type", "methods"]


def test_schema_is_usable_by_a_stock_validator_for_structure():
    # Tools that know nothing of our extensions still get the structure (types, keys, required fields).
    stock = Draft202012Validator(analysis_config_schema())
    assert stock.is_valid(BIAS_CSV)
    assert not stock.is_valid(variant(BIAS_CSV, lable="x"))


def test_config_layer_imports_no_airflow_pandas_or_boto3():
    code = (
        "import sys, airflow_provider_clarify.config as c; c.load_config(" + repr(BIAS_CSV) + "); "
        "bad = [m for m in ('airflow', 'pandas', 'boto3', 'numpy') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_builders_does_not_load_jsonschema():
    # DAG files import builders at parse time; the validator library is loaded on first validation only.
    code = (
        "import sys; from airflow_provider_clarify.config import DataConfig, SHAPConfig, load_config; "
        "sys.exit(1 if 'jsonschema' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
