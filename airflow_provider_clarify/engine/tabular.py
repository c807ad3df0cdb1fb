"""``analyze_tables``: the analyses of tabular data (CSV, JSON Lines, JSON, Parquet) — bias, SHAP, PDP, report.

Order of work: open the dataset(s) and resolve column roles once; build the run state; compute the requested
bias sections; compute explanations (SHAP/PDP) when asked; write the report when asked. Each step is recorded
(:class:`~.steps.MethodSteps`), so a failed step logs which methods had completed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..config import Methods
from ..config.model import BIAS_METHODS, EXPLANATION_METHODS
from ..contract import SEGMENTS_PATH, json_ready
from .bias.analyze import Distributions, compute_bias_sections
from .data.column_kinds import with_stable_column_types
from .data.dataset import TabularDataset
from .data.opening import open_dataset
from .errors import AnalysisError
from .explain import read_explanation_data, run_explanations
from .explain.shap_extras import ShapExtras
from .models import Model
from .output import write_json_atomic
from .predictors import PredictorError, build_model
from .report_data import tabular_report_inputs
from .roles import resolve_roles
from .run import AnalysisRun, RunContext
from .segment_results import SegmentResults
from .segments import SegmentConfigSpec
from .steps import MethodSteps


def analyze_tables(context: RunContext) -> dict[str, Any]:
    """The bias and explanation sections of ``analysis.json`` for a tabular dataset (the report and the segment
    results beside it)."""
    config, options = context.config, context.options
    data = open_dataset(
        config,
        context.dataset_uri,
        s3_client=context.s3_client,
        scratch=context.scratch,
        chunk_rows=options.chunk_rows,
        progress_interval=options.progress_interval_seconds,
        warn=context.sink.warn_once,  # each step reads the data again; say what a read finds once per run
    )
    roles = resolve_roles(config, data)
    run = AnalysisRun(config, roles, options, context.warn, context.s3_client, context.output_dir)
    methods = config.methods
    needs_predictions = methods.post_training_bias is not None and roles.predicted_label is None
    model = _build_model(run, context) if needs_predictions or methods.explains else None
    # A column whose values change kind between chunks is read as text everywhere: the analysis starts again.
    return with_stable_column_types(
        lambda: _analyze_data(run, data, model, context), context.warn, context.sink.collected
    )


def _analyze_data(
    run: AnalysisRun, data: TabularDataset, model: Model | None, context: RunContext
) -> dict[str, Any]:
    segment_specs: list[SegmentConfigSpec] = context.segments
    methods, roles = run.config.methods, run.roles
    analysis: dict[str, Any] = {}
    distributions: Distributions | None = None
    # Built per attempt: a restart (column kinds changed mid-read) must not count segment rows twice.
    segments = (
        SegmentResults(segment_specs, roles.segment_columns, run.warn, run.options.max_distinct_values)
        if segment_specs
        else None
    )
    bias, explanations = _present(methods, BIAS_METHODS), _present(methods, EXPLANATION_METHODS)
    report = ["report"] if methods.report is not None and run.output_dir is not None else []
    steps = MethodSteps([*bias, *explanations, *report])
    explained_rows = None  # records read for explanations: the run context's rows when no bias pass ran
    if bias:
        with steps.step(bias):
            sections, distributions = compute_bias_sections(run, data, model, segments)
        analysis.update(sections)
    if explanations:
        assert model is not None
        with steps.step(explanations):
            extras = _shap_extras(run, data, segments)
            explained = read_explanation_data(data, roles)
            explained_rows = len(explained.features)
            analysis["explanations"] = run_explanations(run, explained, model, extras)
    segments_document = segments.document() if segments is not None else None
    if segments_document is not None and run.output_dir is not None:
        write_json_atomic(run.output_dir / SEGMENTS_PATH, segments_document)  # before analysis.json
    if report:
        with steps.step(report):
            charts, report_data = tabular_report_inputs(
                run.config, context.dataset_uri, roles, distributions,
                predictor=context.predictor, explained_rows=explained_rows,
            )  # fmt: skip
            _write_report(run, analysis, charts, segments_document, report_data)
    return analysis


def _write_report(
    run: AnalysisRun,
    analysis: dict[str, Any],
    distributions: Distributions | None,
    segments: dict[str, Any] | None,
    report_data: dict[str, Any],
) -> None:
    # Imported on use: nbconvert and matplotlib cost about a second, and most runs write no report.
    from .report import write_report

    report = run.config.methods.report
    assert report is not None and run.output_dir is not None
    write_report(
        run.output_dir,
        json_ready({"version": "1.0", **analysis}),
        name=report.name,
        title=report.title,
        distributions=distributions,
        segments=json_ready(segments) if segments is not None else None,
        report_data=report_data,  # run context and performance counts, beside analysis.json (report_data.py)
    )


def _shap_extras(
    run: AnalysisRun, data: TabularDataset, segments: SegmentResults | None
) -> ShapExtras | None:
    """Interval settings and the explained records' segment columns, when either applies."""
    settings = run.options.interval_settings
    if settings is None and segments is None:
        return None
    frame = None
    if segments is not None:
        columns = list(dict.fromkeys(run.roles.segment_columns))
        frame = pd.concat(list(data.iter_frames(columns=columns)), ignore_index=True)
    return ShapExtras(settings, segments, frame)


def _present(methods: Methods, names: tuple[str, ...]) -> list[str]:
    """The configured ones of ``names`` (method keys of the config), in that order."""
    return [name for name in names if getattr(methods, name) is not None]


def _build_model(run: AnalysisRun, context: RunContext) -> Model:
    try:
        return build_model(
            run.config,
            predictor=context.predictor,
            sagemaker_runtime_client=context.sagemaker_runtime_client,
            options=run.options,
            feature_names=list(run.roles.features),
        )
    except PredictorError as error:
        raise AnalysisError(str(error)) from error
