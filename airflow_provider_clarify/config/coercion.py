"""Turn an Airflow-rendered config back into a typed document, guided by the JSON Schema (never by ``eval``).

``load_config(source, rendered=True)`` (and every builder input) runs :func:`coerce_rendered` before validation.

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

import re
from collections.abc import Mapping

from airflow_provider_clarify.config.errors import ROOT_PATH, ClarifyConfigError, join_path
from airflow_provider_clarify.config.literals import TooDeeplyNested, parse_structured_text
from airflow_provider_clarify.config.schema import schema_document
from airflow_provider_clarify.contract import JSONObject, JSONValue

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ABSENT = ("None", "none", "null", "")


def coerce_rendered(document: object) -> JSONValue:
    """A copy of ``document`` with rendered strings turned into the schema's types (see module doc).

    Never raises for invalid content: what cannot be converted stays as it is, and validation reports it. The one
    exception is a rendered string holding a list/object nested deeper than ``MAX_NESTING_DEPTH``: that raises
    :class:`ClarifyConfigError` at the field's path (nothing could walk it safely, validation included).
    """
    schema = schema_document()
    return _coerce(plain(document), schema, schema, ROOT_PATH)


def plain(value: object) -> JSONValue:
    """Plain dicts/lists (rendered Airflow values and builders may hold other mapping or sequence types).

    Anything JSON cannot hold (a tuple inside, a set, a non-string key) is kept as it is for validation to name;
    the return type is what a valid document holds.
    """
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value  # type: ignore[return-value]  # validation reports values JSON cannot hold


def _resolve(schema: JSONValue, root: JSONObject) -> JSONObject:
    if not isinstance(schema, dict):
        return {}
    while isinstance(schema.get("$ref"), str):
        target: JSONValue = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target[part] if isinstance(target, dict) else None
        merged = dict(target) if isinstance(target, dict) else {}
        merged.update({key: value for key, value in schema.items() if key != "$ref"})
        schema = merged
    return schema


def _branches(schema: JSONObject, root: JSONObject) -> list[JSONObject]:
    """The alternatives of a schema (its anyOf/oneOf branches, resolved), or the schema itself."""
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    return [_resolve(branch, root) for branch in alternatives] if isinstance(alternatives, list) else [schema]


def _declared(branch: JSONObject) -> list[str] | None:
    kind = branch.get("type")
    if kind is None:
        return None
    return [str(item) for item in kind] if isinstance(kind, list) else [str(kind)]


def _types(schema: JSONObject, root: JSONObject) -> set[str] | None:
    found: set[str] = set()
    for branch in _branches(schema, root):
        kinds = _declared(branch)
        if kinds is None:
            return None
        found.update(kinds)
    return found


def _branch_of(schema: JSONObject, root: JSONObject, kind: str) -> JSONObject:
    for branch in _branches(schema, root):
        if kind in (_declared(branch) or ()):
            return branch
    return {}


def _coerce(value: JSONValue, schema: JSONValue, root: JSONObject, path: str) -> JSONValue:
    resolved = _resolve(schema, root)
    if isinstance(value, str):
        try:
            value = _coerce_string(value, resolved, root)
        except TooDeeplyNested as error:
            raise ClarifyConfigError(str(error), path=path) from None
    if isinstance(value, dict):
        return _coerce_object(value, _branch_of(resolved, root, "object"), root, path)
    if isinstance(value, list):
        items = _branch_of(resolved, root, "array").get("items", {})
        return [_coerce(item, items, root, join_path(path, index)) for index, item in enumerate(value)]
    return value


def _coerce_object(value: JSONObject, branch: JSONObject, root: JSONObject, path: str) -> JSONObject:
    declared = branch.get("properties")
    properties = declared if isinstance(declared, dict) else {}
    extra = branch.get("additionalProperties")
    result: JSONObject = {}
    for key, item in value.items():
        sub = _resolve(properties.get(key, extra if isinstance(extra, dict) else {}), root)
        if isinstance(item, str) and item.strip() in _ABSENT and _is_optional_non_string(sub, root):
            continue  # an optional Param left empty: the field is absent
        if item is None and not _accepts_null(sub, root):
            continue  # the same, rendered natively (render_template_as_native_obj=True)
        result[key] = _coerce(item, sub, root, join_path(path, key))
    return result


def _accepts_null(schema: JSONObject, root: JSONObject) -> bool:
    kinds = _types(schema, root)
    return kinds is None or "null" in kinds


def _is_optional_non_string(schema: JSONObject, root: JSONObject) -> bool:
    kinds = _types(schema, root)
    return bool(kinds) and "string" not in (kinds or ())


def _coerce_string(text: str, schema: JSONObject, root: JSONObject) -> JSONValue:
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


def _accepts_string(text: str, schema: JSONObject, root: JSONObject) -> bool:
    """Whether ``text`` as it is fits a string branch (an enum-restricted string branch must match the enum, so
    ``methods: "['CI', 'DPL']"`` — a rendered list — is read as the list, while ``"all"`` stays ``"all"``)."""
    for branch in _branches(schema, root):
        if "string" in (_declared(branch) or ()):
            enum = branch.get("enum")
            if not isinstance(enum, list) or any(
                isinstance(choice, str) and choice.casefold() == text.casefold() for choice in enum
            ):
                return True
    return False
