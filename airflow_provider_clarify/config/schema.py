"""The JSON Schema of analysis_config 1.0 and the validator class that reads it the way the SageMaker SDK does.

The structural rules live in ``schema.json`` (shipped as package data) so that they are one readable document,
usable by editors and other tools. Two readings differ from a stock JSON Schema validator, both to mirror the
SDK's ``ANALYSIS_CONFIG_SCHEMA_V1_0``:

- enum strings match case-insensitively (the SDK lower-cases ``dataset_type``, ``agg_method``, ... before
  checking), except under ``"x-case-sensitive": true`` (bias metric names, which the container's metric
  registry and our engine match exactly), and
- ``integer`` means a JSON integer only (``true`` is not ``1``, ``10.0`` is not ``10``), ``number`` excludes
  booleans, so that the float-only fields (``probability_threshold``) can reject integers with
  ``{"type": "number", "not": {"type": "integer"}}`` exactly as the SDK's ``float`` check does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

# Re-exported: the metric names belong with the other schema facts for the modules that read them here.
from airflow_provider_clarify.config.metrics import POST_TRAINING_METRICS as POST_TRAINING_METRICS
from airflow_provider_clarify.config.metrics import PRE_TRAINING_METRICS as PRE_TRAINING_METRICS
from airflow_provider_clarify.contract import JSONObject, JSONValue

if TYPE_CHECKING:
    from jsonschema import TypeChecker
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_VERSION = "1.0"


@cache
def schema_document() -> JSONObject:
    """The shipped schema, parsed once and shared: read it, never change it (use ``analysis_config_schema()``)."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    document: JSONObject = json.loads(text)
    return document


def analysis_config_schema() -> JSONObject:
    """The JSON Schema document (draft 2020-12) of analysis_config 1.0, as shipped in ``schema.json`` (a copy)."""
    return copy.deepcopy(schema_document())


def enum_values(*path: str) -> list[str]:
    """The enum of a schema location given as keys below ``$defs`` or ``properties``, e.g. ``("$defs", "shap")``."""
    node: JSONValue = schema_document()
    for key in path:
        node = node[key] if isinstance(node, dict) else None
    enum = node.get("enum") if isinstance(node, dict) else None
    return [str(value) for value in enum] if isinstance(enum, list) else []


def _is_integer(_checker: TypeChecker, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_number(_checker: TypeChecker, instance: object) -> bool:
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


def _enum_ignoring_case(
    validator: Validator, enums: list[JSONValue], instance: JSONValue, schema: JSONObject
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and schema.get("x-case-sensitive"):
        if instance in enums:
            return
    elif isinstance(instance, str):
        folded = instance.casefold()
        if any(isinstance(value, str) and value.casefold() == folded for value in enums):
            return
    elif (
        any(validator.is_type(instance, "number") and instance == value for value in enums)
        or instance in enums
    ):
        return
    yield ValidationError(f"{instance!r} is not one of {enums!r}")


@cache
def validator_class() -> type[Validator]:
    """Draft 2020-12 with the SDK's readings (see module doc). jsonschema is imported here, on first validation,
    so that DAG files importing the builders parse fast."""
    from jsonschema import Draft202012Validator, validators

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}
    )
    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
        Draft202012Validator, validators={"enum": _enum_ignoring_case}, type_checker=type_checker
    )
    return extended


@cache
def schema_validator() -> Validator:
    """A ready validator for analysis_config 1.0 (built once: compiling ``$ref`` resolution is not free)."""
    schema = schema_document()
    validator_class().check_schema(schema)
    return validator_class()(schema)


def canonical_enum(value: str, enums: list[str]) -> str:
    """The spelling of ``value`` used in the schema (``"TEXT/CSV"`` → ``"text/csv"``); ``value`` itself if none."""
    folded = value.casefold()
    return next((choice for choice in enums if choice.casefold() == folded), value)
