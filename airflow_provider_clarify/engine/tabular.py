"""``analyze_tables``: the analyses of tabular data (CSV, JSON Lines, JSON, Parquet) — bias, SHAP, PDP, report.

Order of work: open the dataset(s) and resolve column roles once; build the run state; compute the requested
bias sections; compute explanations (SHAP/PDP) when asked; write the report when asked. Each step is recorded
(:class:`~.steps.MethodSteps`), so a failed step logs which methods had completed.
"""

from __future__ import annotations

from typing import Any

from ..config import Methods
from ..config.model import BIAS_METHODS, EXPLANATION_METHODS
from ..contract import json_ready
from .bias.analyze import Distributions, compute_bias_sections
from .data.opening import open_dataset
from .errors import AnalysisError
from .explain import read_explanation_data, run_explanations
from .models import Model
from .predictors import PredictorError, build_model
from .roles import resolve_roles
from .run import AnalysisRun, RunContext
from .steps import MethodSteps


def analyze_tables(context: RunContext) -> dict[str, Any]:
    """The bias and explanation sections of ``analysis.json`` for a tabular dataset (the report beside it)."""
    config, options = context.config, context.options
    data = open_dataset(
        config,
        context.dataset_uri,
        s3_client=context.s3_client,
        scratch=context.scratch,
        chunk_rows=options.chunk_rows,
        progress_interval=options.progress_interval_seconds,
    )
    roles = resolve_roles(config, data)
    run = AnalysisRun(config, roles, options, context.warn, context.s3_client, context.output_dir)
    methods = config.methods
    needs_predictions = methods.post_training_bias is not None and roles.predicted_label is None
    model = _build_model(run, context) if needs_predictions or methods.explains else None
    analysis: dict[str, Any] = {}
    distributions: Distributions | None = None
    bias, explanations = _present(methods, BIAS_METHODS), _present(methods, EXPLANATION_METHODS)
    report = ["report"] if methods.report is not None and run.output_dir is not None else []
    steps = MethodSteps([*bias, *explanations, *report])
    if bias:
        with steps.step(bias):
            sections, distributions = compute_bias_sections(run, data, model)
        analysis.update(sections)
    if explanations:
        assert model is not None
        with steps.step(explanations):
            analysis["explanations"] = run_explanations(run, read_explanation_data(data, roles), model)
    if methods.report is not None and run.output_dir is not None:
        # Imported on use: nbconvert and matplotlib cost about a second, and most runs write no report.
        from .report import write_report

        with steps.step(["report"]):
            write_report(
                run.output_dir,
                json_ready({"version": "1.0", **analysis}),
                name=methods.report.name,
                title=methods.report.title,
                distributions=distributions,
            )
    return analysis


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
