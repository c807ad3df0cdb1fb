"""Turn an Airflow-rendered config back into a typed document, guided by the JSON Schema (never by ``eval``).

Airflow renders each templated *string* of a dict (or of a builder's ``template_fields``) on its own, so a Param
value only ever lands inside one leaf string: it cannot change the document's structure. What it loses is the
type: ``"{{ params.samples }}"`` renders to ``"100"``, ``"{{ params.use_logit }}"`` to ``"True"``,
``"{{ params.features }}"`` to ``"['age', 'sex']"``. :func:`coerce_rendered` walks the document beside the schema
and converts a string only where the schema does **not** accept a string:

- integer fields: ``"100"`` → ``100``; float fields: ``"0.7"`` → ``0.7`` and ``"1"`` → ``1.0``;
- boolean fields: ``"true"``/``"True"``/``"false"``/``"False"``;
- list / object fields: JSON text, or a Python literal as Jinja prints lists and dicts (``ast.literal_eval``:
  literals only, no code runs); the result must be of the field's type;
- ``methods.shap.baseline`` (a string URI *or* rows): text that starts with ``[`` or ``{`` and parses is rows;
- a non-string field rendered to ``"None"`` or ``""`` (an optional Param left empty) is dropped, as if absent;
  so is a ``None`` in a field that does not take ``null`` (the same Param under native rendering).

Everything else stays exactly as rendered. In particular every field that accepts a string keeps the string
verbatim, quotes, braces, ``$features`` and ``{{`` included: ``label``, facet names, templates, URIs, and list
elements such as ``["{{ params.positive }}"]``. A string in a ``str | int`` field (``label``,
``name_or_index``) stays a string: to pass a column *index* from a template, use a native value (see
``render_template_as_native_obj`` in docs) or a literal int in the DAG file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_clarify.config.literals import parse_python_literal, parse_structured_text
from airflow_provider_clarify.config.model import AnalysisConfig
from airflow_provider_clarify.config.schema import schema_document

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ABSENT = ("None", "none", "null", "")


def render_config(source: Any) -> AnalysisConfig:
    """Validate an Airflow-rendered config and return the ``AnalysisConfig`` (the operators' entry point).

    ``source`` is what Airflow left in the templated field: a dict with rendered strings, a JSON string (e.g.
    ``"{{ params.config | tojson }}"``), a Python-literal dict string (``"{{ params.config }}"``), a path to a
    ``.json`` file, builder objects or an ``AnalysisConfig``. Raises ``ClarifyConfigError`` with every problem.
    """
    from airflow_provider_clarify.config.loading import load_config, parse_json

    if isinstance(source, AnalysisConfig):
        return source
    if isinstance(source, str) and source.lstrip().startswith("{"):
        text = source.strip()
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            document = parse_python_literal(text)
            if not isinstance(document, dict):
                document = parse_json(
                    text, origin="the rendered config"
                )  # raises with the JSON error position
        return load_config(coerce_rendered(document))
    if isinstance(source, (str, os.PathLike)):
        return load_config(source)
    if isinstance(source, Mapping):
        return load_config(coerce_rendered(_plain(source)))
    return load_config(source)


def coerce_rendered(document: Any) -> Any:
    """A copy of ``document`` with rendered strings turned into the schema's types (see module doc).

    Never raises for invalid content: what cannot be converted stays as it is, and validation reports it.
    """
    schema = schema_document()
    return _coerce(_plain(document), schema, schema)


def _plain(value: Any) -> Any:
    """Plain dicts/lists (rendered Airflow values may be other mapping or sequence types)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = {**target, **{key: value for key, value in schema.items() if key != "$ref"}}
    return schema


def _branches(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a schema (its anyOf/oneOf branches, resolved), or the schema itself."""
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    return [_resolve(branch, root) for branch in alternatives] if alternatives else [schema]


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str] | None:
    found: set[str] = set()
    for branch in _branches(schema, root):
        kind = branch.get("type")
        if kind is None:
            return None
        found.update(kind if isinstance(kind, list) else [kind])
    return found


def _branch_of(schema: dict[str, Any], root: dict[str, Any], kind: str) -> dict[str, Any]:
    for branch in _branches(schema, root):
        declared = branch.get("type")
        if declared == kind or (isinstance(declared, list) and kind in declared):
            return branch
    return {}


def _coerce(value: Any, schema: Any, root: dict[str, Any]) -> Any:
    schema = _resolve(schema, root)
    if isinstance(value, str):
        value = _coerce_string(value, schema, root)
    if isinstance(value, dict):
        branch = _branch_of(schema, root, "object")
        properties = branch.get("properties", {})
        extra = branch.get("additionalProperties")
        result = {}
        for key, item in value.items():
            sub = _resolve(properties.get(key, extra if isinstance(extra, dict) else {}), root)
            if isinstance(item, str) and item.strip() in _ABSENT and _is_optional_non_string(sub, root):
                continue  # an optional Param left empty: the field is absent
            if item is None and not _accepts_null(sub, root):
                continue  # the same, rendered natively (render_template_as_native_obj=True)
            result[key] = _coerce(item, sub, root)
        return result
    if isinstance(value, list):
        items = _branch_of(schema, root, "array").get("items", {})
        return [_coerce(item, items, root) for item in value]
    return value


def _accepts_null(schema: dict[str, Any], root: dict[str, Any]) -> bool:
    kinds = _types(schema, root)
    return kinds is None or "null" in kinds


def _is_optional_non_string(schema: dict[str, Any], root: dict[str, Any]) -> bool:
    kinds = _types(schema, root)
    return bool(kinds) and "string" not in kinds


def _coerce_string(text: str, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    kinds = _types(schema, root)
    stripped = text.strip()
    if schema.get("x-render") == "structured" and stripped.startswith(("[", "{")):
        parsed = parse_structured_text(stripped)
        if isinstance(parsed, (list, dict)):
            return parsed
    if kinds is None or _accepts_string(text, schema, root):
        return text
    if "boolean" in kinds and stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    if "integer" in kinds and _INTEGER.fullmatch(stripped):
        return int(stripped)
    if "number" in kinds and _NUMBER.fullmatch(stripped):
        return float(stripped)
    if kinds & {"array", "object"}:
        parsed = parse_structured_text(stripped)
        if (isinstance(parsed, list) and "array" in kinds) or (
            isinstance(parsed, dict) and "object" in kinds
        ):
            return parsed
    return text


def _accepts_string(text: str, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    """Whether ``text`` as it is fits a string branch (an enum-restricted string branch must match the enum, so
    ``methods: "['CI', 'DPL']"`` — a rendered list — is read as the list, while ``"all"`` stays ``"all"``)."""
    for branch in _branches(schema, root):
        declared = branch.get("type")
        if declared == "string" or (isinstance(declared, list) and "string" in declared):
            enum = branch.get("enum")
            if enum is None or any(
                isinstance(choice, str) and choice.casefold() == text.casefold() for choice in enum
            ):
                return True
    return False
