"""Cross-field rules of time-series analyses (reference §13a), each reported with its JSON path before any side effect.

Sources of the rules (read from SageMaker SDK 2.257.x ``sagemaker.clarify`` and the Clarify documentation pages
"Analysis configuration files", "Time series data" and "Endpoint requests for time series data"):

- the three parts come together: ``methods.asymmetric_shapley_value`` needs ``time_series_data_config`` and
  ``predictor.time_series_predictor_config``, and neither of those is used by anything else (SDK
  ``_AnalysisConfigGenerator.explainability``);
- time series cannot be combined with bias methods (SDK: "Bias metrics are unsupported for time series"; its
  ``run_bias*`` do not check, the container cannot run them), nor with SHAP or PDP (SDK: "Please do not provide
  Asymmetric Shapley Value configs for non-TimeSeries uses"), nor with ``excluded_columns``, ``predictor.label``
  or ``predictor.probability`` (documentation: "not supported for time series"); ``label`` and
  ``predicted_label`` have no meaning without a label to explain and are refused too;
- the locations are all JMESPath strings or all integer indexes, never mixed; ``dataset_format`` is required
  with strings and refused with indexes; no empty strings (SDK ``TimeSeriesDataConfig``);
- ``fine_grained`` needs ``chronological`` and an integer ``num_samples``; ``timewise`` refuses a non-zero
  ``num_samples`` (SDK ``AsymmetricShapleyValueConfig``);
- static-covariate baselines: one list per item id, each as long as ``static_covariates``, and only when static
  covariates are configured (SDK ``_validate_time_series_static_covariates_baseline``); ``fine_grained`` with
  static covariates needs them (documentation: "the baseline dataset is required for static_covariates");
- the model speaks JSON: ``content_type`` JSON (or JSON Lines, which the SDK allows) and a non-CSV
  ``accept_type`` (SDK ``ModelConfig``); the record template uses the time-series placeholders.

``methods.report`` is accepted although the documentation says reports are not produced for time series: the
SDK writes it into every config, so refusing it would refuse every SDK-built config. The local engine skips it
with a warning (docs/time-series.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_clarify.config import templates
from airflow_provider_clarify.config.errors import ConfigProblem
from airflow_provider_clarify.config.schema import enum_values
from airflow_provider_clarify.config.time_series import (
    TIME_SERIES_DATA_KEY,
    TIME_SERIES_METHOD,
    TIME_SERIES_PREDICTOR_KEY,
)
from airflow_provider_clarify.contract import CSV, JSON, JSON_LINES

DATA_KEY = TIME_SERIES_DATA_KEY
METHOD_PATH = f"methods.{TIME_SERIES_METHOD}"
FORECAST_PATH = f"predictor.{TIME_SERIES_PREDICTOR_KEY}"
DATASET_FORMATS = tuple(enum_values("$defs", TIME_SERIES_DATA_KEY, "properties", "dataset_format"))


def is_time_series(document: object) -> bool:
    """True when any of the three time-series parts is present: the document then describes a time-series
    analysis, and the rules here say what else it needs (``AnalysisConfig.analysis_kind`` reads the validated
    document the same way)."""
    if not isinstance(document, Mapping):
        return False
    methods = document.get("methods")
    predictor = document.get("predictor")
    return (
        TIME_SERIES_DATA_KEY in document
        or (isinstance(methods, Mapping) and TIME_SERIES_METHOD in methods)
        or (isinstance(predictor, Mapping) and TIME_SERIES_PREDICTOR_KEY in predictor)
    )


# Top-level and predictor fields a time-series analysis cannot use, with the reason shown to the user.
_NO_LABEL = "time-series explanations have no label; the forecast target is time_series_data_config.target_time_series"
_REFUSED_TOP_LEVEL = {
    "label": _NO_LABEL,
    "predicted_label": _NO_LABEL,
    "excluded_columns": "is not supported for time series (every configured series is sent to the model)",
}
_REFUSED_PREDICTOR = {
    "label": "is not supported for time series; the forecast is read with "
    "predictor.time_series_predictor_config.forecast",
    "probability": "is not supported for time series; the forecast is read with "
    "predictor.time_series_predictor_config.forecast",
}
_OTHER_METHODS = {
    "pre_training_bias": "bias metrics are not supported for time series",
    "post_training_bias": "bias metrics are not supported for time series",
    "shap": "SHAP explains tabular records; time series are explained by methods.asymmetric_shapley_value",
    "pdp": "partial dependence is for tabular features; time series are explained by "
    "methods.asymmetric_shapley_value",
}


def time_series_problems(document: Any) -> list[ConfigProblem]:
    """Every cross-field problem of the time-series parts of ``document``; ``[]`` for other analyses.

    Tolerates structurally broken parts (the JSON Schema reports those): a rule only looks at values of the type
    it expects.
    """
    if not is_time_series(document):
        return []
    methods = _mapping(document.get("methods"))
    predictor = document.get("predictor")
    data = document.get(DATA_KEY)
    problems = _presence(document, methods, predictor)
    problems += _combinations(document, methods, predictor)
    if isinstance(data, Mapping):
        problems += _locations(data)
        problems += _headers(document, data)
    method = methods.get(TIME_SERIES_METHOD)
    if isinstance(method, Mapping):
        problems += _method(method, data if isinstance(data, Mapping) else {})
    if isinstance(predictor, Mapping):
        problems += _predictor(document, predictor, data if isinstance(data, Mapping) else None)
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _presence(document: Any, methods: Mapping[str, Any], predictor: Any) -> list[ConfigProblem]:
    has_data = DATA_KEY in document
    has_method = TIME_SERIES_METHOD in methods
    has_forecast = isinstance(predictor, Mapping) and TIME_SERIES_PREDICTOR_KEY in predictor
    problems = []
    if has_method and not has_data:
        problems.append(
            ConfigProblem(
                DATA_KEY,
                "required by methods.asymmetric_shapley_value: where item id, timestamp and series are in the "
                'dataset, e.g. {"item_id": "[].item_id", "timestamp": "[].timestamp", "target_time_series": '
                '"[].target", "dataset_format": "timestamp_records"}',
            )
        )
    if has_method and isinstance(predictor, Mapping) and not has_forecast:
        problems.append(
            ConfigProblem(
                FORECAST_PATH,
                'required by methods.asymmetric_shapley_value: {"forecast": "<JMESPath of the forecast in the '
                'model response>"}, e.g. {"forecast": "predictions[*].mean"}',
            )
        )
    if not has_method:
        for present, path in ((has_data, DATA_KEY), (has_forecast, FORECAST_PATH)):
            if present:
                problems.append(
                    ConfigProblem(
                        path,
                        "is only used by time-series explanations: add methods.asymmetric_shapley_value (e.g. "
                        '{"direction": "chronological", "granularity": "timewise"}) or remove it',
                    )
                )
    return problems


def _combinations(document: Any, methods: Mapping[str, Any], predictor: Any) -> list[ConfigProblem]:
    problems = [
        ConfigProblem(f"methods.{name}", f"cannot be combined with time series: {reason}")
        for name, reason in _OTHER_METHODS.items()
        if name in methods
    ]
    problems += [
        ConfigProblem(key, f"cannot be used with time series: {reason}")
        for key, reason in _REFUSED_TOP_LEVEL.items()
        if key in document
    ]
    if isinstance(predictor, Mapping):
        problems += [
            ConfigProblem(f"predictor.{key}", reason)
            for key, reason in _REFUSED_PREDICTOR.items()
            if key in predictor
        ]
    return problems


def _locations(data: Mapping[str, Any]) -> list[ConfigProblem]:
    """All JMESPath strings or all integer indexes; dataset_format with strings only; valid, distinct paths."""
    target = data.get("target_time_series")
    if isinstance(target, bool) or not isinstance(target, (str, int)):
        return []  # the schema reports the type of target_time_series itself
    fields: list[tuple[str, Any]] = [
        (f"{DATA_KEY}.item_id", data.get("item_id")),
        (f"{DATA_KEY}.timestamp", data.get("timestamp")),
        (f"{DATA_KEY}.target_time_series", target),
    ]
    for key in ("related_time_series", "static_covariates"):
        values = data.get(key)
        if isinstance(values, list):
            fields += [(f"{DATA_KEY}.{key}[{i}]", value) for i, value in enumerate(values)]
    problems = []
    seen: dict[Any, str] = {}
    for path, value in fields:
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
            continue  # missing or of a type the schema already refuses
        problem = _location_problem(path, value, target)
        if problem is None and value in seen:
            problem = ConfigProblem(
                path, f"{value!r} is already used by {seen[value]}; each location names one part"
            )
        if problem is not None:
            problems.append(problem)
        else:
            seen[value] = path
    return problems + _dataset_format(data, uses_paths=isinstance(target, str))


def _location_problem(path: str, value: str | int, target: str | int) -> ConfigProblem | None:
    """What is wrong with one location: another kind than the target's, an empty or invalid JMESPath."""
    if isinstance(value, str) != isinstance(target, str):
        kind_text = "a JMESPath string" if isinstance(target, str) else "an integer index"
        return ConfigProblem(
            path,
            f"must be {kind_text} like target_time_series ({target!r}): the locations are all JMESPath "
            f"strings or all integer indexes, never mixed; got {value!r}",
        )
    if isinstance(value, str) and not value.strip():
        return ConfigProblem(path, "must not be an empty string; give a JMESPath expression")
    syntax = _jmespath_syntax_error(value) if isinstance(value, str) else None
    if syntax:
        return ConfigProblem(path, f"{value!r} is not a valid JMESPath expression: {syntax}")
    return None


def _dataset_format(data: Mapping[str, Any], *, uses_paths: bool) -> list[ConfigProblem]:
    """``dataset_format`` is required with JMESPath locations and refused with integer indexes."""
    if uses_paths and "dataset_format" not in data:
        return [
            ConfigProblem(
                f"{DATA_KEY}.dataset_format",
                "required with JMESPath locations: how the JSON dataset is laid out, one of "
                + ", ".join(DATASET_FORMATS),
            )
        ]
    if not uses_paths and data.get("dataset_format") is not None:
        return [
            ConfigProblem(
                f"{DATA_KEY}.dataset_format",
                "only applies to JMESPath locations; with integer indexes the dataset is a JSON array of rows "
                "(one array per item and timestamp), so remove dataset_format",
            )
        ]
    return []


def _jmespath_syntax_error(expression: str) -> str | None:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(expression)
    except JMESPathError as error:
        return str(error).splitlines()[0]
    return None


def _headers(document: Any, data: Mapping[str, Any]) -> list[ConfigProblem]:
    headers = document.get("headers")
    if not isinstance(headers, list):
        return []
    related = _list(data.get("related_time_series"))
    static = _list(data.get("static_covariates"))
    expected = 3 + len(related) + len(static)
    problems = []
    if len(headers) != expected:
        problems.append(
            ConfigProblem(
                "headers",
                f"has {len(headers)} name(s) but time_series_data_config locates {expected}: give them in the order "
                f"item id, timestamp, target, then the {len(related)} related series and the {len(static)} static "
                "covariate(s)",
            )
        )
    for index, name in enumerate(headers):
        if name in headers[:index]:
            problems.append(
                ConfigProblem(f"headers[{index}]", f"{name!r} appears twice; names must be unique")
            )
    return problems


def _method(method: Mapping[str, Any], data: Mapping[str, Any]) -> list[ConfigProblem]:
    problems = []
    granularity = _folded(method.get("granularity"))
    direction = _folded(method.get("direction"))
    num_samples = method.get("num_samples")
    if granularity == "fine_grained":
        if direction is not None and direction != "chronological":
            problems.append(
                ConfigProblem(
                    f"{METHOD_PATH}.direction",
                    f"{method.get('direction')!r} cannot be combined with granularity fine_grained, which only "
                    "supports chronological; use chronological, or timewise granularity",
                )
            )
        if "num_samples" not in method:
            problems.append(
                ConfigProblem(
                    f"{METHOD_PATH}.num_samples",
                    "required with granularity fine_grained: how many admissible orderings to sample (a rule "
                    "of thumb is (1 + max(related series, static covariates))^2)",
                )
            )
        elif isinstance(num_samples, int) and not isinstance(num_samples, bool) and num_samples < 1:
            problems.append(
                ConfigProblem(
                    f"{METHOD_PATH}.num_samples", f"must be >= 1 for fine_grained, got {num_samples}"
                )
            )
    elif granularity == "timewise" and isinstance(num_samples, int) and num_samples:
        problems.append(
            ConfigProblem(
                f"{METHOD_PATH}.num_samples",
                "is only used by granularity fine_grained (timewise explanations are exact); remove it",
            )
        )
    baseline = method.get("baseline")
    static_count = len(data["static_covariates"]) if isinstance(data.get("static_covariates"), list) else 0
    if isinstance(baseline, Mapping):  # the schema checks the rest of an inline baseline
        problems += baseline_problems(baseline, static_count, f"{METHOD_PATH}.baseline", structure=False)
    if granularity == "fine_grained" and static_count and not isinstance(baseline, str):
        given = baseline.get("static_covariates") if isinstance(baseline, Mapping) else None
        if given is None:
            problems.append(
                ConfigProblem(
                    f"{METHOD_PATH}.baseline.static_covariates",
                    f"required with granularity fine_grained and {static_count} static covariate(s): one list of "
                    f'{static_count} value(s) per item id, e.g. {{"item1": {[0] * static_count}}}',
                )
            )
    return problems


def baseline_problems(
    baseline: Mapping[str, Any], static_count: int, path: str, *, structure: bool = True
) -> list[ConfigProblem]:
    """Rules of a baseline object. The engine checks a baseline it loads from a URI with ``structure=True`` (the
    keys and temporal values the JSON Schema checks for an inline one); the static-covariate rules apply to both.
    """
    problems = []
    for key in ("target_time_series", "related_time_series") if structure else ():
        value = baseline.get(key)
        if value is not None and (not isinstance(value, str) or value.casefold() not in ("zero", "mean")):
            problems.append(ConfigProblem(f"{path}.{key}", f"{value!r} is not valid; use 'zero' or 'mean'"))
    known = {"target_time_series", "related_time_series", "static_covariates"}
    unknown = sorted(set(baseline) - known) if structure else []
    problems += [
        ConfigProblem(
            f"{path}.{key}",
            "unknown key; valid keys: target_time_series, related_time_series, static_covariates",
        )
        for key in unknown
    ]
    statics = baseline.get("static_covariates")
    if statics is None:
        return problems
    if not isinstance(statics, Mapping):
        return [*problems, ConfigProblem(f"{path}.static_covariates", "must be an object: item id -> list")]
    if not static_count:
        problems.append(
            ConfigProblem(
                f"{path}.static_covariates",
                "is given but time_series_data_config has no static_covariates; add them there or remove this",
            )
        )
        return problems
    for item, values in statics.items():
        where = f"{path}.static_covariates.{item}"
        if not isinstance(values, list):
            problems.append(
                ConfigProblem(where, f"must be a list of {static_count} value(s), got {values!r}")
            )
        elif len(values) != static_count:
            problems.append(
                ConfigProblem(
                    where,
                    f"has {len(values)} value(s) but there are {static_count} static covariate(s); give one "
                    "baseline value per static covariate, in their order",
                )
            )
        elif any(isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in values):
            problems.append(ConfigProblem(where, "values must be numbers or strings"))
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _folded(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _predictor(
    document: Any, predictor: Mapping[str, Any], data: Mapping[str, Any] | None
) -> list[ConfigProblem]:
    content_type = _folded(predictor.get("content_type")) or _folded(document.get("dataset_type")) or JSON
    accept_type = _folded(predictor.get("accept_type")) or content_type
    problems = []
    if "content_type" in predictor and content_type not in (JSON, JSON_LINES):
        problems.append(
            ConfigProblem(
                "predictor.content_type",
                f"{predictor.get('content_type')!r} cannot carry time series; use application/json (or "
                "application/jsonlines)",
            )
        )
    if accept_type == CSV:
        problems.append(
            ConfigProblem(
                "predictor.accept_type",
                "text/csv cannot carry a forecast per record for time series; use application/json (or "
                "application/jsonlines)",
            )
        )
    problems += _content_template(predictor, content_type)
    record_template = predictor.get("record_template")
    if content_type in (JSON, JSON_LINES) and record_template is None:
        problems.append(
            ConfigProblem(
                "predictor.record_template",
                "required for time series: how one item becomes a record, e.g. "
                '"{\\"start\\": $start_time, \\"target\\": $target_time_series}"',
            )
        )
    if isinstance(record_template, str):
        problems += _record_template(record_template, data)
    return problems


def _content_template(predictor: Mapping[str, Any], content_type: str) -> list[ConfigProblem]:
    """A JSON body wraps records with ``$records`` / ``$record``; a JSON Lines line holds one ``$record``."""
    path = "predictor.content_template"
    template = predictor.get("content_template")
    if template is not None and not isinstance(template, str):
        return [
            ConfigProblem(
                path, 'must be a template string for time series, e.g. "{\\"instances\\": $records}"'
            )
        ]
    if content_type == JSON and "content_template" not in predictor:
        return [
            ConfigProblem(
                path,
                "required for application/json model input: $records (a batch) or $record (one item per "
                'request), e.g. "{\\"instances\\": $records}"',
            )
        ]
    if content_type == JSON and isinstance(template, str) and not templates.has_record_placeholder(template):
        return [ConfigProblem(path, "must contain the placeholder $records or $record")]
    if content_type == JSON_LINES and isinstance(template, str) and not templates.sends_one_record(template):
        return [
            ConfigProblem(
                path,
                "for application/jsonlines model input each line holds one record: use $record (not $records)",
            )
        ]
    return []


def _record_template(template: str, data: Mapping[str, Any] | None) -> list[ConfigProblem]:
    """Placeholders: only the time-series ones, the target always, related/static exactly when configured (not
    checked against a missing time_series_data_config, which is reported on its own)."""
    path = "predictor.record_template"
    problems = []
    unknown = sorted(
        {
            token
            for token in templates.ANY_PLACEHOLDER.findall(template)
            if token not in templates.TIME_SERIES_PLACEHOLDERS
        }
    )
    if unknown:
        problems.append(
            ConfigProblem(
                path,
                f"{', '.join(unknown)} cannot be used for time series; the placeholders are "
                + ", ".join(templates.TIME_SERIES_PLACEHOLDERS),
            )
        )
    if templates.TARGET_TIME_SERIES not in template:
        problems.append(
            ConfigProblem(path, f"must contain {templates.TARGET_TIME_SERIES}: the model forecasts from it")
        )
    if data is None:
        return problems
    pairs = (
        ("related_time_series", templates.RELATED_TIME_SERIES),
        ("static_covariates", templates.STATIC_COVARIATES),
    )
    for key, placeholder in pairs:
        configured = bool(_list(data.get(key)))
        if configured and placeholder not in template:
            problems.append(
                ConfigProblem(
                    path,
                    f"has no {placeholder} although time_series_data_config.{key} is configured: the model "
                    f"would never see them (add {placeholder}, or remove {key})",
                )
            )
        if placeholder in template and not configured:
            problems.append(
                ConfigProblem(
                    path,
                    f"uses {placeholder} but time_series_data_config.{key} is not configured; add {key} or "
                    f"remove {placeholder}",
                )
            )
    return problems
