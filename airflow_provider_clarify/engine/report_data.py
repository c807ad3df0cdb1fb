"""What the engine hands the report besides ``analysis.json``: the run context and the model-performance counts.

Why beside and not inside analysis.json: analysis.json is the managed job's format, byte for byte, and readers
(gates, Model Monitor baselines) depend on it. The report therefore gets its extra facts as one JSON document,
``report_data``, which the notebook embeds in its parameters cell (docs/results.md, "The report's data").

Kept outside :mod:`.report` on purpose: importing that package loads nbconvert and matplotlib, and this module
is used on every run that writes a report, before the report is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import AnalysisConfig
from ..redaction import redact_text
from .roles import ColumnRoles
from .run import RunContext

ENGINE_NAME = "local engine (airflow-provider-clarify)"
CHART_KEYS = ("label", "facets")
"""The keys of the bias pass's distributions that the distribution charts read."""


def describe_predictor(predictor: object) -> str:
    """A short, credential-free description of a model override (a URL's userinfo and query values redacted)."""
    if predictor is None:
        return ""
    if isinstance(predictor, (str, Path)):
        return redact_text(str(predictor))
    kind = type(predictor)
    if callable(predictor) and not hasattr(predictor, "predict"):
        name = getattr(predictor, "__qualname__", None) or kind.__qualname__
        return f"in-process callable {getattr(predictor, '__module__', '') or ''}.{name}".replace(" .", " ")
    return f"in-process model {kind.__module__}.{kind.__qualname__}"


def prediction_source(config: AnalysisConfig, roles: ColumnRoles | None, predictor: object) -> str:
    """Where the predicted labels of post-training bias came from, in one sentence."""
    if config.methods.post_training_bias is None:
        return "no predicted labels (no post-training bias)"
    if roles is not None and roles.predicted_label is not None:
        joined = config.predicted_label_dataset_uri
        where = f"of {joined}" if joined else "of the dataset"
        return f"column {roles.predicted_label!r} {where}"
    return (
        f"the model ({model_text(config, predictor)}), probability threshold {config.probability_threshold:g}"
    )


def model_text(config: AnalysisConfig, predictor: object) -> str:
    """Which model was called: the override, the config's local predictor, or the endpoint."""
    override = describe_predictor(predictor)
    if override:
        return override
    settings = config.predictor_settings
    if settings.local_predictor:
        return redact_text(settings.local_predictor)
    if settings.endpoint_name:
        return f"endpoint {settings.endpoint_name}"
    if settings.model_name:
        return f"model {settings.model_name} (shadow endpoint)"
    return "none"


def run_context(
    config: AnalysisConfig,
    dataset_uri: str | Path,
    *,
    roles: ColumnRoles | None = None,
    rows: int | None = None,
    predictor: object = None,
    label_text: str | None = None,
) -> dict[str, Any]:
    """The run-context block of the report: dataset, rows read, predictions, positive outcome, engine, version.

    Keys (absent when they do not apply): ``dataset``, ``dataset_type``, ``rows``, ``label``,
    ``positive_outcome``, ``predictions``, ``model``, ``group_variable``, ``methods``, ``engine``,
    ``engine_version``, ``generated``.
    """
    methods = config.methods
    context: dict[str, Any] = {
        "dataset": str(dataset_uri),
        "dataset_type": config.dataset_type,
        "rows": rows,
    }
    if roles is not None and roles.label is not None:
        context["label"] = roles.label
    if label_text is not None:
        context["positive_outcome"] = label_text
    elif config.label_values_or_threshold:
        context["positive_outcome"] = ",".join(str(v) for v in config.label_values_or_threshold)
    if methods.post_training_bias is not None:
        context["predictions"] = prediction_source(config, roles, predictor)
    if methods.explains:
        context["model"] = model_text(config, predictor)
    if roles is not None and roles.group_variable:
        context["group_variable"] = roles.group_variable
    context.update(
        {
            "methods": sorted(name for name in methods.names if name != "report"),
            "engine": ENGINE_NAME,
            "engine_version": __version__,
            "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }
    )
    return {key: value for key, value in context.items() if value is not None}


def tabular_report_inputs(
    config: AnalysisConfig,
    dataset_uri: str | Path,
    roles: ColumnRoles,
    distributions: Mapping[str, Any] | None,
    *,
    predictor: object = None,
    explained_rows: int | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the distributions the charts read, the report data) of a tabular run.

    ``distributions`` is the bias pass's (None without bias methods): its ``rows`` and ``performance`` go to the
    report data, the value counts stay for the distribution charts. ``explained_rows`` is the number of records
    read for explanations, the rows figure of a run without bias methods.
    """
    charts = None
    performance = None
    rows = explained_rows
    if distributions is not None:
        charts = {key: distributions[key] for key in CHART_KEYS if key in distributions}
        performance = distributions.get("performance")
        rows = distributions.get("rows", rows)
    label_text = performance.get("label_value_or_threshold") if performance else None
    data: dict[str, Any] = {
        "run": run_context(
            config, dataset_uri, roles=roles, rows=rows, predictor=predictor, label_text=label_text
        )
    }
    if performance is not None:
        data["performance"] = performance
    return charts, data


SERIES_ITEMS_SHOWN = 3
"""Items whose attributions the report draws (the first lines of out.jsonl); the summary covers every item."""


def series_report_data(
    config: AnalysisConfig, dataset_uri: str | Path, output_dir: Path, explanations: Mapping[str, Any]
) -> dict[str, Any]:
    """The report data of a time-series run: the run context, the first :data:`SERIES_ITEMS_SHOWN` lines of
    ``out.jsonl`` and the summary of all of them (:func:`.timeseries.summarize_explanations_file`)."""
    from .timeseries import explanation_lines, results_relative_path, summarize_explanations_file

    entry = explanations["asymmetric_shapley_value"]
    relative = results_relative_path(entry["granularity"], entry["direction"])
    path = output_dir / relative
    items: list[dict[str, Any]] = []
    for line in explanation_lines(path):
        if len(items) == SERIES_ITEMS_SHOWN:
            break
        items.append(dict(line))
    summary = summarize_explanations_file(
        path, direction=entry["direction"], granularity=entry["granularity"]
    )
    run = run_context(config, dataset_uri)
    run.update({"series": entry["explanation_results_path"], "items": summary["items"]})
    run.pop("positive_outcome", None)
    return {
        "run": run,
        "time_series": {"results_path": relative, "summary": summary, "items": items},
    }


IMAGES_SHOWN = 6
"""Heatmaps the report's grid shows (the first ones, in dataset order)."""
IMAGE_SUMMARY_KEYS = (
    "model_type",
    "label_headers",
    "num_images",
    "num_explanations",
    "explanations_per_label",
    "num_segments",
    "segment_compactness",
    "num_samples",
    "baseline",
    "local_explanations",
)


def image_report_data(
    config: AnalysisConfig,
    dataset_uri: str | Path,
    explanations: Mapping[str, Any],
    *,
    predictor: object = None,
) -> dict[str, Any]:
    """The report data of a computer-vision run: the run context, the summary of ``explanations.computer_vision``
    and the names (never the pixels) of the first :data:`IMAGES_SHOWN` heatmaps with their image and label."""
    section = explanations["computer_vision"]
    shown: list[dict[str, Any]] = []
    for entry in section.get("images") or []:
        labels = list(entry.get("labels") or [])
        for position, heatmap in enumerate(entry.get("heatmaps") or []):
            if len(shown) == IMAGES_SHOWN:
                break
            label = labels[position] if position < len(labels) else ", ".join(map(str, labels))
            shown.append({"image": entry.get("image"), "label": label, "heatmap": heatmap})
    run = run_context(config, dataset_uri, predictor=predictor)
    run.pop("positive_outcome", None)
    run.update({"images": section.get("num_images"), "model": model_text(config, predictor)})
    summary = {key: section[key] for key in IMAGE_SUMMARY_KEYS if key in section}
    return {"run": run, "images": {"summary": summary, "shown": shown}}


def write_explanations_report(
    config: AnalysisConfig,
    dataset_uri: str | Path,
    output_dir: Path | None,
    explanations: Mapping[str, Any],
    *,
    predictor: object = None,
) -> None:
    """Write the report of a time-series or computer-vision run when ``methods.report`` is set: the analysis kinds
    whose explanations live in files beside analysis.json (``explanations`` is their analysis.json entry, already
    published under ``output_dir``). The report is one step of the run (logged like the others)."""
    if config.methods.report is None or output_dir is None:
        return
    from .report import write_report  # nbconvert and matplotlib: imported on use
    from .steps import MethodSteps

    if "asymmetric_shapley_value" in explanations:
        data = series_report_data(config, dataset_uri, output_dir, explanations)
    elif "computer_vision" in explanations:
        data = image_report_data(config, dataset_uri, explanations, predictor=predictor)
    else:
        return
    with MethodSteps(["report"]).step(["report"]):
        write_report(
            output_dir,
            {"version": "1.0", "explanations": dict(explanations)},
            name=config.methods.report.name,
            title=config.methods.report.title,
            report_data=data,
        )


def with_report(context: RunContext, explanations: dict[str, Any]) -> dict[str, Any]:
    """``{"explanations": explanations}`` of a time-series or image run, its report written beside it first when
    ``methods.report`` is set (the entry point of those kinds in ``analysis.ANALYSES``)."""
    write_explanations_report(
        context.config, context.dataset_uri, context.output_dir, explanations, predictor=context.predictor
    )
    return {"explanations": explanations}
