"""Read an ``analysis.json`` (a dict, a local file or a local output directory) into the parts of a result.

Every problem is a :class:`ClarifyResultError` naming the JSON path of the bad value, so a malformed document is
reported rather than read as "no metrics". Reading S3 is the Airflow layer's job: this layer imports no boto3.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_clarify.config.metrics import METRIC_DESCRIPTIONS, metric_failure_warning
from airflow_provider_clarify.contract import ANALYSIS_FILE, is_s3_uri, join_uri
from airflow_provider_clarify.outputs import OutputStateError, read_local_analysis
from airflow_provider_clarify.results.errors import ClarifyResultError
from airflow_provider_clarify.results.files import bounded_output_files
from airflow_provider_clarify.results.intervals import metric_interval_fields, section_interval_settings
from airflow_provider_clarify.results.kinds import image_summary, time_series_summary
from airflow_provider_clarify.results.numbers import is_number, parse_number, required_number
from airflow_provider_clarify.results.sections import (
    SECTION_KEYS,
    BiasSection,
    FacetGroup,
    MetricEntry,
    PdpSummary,
    ResultFields,
    ShapSummary,
)

MAX_CATEGORIES = 20
"""Category names kept per PDP feature (the grid itself stays in analysis.json)."""

OutputFiles = Mapping[str, str] | Iterable[str]
"""File name → URI, or file names relative to the output location."""


@dataclass(frozen=True)
class RunFacts:
    """What the caller knows about the run that wrote the document (not part of analysis.json)."""

    engine: str = "local"
    job_name: str | None = None
    job_status: str | None = None
    output_uri: str | None = None
    output_files: OutputFiles | None = None
    warnings: Iterable[str] | None = None
    segments: Mapping[str, Any] | None = None
    """The segments/analysis_segments.json document (read beside a local analysis.json when not given)."""
    explanation_summaries: Mapping[str, Any] | None = None
    """Summaries of explanation files the caller read (``{"time_series": summarize_explanations(...)}``)."""


def parse_analysis(source: str | Path | Mapping[str, Any], run: RunFacts) -> ResultFields:
    """The fields of a result for ``source`` (a dict, a local ``analysis.json`` or the directory holding one).

    A local output folder is read by the output protocol (:mod:`airflow_provider_clarify.outputs.reading`): a
    complete run manifest vouches for the files it lists (and analysis.json must match its SHA-256); a running
    manifest or a ``failure`` file is an error; without a manifest, ``analysis.json`` marks a complete output.
    For a local path the output location defaults to the folder, and the output files to the files the rule
    trusts (every visible file of the folder when there is no manifest).
    """
    from airflow_provider_clarify.results.segments import (  # it reads sections here
        parse_segments,
        read_segments,
    )

    document, local_dir, trusted = _read_source(source)
    output_uri = run.output_uri or (str(local_dir) if local_dir is not None else None)
    _check_is_analysis(document)
    explanations = document.get("explanations") or {}
    if not isinstance(explanations, Mapping):
        raise ClarifyResultError("explanations: expected an object")
    bias = {
        stage: parse_bias_section(document[key], key)
        for stage, key in SECTION_KEYS.items()
        if document.get(key) is not None
    }
    files, counts = bounded_output_files(_output_files(run.output_files, output_uri, local_dir, trusted))
    return ResultFields(
        engine=run.engine,
        job_name=run.job_name,
        job_status=run.job_status,
        output_uri=output_uri,
        analysis_uri=join_uri(output_uri, ANALYSIS_FILE) if output_uri else None,
        output_files=files,
        output_file_counts=counts,
        version=None if document.get("version") is None else str(document["version"]),
        bias=bias,
        shap=parse_kernel_shap(explanations.get("kernel_shap")),
        pdp=parse_pdp(explanations.get("pdp")),
        warnings=with_metric_failures(run.warnings or (), bias),
        segments=parse_segments(run.segments if run.segments is not None else read_segments(local_dir)),
        segments_truncated=0,
        time_series=time_series_summary(
            explanations.get("asymmetric_shapley_value"), (run.explanation_summaries or {}).get("time_series")
        ),
        computer_vision=image_summary(explanations.get("computer_vision")),
    )


def with_metric_failures(warnings: Iterable[str], bias: Mapping[str, BiasSection]) -> tuple[str, ...]:
    """The run's warnings plus one per failed metric of the document (reference §10.2) that they do not already hold.

    The local engine warns about each failed metric in the same words (:func:`metric_failure_warning`), so a
    failure is counted once; a managed job's result, which has no engine warnings, still carries them.
    """
    collected = [str(warning) for warning in warnings]
    known = set(collected)
    for section in bias.values():
        for facet, groups in section.facets.items():
            for group in groups:
                for entry in group.metrics:
                    if entry.error is None:
                        continue
                    message = metric_failure_warning(entry.name, facet, group.value_or_threshold, entry.error)
                    if message not in known:
                        known.add(message)
                        collected.append(message)
    return tuple(collected)


def _read_source(source: object) -> tuple[Mapping[str, Any], Path | None, tuple[str, ...] | None]:
    """(document, the local directory it was read from or None for a dict, the output files the reading rule
    trusts or None when no rule applied)."""
    if isinstance(source, Mapping):
        return source, None, None
    if not isinstance(source, (str, Path)):
        raise ClarifyResultError(
            f"expected an analysis.json dict or a path to one, got {type(source).__name__}"
        )
    if is_s3_uri(str(source)):
        raise ClarifyResultError(
            f"{source}: ClarifyResult reads local files only; download analysis.json first "
            "(the operators do this) and pass the s3:// prefix as output_uri"
        )
    path = Path(source)
    if path.is_dir():
        path = path / ANALYSIS_FILE
    trusted = None
    if path.name == ANALYSIS_FILE and path.parent.is_dir():
        try:
            output, data = read_local_analysis(path.parent)
        except OutputStateError as err:
            raise ClarifyResultError(str(err)) from None
        trusted = output.files
    elif not path.is_file():
        raise ClarifyResultError(f"{path}: no analysis.json there (was the analysis successful?)")
    else:  # a standalone document (a baseline saved under another name): no output folder around it
        data = path.read_bytes()
    try:
        document = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ClarifyResultError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(document, Mapping):
        raise ClarifyResultError(f"analysis.json must hold a JSON object, got {type(document).__name__}")
    return document, path.parent, trusted


def _check_is_analysis(document: Mapping[str, Any]) -> None:
    known = {*SECTION_KEYS.values(), "explanations", "version"}
    if not known & set(document):
        raise ClarifyResultError(
            "not a Clarify analysis.json: none of 'version', 'pre_training_bias_metrics', "
            f"'post_training_bias_metrics', 'explanations' is present (keys: {sorted(document)[:10]})"
        )


def parse_bias_section(section: object, where: str) -> BiasSection:
    """One ``*_bias_metrics`` section; ``where`` is its key, used in error messages."""
    if not isinstance(section, Mapping):
        raise ClarifyResultError(f"{where}: expected an object")
    facets_raw = section.get("facets")
    facets_raw = {} if facets_raw is None else facets_raw
    if not isinstance(facets_raw, Mapping):
        raise ClarifyResultError(f"{where}.facets: expected an object keyed by facet name")
    facets: dict[str, tuple[FacetGroup, ...]] = {}
    for facet, groups in facets_raw.items():
        if not isinstance(groups, list):
            raise ClarifyResultError(f"{where}.facets.{facet}: expected a list of facet groups")
        facets[str(facet)] = tuple(
            _parse_facet_group(group, f"{where}.facets.{facet}[{index}]")
            for index, group in enumerate(groups)
        )
    return BiasSection(
        label=_optional_text(section.get("label")),
        label_value_or_threshold=_optional_text(section.get("label_value_or_threshold")),
        facets=facets,
        confidence=section_interval_settings(section, where),
    )


def _parse_facet_group(group: object, where: str) -> FacetGroup:
    if not isinstance(group, Mapping) or not isinstance(group.get("metrics"), list):
        raise ClarifyResultError(f"{where}: expected an object with a 'metrics' list")
    metrics = tuple(
        _parse_metric(metric, f"{where}.metrics[{i}]") for i, metric in enumerate(group["metrics"])
    )
    return FacetGroup(_text(group.get("value_or_threshold")), metrics)


def _parse_metric(metric: object, where: str) -> MetricEntry:
    if not isinstance(metric, Mapping) or not isinstance(metric.get("name"), str):
        raise ClarifyResultError(f"{where}: expected an object with a string 'name'")
    value = parse_number(metric.get("value"), f"{where}.value")
    error = metric.get("error")
    return MetricEntry(
        name=metric["name"],
        value=value,
        error=None if error is None else str(error),
        description=str(metric.get("description") or METRIC_DESCRIPTIONS.get(metric["name"], "")),
        **metric_interval_fields(metric, where),  # confidence intervals (results/intervals.py)
    )


def parse_kernel_shap(kernel_shap: object) -> dict[str, ShapSummary]:
    """``explanations.kernel_shap``: target → global SHAP values (and NLP top text units)."""
    if kernel_shap is None:
        return {}
    if not isinstance(kernel_shap, Mapping):
        raise ClarifyResultError("explanations.kernel_shap: expected an object keyed by target name")
    summaries = {}
    for target, body in kernel_shap.items():
        where = f"explanations.kernel_shap.{target}"
        if not isinstance(body, Mapping) or not isinstance(body.get("global_shap_values", {}), Mapping):
            raise ClarifyResultError(f"{where}: expected an object with 'global_shap_values'")
        values = {
            str(feature): required_number(v, f"{where}.global_shap_values.{feature}")
            for feature, v in (body.get("global_shap_values") or {}).items()
        }
        text = body.get("global_top_shap_text")
        top_text = (
            None
            if text is None
            else {str(unit): required_number(v, f"{where}.global_top_shap_text") for unit, v in text.items()}
        )
        summaries[str(target)] = ShapSummary(
            global_shap_values=values,
            expected_value=parse_number(body.get("expected_value"), f"{where}.expected_value"),
            global_top_shap_text=top_text,
        )
    return summaries


def parse_pdp(pdp: object) -> tuple[PdpSummary, ...]:
    """``explanations.pdp``: one summary per feature, without the grid and prediction arrays."""
    if pdp is None:
        return ()
    if not isinstance(pdp, list):
        raise ClarifyResultError("explanations.pdp: expected a list")
    return tuple(_parse_pdp_entry(item, f"explanations.pdp[{index}]") for index, item in enumerate(pdp))


def _parse_pdp_entry(item: object, where: str) -> PdpSummary:
    if not isinstance(item, Mapping) or "feature_name" not in item:
        raise ClarifyResultError(f"{where}: expected an object with 'feature_name'")
    values = item.get("feature_values") or []
    numbers = [parse_number(v, where) for v in values if is_number(v)]
    numeric = item.get("data_type") == "numerical" and len(numbers) == len(values) and values
    predictions = [
        number
        for number in (
            parse_number(v, where) for v in _flatten(item.get("model_predictions") or []) if is_number(v)
        )
        if number is not None
    ]
    grid = [number for number in numbers if number is not None]
    return PdpSummary(
        feature_name=str(item["feature_name"]),
        data_type=_optional_text(item.get("data_type")),
        label_headers=tuple(str(h) for h in item.get("label_headers") or ()),
        num_values=len(values),
        value_min=min(grid) if numeric else None,
        value_max=max(grid) if numeric else None,
        categories=() if numeric else tuple(str(v) for v in values[:MAX_CATEGORIES]),
        prediction_min=min(predictions) if predictions else None,
        prediction_max=max(predictions) if predictions else None,
        error=_optional_text(item.get("error")),
    )


def _output_files(
    given: OutputFiles | None,
    output_uri: str | None,
    local_dir: Path | None,
    trusted: tuple[str, ...] | None = None,
) -> dict[str, str]:
    if isinstance(given, Mapping):
        return {str(name): str(uri) for name, uri in given.items()}
    if given is not None:
        names = [str(name) for name in given]
        return {
            name: join_uri(output_uri, name) if output_uri and "://" not in name else name for name in names
        }
    if local_dir is None:
        return {}
    if trusted is not None:
        return {name: join_uri(output_uri, name) if output_uri else str(local_dir / name) for name in trusted}
    found = {}
    for path in sorted(local_dir.rglob("*")):
        relative = path.relative_to(local_dir).as_posix()
        if path.is_file() and not relative.startswith(".") and "/." not in relative:
            found[relative] = join_uri(output_uri, relative) if output_uri else str(path)
    return found


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _flatten(values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        else:
            yield value
