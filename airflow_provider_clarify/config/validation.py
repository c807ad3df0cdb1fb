"""Validate an analysis-config document: JSON Schema structure first, then the cross-field rules, all problems.

Nothing here reads data or calls AWS: these are the checks the container (and the SDK) would make on the
document alone, done before any upload or job so the user sees every mistake at once with its JSON path and
what would be valid. Data-dependent checks (columns exist in the file, value types) belong to the engine.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_clarify.config import templates
from airflow_provider_clarify.config.errors import ROOT_PATH, ConfigProblem, join_path
from airflow_provider_clarify.config.image_rules import image_config_problems
from airflow_provider_clarify.config.model import PARQUET_CONTENT_TYPE_RULE, default_content_type
from airflow_provider_clarify.config.schema import schema_document, schema_validator
from airflow_provider_clarify.config.time_series_rules import is_time_series, time_series_problems
from airflow_provider_clarify.contract import CSV, JSON, JSON_LINES, PARQUET, TABULAR_DATASET_TYPES

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_JSON_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true/false)",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def validate_document(document: Any) -> list[ConfigProblem]:
    """Every problem of ``document`` (structural, then cross-field), each with its JSON path; ``[]`` if valid."""
    if not isinstance(document, dict):
        return [
            ConfigProblem(ROOT_PATH, f"the analysis config must be a JSON object, got {_json_type(document)}")
        ]
    not_json = json_value_problems(document)
    problems = list(schema_problems(document))
    problems.extend(cross_field_problems(document))
    if not_json:
        # What the schema says about a value JSON cannot hold (a tuple "is not a list") would only confuse.
        bad = [problem.path for problem in not_json]
        problems = not_json + [
            problem for problem in problems if not any(_within(problem.path, path) for path in bad)
        ]
    return list(dict.fromkeys(problems))


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith((parent + ".", parent + "["))


def json_value_problems(value: Any, path: str = ROOT_PATH) -> list[ConfigProblem]:
    """Values a JSON document cannot hold (NaN/Infinity, tuples, sets, bytes, objects, non-string keys).

    The config is uploaded as ``analysis_config.json``; Python's ``json`` would write ``NaN`` (invalid JSON the
    container rejects) or fail on the others, so they are refused here with their path.
    """
    if isinstance(value, dict):
        problems = []
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(
                    ConfigProblem(join_path(path, str(key)), f"object keys must be strings, got {key!r}")
                )
            else:
                problems.extend(json_value_problems(item, join_path(path, key)))
        return problems
    if isinstance(value, list):
        return [
            problem
            for index, item in enumerate(value)
            for problem in json_value_problems(item, join_path(path, index))
        ]
    if isinstance(value, float) and not math.isfinite(value):
        return [ConfigProblem(path, f"{value!r} is not a finite number (JSON has no NaN or Infinity)")]
    if value is None or isinstance(value, (str, bool, int, float)):
        return []
    hint = (
        "use a list" if isinstance(value, (tuple, set, frozenset)) else "use a plain str, int, float or bool"
    )
    return [ConfigProblem(path, f"a value of type {type(value).__name__} cannot be written as JSON; {hint}")]


# --------------------------------------------------------------------------------------------- JSON Schema part


def schema_problems(document: Any) -> list[ConfigProblem]:
    """Translate the JSON Schema errors of ``document`` into problems with paths and "what would be valid"."""
    validator = schema_validator()
    problems: list[ConfigProblem] = []
    for error in validator.iter_errors(document):
        problems.extend(_translate(error, validator))
    return sorted(dict.fromkeys(problems), key=lambda problem: problem.path)


def _path_of(error: ValidationError) -> str:
    path = ROOT_PATH
    for key in error.absolute_path:
        path = join_path(path, key)
    return path


def _translate(error: ValidationError, validator: Validator) -> Iterator[ConfigProblem]:
    path = _path_of(error)
    kind = error.validator
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    instance: Any = error.instance  # the offending part of the user's document: any JSON value
    value: Any = error.validator_value  # the schema keyword's value (a type name, a list, a bound)
    hint = schema.get("x-hint")
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield ConfigProblem(join_path(path, str(key)), _unknown_key_message(str(key), allowed))
    elif kind == "required":
        for key in value:
            if key not in instance:
                expected = _expectation(schema.get("properties", {}).get(key, {}))
                yield ConfigProblem(join_path(path, key), f"required field is missing; give {expected}")
    elif kind == "type":
        yield ConfigProblem(path, f"must be {_types_phrase(_as_list(value))}, got {_describe(instance)}")
    elif kind == "enum":
        declared = schema.get("type")
        if declared is not None and not any(validator.is_type(instance, t) for t in _as_list(declared)):
            return  # the "type" error at this path already says what is wrong
        yield ConfigProblem(
            path,
            _enum_message(instance, list(value), case_sensitive=bool(schema.get("x-case-sensitive"))),
        )
    elif kind == "not":
        # The only "not" in the schema is the float rule: {"type": "number", "not": {"type": "integer"}}.
        yield ConfigProblem(
            path,
            f"must be a float such as 0.5 (write {instance}.0 for a whole number), got {_describe(instance)}",
        )
    elif kind == "minItems":
        yield ConfigProblem(path, "must not be an empty list" if value == 1 else error.message)
    elif kind == "minLength":
        yield ConfigProblem(path, "must not be an empty string")
    elif kind == "maxLength":
        yield ConfigProblem(
            path,
            _with_hint(f"is {len(instance)} characters long, at most {value} allowed", hint),
        )
    elif kind in ("minimum", "exclusiveMinimum", "maximum"):
        relation = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[kind]
        yield ConfigProblem(path, f"must be {relation} {value}, got {instance!r}")
    elif kind == "pattern":
        yield ConfigProblem(path, _with_hint(f"{instance!r} does not match {value}", hint))
    elif kind in ("anyOf", "oneOf"):
        yield from _translate_alternatives(error, validator, path, hint)
    else:  # pragma: no cover - the schema uses no other keywords; keep jsonschema's own words if one appears
        yield ConfigProblem(path, error.message)


def _translate_alternatives(
    error: ValidationError, validator: Validator, path: str, hint: str | None
) -> Iterator[ConfigProblem]:
    """Explain an anyOf failure by the branch(es) whose JSON type fits the value, else by the accepted types."""
    branches: list[dict[str, Any]] = error.validator_value  # type: ignore[assignment]  # an anyOf list
    instance: Any = error.instance
    fitting = [
        index
        for index, branch in enumerate(branches)
        if "type" not in branch or any(validator.is_type(instance, kind) for kind in _as_list(branch["type"]))
    ]
    if not fitting:
        kinds = [kind for branch in branches for kind in _as_list(branch.get("type", []))]
        yield ConfigProblem(
            path, _with_hint(f"must be {_types_phrase(kinds)}, got {_describe(instance)}", hint)
        )
        return
    found = False
    for sub in error.context or ():
        if sub.relative_schema_path and sub.relative_schema_path[0] in fitting:
            for problem in _translate(sub, validator):
                found = True
                yield ConfigProblem(
                    problem.path, _with_hint(problem.message, hint if problem.path == path else None)
                )
    if not found:  # pragma: no cover - defensive; jsonschema always reports why a fitting branch failed
        yield ConfigProblem(path, _with_hint(error.message, hint))


def _expectation(schema: dict[str, Any]) -> str:
    """A short "what would be valid" for a schema location: its hint, its enum, or its type."""
    while "$ref" in schema:
        target: Any = schema_document()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{key: value for key, value in schema.items() if key != "$ref"}}
    if "x-hint" in schema:
        return str(schema["x-hint"]).removeprefix("use ")
    if "enum" in schema:
        choices = [str(choice) for choice in schema["enum"]]
        shown = ", ".join(choices[:8]) + (f", ... ({len(choices)} in all)" if len(choices) > 8 else "")
        return f"one of {shown}"
    if "description" in schema:
        return str(schema["description"])
    kinds = schema.get("type") or [
        kind for branch in schema.get("anyOf", []) for kind in _as_list(branch.get("type", []))
    ]
    return _types_phrase(_as_list(kinds)) if kinds else "a value"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message}; {hint}" if hint else message


def _types_phrase(kinds: Sequence[str]) -> str:
    names = list(dict.fromkeys(_JSON_TYPE_NAMES.get(kind, kind) for kind in kinds))
    if "a number" in names and "an integer" in names:
        names.remove("an integer")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__} (not JSON)"


def _describe(value: Any) -> str:
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{_json_type(value)} {shown}"


def _enum_message(value: Any, choices: list[Any], *, case_sensitive: bool = False) -> str:
    shown_value = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else _describe(value)
    message = f"{shown_value} is not valid"
    if isinstance(value, str):
        suggestion = closest(value, [str(choice) for choice in choices], ignore_case=True)
        if suggestion:
            message += f"; did you mean {suggestion!r}?"
    shown = ", ".join(str(choice) for choice in choices[:20])
    if len(choices) > 20:
        shown += f", ... ({len(choices)} in all)"
    return f"{message} (valid{'' if case_sensitive else ', case-insensitive'}: {shown})"


def _unknown_key_message(key: str, allowed: list[str]) -> str:
    suggestion = closest(key, allowed)
    if suggestion:
        return f"unknown key {key!r}; did you mean {suggestion!r}? Valid keys here: {', '.join(allowed)}"
    return f"unknown key {key!r}; valid keys here: {', '.join(allowed)}"


def closest(word: str, choices: Iterable[str], *, ignore_case: bool = False) -> str | None:
    """The choice most similar to ``word`` (difflib), or ``None`` when nothing is reasonably close."""
    choices = list(choices)
    if ignore_case:
        by_folded = {choice.casefold(): choice for choice in choices}
        match = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=0.6)
        return by_folded[match[0]] if match else None
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return match[0] if match else None


# -------------------------------------------------------------------------------------------- cross-field part


def cross_field_problems(document: dict[str, Any]) -> list[ConfigProblem]:
    """The rules of reference §2.6 and §15 that tie fields together. Tolerates structurally broken parts (skips them)."""
    problems: list[ConfigProblem] = []
    dataset_type = _enum_or_none(document.get("dataset_type"))
    methods = _object(document.get("methods"))
    if isinstance(document.get("methods"), dict):
        problems += _method_presence(methods)
    predictor = document.get("predictor") if isinstance(document.get("predictor"), dict) else None

    problems += _dataset_rules(document, dataset_type)
    problems += _default_predicted_label_rule(document)
    problems += _bias_rules(document, methods)
    problems += _shap_rules(document, methods)
    problems += _pdp_rules(document, methods)
    if predictor is not None:
        problems += _predictor_rules(document, predictor, dataset_type)
    problems += _column_name_rules(document, dataset_type, methods)
    problems += image_config_problems(document)  # computer vision: config/image_rules.py
    problems += time_series_problems(document)  # time series: config/time_series_rules.py
    return problems


def _enum_or_none(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) else None


ANALYSIS_METHODS = ("pre_training_bias", "post_training_bias", "shap", "pdp", "asymmetric_shapley_value")


def _method_presence(methods: dict[str, Any]) -> list[ConfigProblem]:
    if isinstance(methods, dict) and not any(name in methods for name in ANALYSIS_METHODS):
        return [
            ConfigProblem(
                "methods",
                "no analysis method is configured; add at least one of " + ", ".join(ANALYSIS_METHODS[:4]),
            )
        ]
    return []


def _dataset_rules(document: dict[str, Any], dataset_type: str | None) -> list[ConfigProblem]:
    problems = []
    # Rule 1: JSON / JSON Lines need a features JMESPath (the engine cannot guess where features are).
    if (
        dataset_type in (JSON, JSON_LINES)
        and not is_time_series(document)  # time series: located by time_series_data_config
        and "features" not in document
    ):
        problems.append(
            ConfigProblem(
                "features",
                f"required for dataset_type {dataset_type}: a JMESPath locating the feature values "
                '(e.g. "features"); the Clarify job requires it for JSON and JSON Lines alike, although the '
                "SDK's DataConfig only checks it for JSON",
            )
        )
    # Rule 2: separate facet / predicted-label datasets exist only for CSV.
    if dataset_type is not None and dataset_type != CSV:
        for key in (
            "facet_dataset_uri",
            "facet_headers",
            "predicted_label_dataset_uri",
            "predicted_label_headers",
        ):
            if key in document:
                problems.append(
                    ConfigProblem(
                        key, f"is only supported for dataset_type text/csv, not {document['dataset_type']}"
                    )
                )
    for headers_key, uri_key in (
        ("facet_headers", "facet_dataset_uri"),
        ("predicted_label_headers", "predicted_label_dataset_uri"),
    ):
        if headers_key in document and uri_key not in document:
            problems.append(
                ConfigProblem(
                    headers_key, f"only applies together with {uri_key}; set {uri_key} or remove it"
                )
            )
    if dataset_type is not None and dataset_type not in TABULAR_DATASET_TYPES:
        for key in ("predicted_label", "excluded_columns"):
            if key in document:
                problems.append(
                    ConfigProblem(
                        key, f"is only supported for tabular datasets, not {document['dataset_type']}"
                    )
                )
    if "time_series_data_config" in document and dataset_type not in (None, JSON):
        problems.append(
            ConfigProblem(
                "time_series_data_config", "time series data must have dataset_type application/json"
            )
        )
    return problems


DEFAULT_PREDICTED_LABEL_COLUMN = "predicted_label"
"""The predicted-label dataset's column read when ``predicted_label`` is not set (reference §2.1)."""


def _default_predicted_label_rule(document: dict[str, Any]) -> list[ConfigProblem]:
    """A predicted-label dataset without ``predicted_label`` is read from its column named ``predicted_label``;
    when ``predicted_label_headers`` lists no such column, the run could only fail, so say to set the field."""
    headers = document.get("predicted_label_headers")
    if (
        "predicted_label_dataset_uri" not in document
        or "predicted_label" in document
        or not isinstance(headers, list)
        or DEFAULT_PREDICTED_LABEL_COLUMN in headers
    ):
        return []
    candidates = [name for name in headers if name != document.get("joinsource_name_or_index")]
    example = f"; here that is probably {candidates[0]!r}" if len(candidates) == 1 else ""
    return [
        ConfigProblem(
            "predicted_label",
            f"not set, so the predicted-label column is the one named {DEFAULT_PREDICTED_LABEL_COLUMN!r}, and "
            f"predicted_label_headers has no such column ({headers}); set predicted_label to the name or index "
            f"of the column that holds the predictions{example}",
        )
    ]


def _bias_rules(document: dict[str, Any], methods: dict[str, Any]) -> list[ConfigProblem]:
    # Rule 3: bias methods need the label, the positive label values and at least one facet.
    requested = [name for name in ("pre_training_bias", "post_training_bias") if name in methods]
    if not requested:
        return []
    what = " and ".join(f"methods.{name}" for name in requested)
    needs = {
        "label": "the label column (name or index, or a JMESPath for JSON data)",
        "label_values_or_threshold": "the positive label values, or one threshold, as a list (e.g. [1])",
        "facet": 'a list of facets, e.g. [{"name_or_index": "sex"}]',
    }
    return [
        ConfigProblem(key, f"required by {what}: {text}")
        for key, text in needs.items()
        if key not in document
    ]


def _shap_rules(document: dict[str, Any], methods: dict[str, Any]) -> list[ConfigProblem]:
    shap = methods.get("shap")
    if not isinstance(shap, dict):
        return []
    problems = []
    # Rule 5: an explicit baseline leaves nothing to cluster.
    if "baseline" in shap and "num_clusters" in shap:
        problems.append(
            ConfigProblem(
                "methods.shap.num_clusters",
                "cannot be combined with methods.shap.baseline (num_clusters only sizes the baseline Clarify "
                "computes when none is given); remove one of the two",
            )
        )
    # Rule 6: features_to_explain is for tabular features only.
    if "features_to_explain" in shap:
        for other in ("text_config", "image_config"):
            if other in shap:
                problems.append(
                    ConfigProblem(
                        "methods.shap.features_to_explain",
                        f"is not supported together with methods.shap.{other} (text and image explanations "
                        "explain every unit); remove one of the two",
                    )
                )
        problems += _not_model_features(
            document, shap["features_to_explain"], "methods.shap.features_to_explain"
        )
    return problems


def _not_model_features(document: dict[str, Any], columns: Any, path: str) -> list[ConfigProblem]:
    """Columns that are never sent to the model cannot be explained or varied (reference §3.4 column roles)."""
    if not isinstance(columns, list):
        return []
    roles = {
        "label": "the label column",
        "predicted_label": "the predicted-label column",
        "joinsource_name_or_index": "the join column (an identifier)",
    }
    excluded = _list(document.get("excluded_columns"))
    problems = []
    for index, column in enumerate(columns):
        role = next(
            (text for key, text in roles.items() if key in document and column == document[key]), None
        )
        if role is None and column in excluded:
            role = "listed in excluded_columns"
        if role is not None:
            problems.append(
                ConfigProblem(f"{path}[{index}]", f"{column!r} is {role}, which is never a model feature")
            )
    return problems


def _pdp_rules(document: dict[str, Any], methods: dict[str, Any]) -> list[ConfigProblem]:
    pdp = methods.get("pdp")
    if isinstance(pdp, dict) and "features" in pdp:
        return _not_model_features(document, pdp["features"], "methods.pdp.features")
    # Rule 4: without SHAP there is no ranking to pick the top features from.
    if isinstance(pdp, dict) and "shap" not in methods and "features" not in pdp:
        return [
            ConfigProblem(
                "methods.pdp.features",
                "required when methods.shap is absent (PDP features must be provided when SHAP is not "
                'configured); list feature names or indices, e.g. ["age"]',
            )
        ]
    return []


def _predictor_rules(
    document: dict[str, Any], predictor: dict[str, Any], dataset_type: str | None
) -> list[ConfigProblem]:
    problems = []
    # ModelConfig rule of the SDK: an existing endpoint, or a model to deploy on a shadow endpoint, never both.
    if "endpoint_name" in predictor:
        for key in (
            "model_name",
            "instance_type",
            "initial_instance_count",
            "endpoint_name_prefix",
            "accelerator_type",
        ):
            if key in predictor:
                problems.append(
                    ConfigProblem(
                        f"predictor.{key}",
                        "cannot be combined with predictor.endpoint_name (which reuses an existing endpoint); "
                        f"remove {key}, or remove endpoint_name to deploy a shadow endpoint from model_name",
                    )
                )
    elif "model_name" in predictor:
        for key in ("instance_type", "initial_instance_count"):
            if key not in predictor:
                example = '"ml.m5.xlarge"' if key == "instance_type" else "1"
                problems.append(
                    ConfigProblem(
                        f"predictor.{key}",
                        f"required with predictor.model_name to deploy the shadow endpoint (e.g. {example})",
                    )
                )
    elif "endpoint_name_prefix" in predictor:
        problems.append(
            ConfigProblem(
                "predictor.endpoint_name_prefix",
                "only applies with predictor.model_name (it names the shadow endpoint)",
            )
        )

    content_type = _enum_or_none(predictor.get("content_type"))
    if "content_type" not in predictor and dataset_type is not None:
        content_type = default_content_type(dataset_type)  # the container defaults it to the dataset format
        if content_type is None:
            problems.append(ConfigProblem("predictor.content_type", PARQUET_CONTENT_TYPE_RULE))
    if not is_time_series(document):  # time series: its templates are checked by time_series_rules
        problems += _template_rules(document, predictor, content_type)
    return problems


def _template_rules(
    document: dict[str, Any], predictor: dict[str, Any], content_type: str | None
) -> list[ConfigProblem]:
    # Rule 8: the request body of JSON Lines / JSON models is built from templates.
    problems = []
    content_template = predictor.get("content_template")
    record_template = predictor.get("record_template")
    if content_type == JSON_LINES:
        if "content_template" not in predictor:
            problems.append(
                ConfigProblem(
                    "predictor.content_template",
                    "required for application/jsonlines model input: a template with the placeholder $features, "
                    'e.g. "{\\"features\\":$features}"',
                )
            )
        elif isinstance(content_template, str) and not templates.has_features_placeholder(content_template):
            problems.append(
                ConfigProblem(
                    "predictor.content_template",
                    "must contain the placeholder $features for application/jsonlines model input",
                )
            )
    elif content_type == JSON:
        if "content_template" not in predictor:
            problems.append(
                ConfigProblem(
                    "predictor.content_template",
                    "required for application/json model input: a template with $records (a batch) or $record "
                    '(one record per request), e.g. "{\\"instances\\": $records}"',
                )
            )
        elif isinstance(content_template, str) and not templates.has_record_placeholder(content_template):
            problems.append(
                ConfigProblem(
                    "predictor.content_template",
                    "must contain the placeholder $records or $record for application/json model input",
                )
            )
        if "record_template" not in predictor:
            problems.append(
                ConfigProblem(
                    "predictor.record_template",
                    'required for application/json model input: e.g. "$features", "$features_kvp" or '
                    '"{\\"A\\": \\"${A}\\"}"',
                )
            )
    if isinstance(record_template, str):
        problems += _record_template_rules(document, record_template)
    return problems


def _record_template_rules(document: dict[str, Any], template: str) -> list[ConfigProblem]:
    placeholders = templates.RecordTemplate.parse(template)
    path = "predictor.record_template"
    if not placeholders.kvp_is_alone:
        return [ConfigProblem(path, "$features_kvp must be the only placeholder of the record template")]
    if not placeholders.has_placeholder:
        return [
            ConfigProblem(
                path,
                "has no placeholder; use $features (optionally with $feature_names), exactly one $features_kvp, "
                'or "${NAME}" per feature',
            )
        ]
    headers = document.get("headers")
    if placeholders.named and isinstance(headers, list):
        return [
            ConfigProblem(path, f'"${{{name}}}" names no column in headers' + _did_you_mean(name, headers))
            for name in placeholders.named
            if name not in headers
        ]
    return []


def _did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    suggestion = closest(str(word), [str(choice) for choice in choices], ignore_case=True)
    return f"; did you mean {suggestion!r}?" if suggestion else ""


def _column_name_rules(
    document: dict[str, Any], dataset_type: str | None, methods: dict[str, Any]
) -> list[ConfigProblem]:
    """Column *names* must exist in the header lists the document itself gives (CSV and Parquet address columns by
    name; for JSON data ``label`` etc. are JMESPath expressions and are not checked here). A column that may come
    from a facet / predicted-label dataset whose headers are not given (read from its file) is not checked."""
    problems = _join_column_rules(document)
    headers = document.get("headers")
    if dataset_type not in (CSV, PARQUET) or not isinstance(headers, list):
        return problems
    main = [str(name) for name in headers]
    for index, name in enumerate(main):
        if name in main[:index]:
            problems.append(
                ConfigProblem(f"headers[{index}]", f"{name!r} appears twice; column names must be unique")
            )
    unknown_side = None  # a dataset whose columns the document does not list
    facet_side = _side(document, "facet_dataset_uri", "facet_headers", main)
    predicted_side = _side(document, "predicted_label_dataset_uri", "predicted_label_headers", main)
    checks: list[tuple[str, Any, list[str] | None]] = [
        ("label", document.get("label"), main),
        ("predicted_label", document.get("predicted_label"), predicted_side),
        ("group_variable", document.get("group_variable"), facet_side),
        ("joinsource_name_or_index", document.get("joinsource_name_or_index"), main),
    ]
    for index, facet in enumerate(_list(document.get("facet"))):
        if isinstance(facet, dict):
            checks.append((f"facet[{index}].name_or_index", facet.get("name_or_index"), facet_side))
    for index, column in enumerate(_list(document.get("excluded_columns"))):
        checks.append((f"excluded_columns[{index}]", column, main))
    shap = _object(methods.get("shap"))
    for index, column in enumerate(_list(shap.get("features_to_explain"))):
        checks.append((f"methods.shap.features_to_explain[{index}]", column, main))
    pdp = _object(methods.get("pdp"))
    for index, column in enumerate(_list(pdp.get("features"))):
        checks.append((f"methods.pdp.features[{index}]", column, main))
    for path, name, known in checks:
        if known is not unknown_side and isinstance(name, str) and name not in known:
            problems.append(
                ConfigProblem(path, f"{name!r} is not a column in headers" + _did_you_mean(name, known))
            )
    return problems


def _side(document: dict[str, Any], uri_key: str, headers_key: str, main: list[str]) -> list[str] | None:
    """Columns a role may come from: the main headers plus a second dataset's headers; ``None`` if unknowable."""
    if uri_key in document and not isinstance(document.get(headers_key), list):
        return None
    return main + [str(name) for name in _list(document.get(headers_key))]


def _join_column_rules(document: dict[str, Any]) -> list[ConfigProblem]:
    """The join column must be in every header list the document gives for the datasets being joined."""
    join = document.get("joinsource_name_or_index")
    if not isinstance(join, str):
        return []
    problems = []
    for uri_key, headers_key in (
        ("facet_dataset_uri", "facet_headers"),
        ("predicted_label_dataset_uri", "predicted_label_headers"),
    ):
        headers = document.get(headers_key)
        if uri_key in document and isinstance(headers, list) and join not in headers:
            problems.append(
                ConfigProblem(
                    headers_key,
                    f"has no join column {join!r} (joinsource_name_or_index); the datasets are joined on it"
                    + _did_you_mean(join, headers),
                )
            )
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    """A part of the document that should be an object; ``{}`` when it is broken (the schema part reports it)."""
    return value if isinstance(value, dict) else {}
