"""``run_analysis``: one Clarify analysis in this process, from a validated config to ``analysis.json``.

Order of work: check that a model source exists for the configured methods (the config itself was validated by
``load_config``); open the dataset(s) and resolve column roles once; build the run state; compute the requested
bias sections; compute explanations (SHAP/PDP) when asked; write the report when asked; then write
``analysis.json`` atomically. Any failure raises :class:`AnalysisError` and removes every file this run created,
so an output directory either holds a complete result or nothing new.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import AnalysisConfig, ClarifyConfigError, Methods, check_model_source
from ..contract import ANALYSIS_FILE, json_ready
from .bias.analyze import Distributions, compute_bias_sections
from .data.column_kinds import with_stable_column_types
from .data.dataset import TabularDataset
from .data.opening import open_dataset
from .data.sources import S3Client
from .errors import AnalysisError
from .explain import read_explanation_data, run_explanations
from .models import Model
from .options import EngineOptions
from .output import write_json_atomic
from .predictors import PredictorError, build_model
from .roles import resolve_roles
from .run import AnalysisRun, WarningSink
from .steps import MethodSteps

log = logging.getLogger("airflow_provider_clarify.engine")


def run_analysis(
    config: AnalysisConfig,
    dataset: str | Path | None = None,
    output: str | Path | None = None,
    *,
    s3_client: S3Client | None = None,
    sagemaker_runtime_client: object = None,
    predictor: object = None,
    options: EngineOptions | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Run an analysis and return the parsed ``analysis.json`` (also written to ``<output>/analysis.json``).

    ``config`` comes from ``load_config`` (it is not validated again). ``dataset`` (local file/dir or ``s3://``)
    is overridden by the config's ``dataset_uri`` (SPEC §1); ``output`` is a local directory (None: nothing is
    written). ``predictor`` overrides the model (URL, ``module:callable``, model file, estimator or callable).
    ``warnings`` collects every engine warning (SPEC §16).
    """
    try:
        check_model_source(config, local_model_available=predictor is not None)
    except ClarifyConfigError as error:
        raise AnalysisError(str(error)) from error
    sink = WarningSink(warnings)
    uri = config.dataset_uri or dataset
    if uri is None:
        raise AnalysisError(
            "dataset_uri: no dataset given; pass dataset=... or set dataset_uri in the config"
        )
    if config.segment_config:
        sink.warn(
            "segment_config: segment-wise metrics are not computed by the local engine; the key is ignored"
        )
    output_dir = Path(output) if output is not None else None
    created = _snapshot(output_dir)
    try:
        if output_dir is not None:
            output_dir.mkdir(
                parents=True, exist_ok=True
            )  # the report and SHAP files come before analysis.json
        with tempfile.TemporaryDirectory(prefix="clarify-engine-") as scratch:
            context = _Context(
                config, uri, output_dir, Path(scratch), options or EngineOptions(), sink, s3_client
            )
            analysis = _analyze(context, predictor, sagemaker_runtime_client)
        if output_dir is not None:
            write_json_atomic(output_dir / ANALYSIS_FILE, analysis)
    except BaseException as error:
        _remove_new_files(output_dir, created)
        if isinstance(error, (AnalysisError, KeyboardInterrupt, SystemExit)):
            raise
        raise AnalysisError(f"{type(error).__name__}: {error}") from error
    result: dict[str, Any] = json_ready(
        analysis
    )  # exactly as analysis.json holds it (Infinity strings, nulls)
    return result


@dataclass(frozen=True)
class _Context:
    """The inputs of one run before the dataset is opened (then :class:`AnalysisRun` takes over)."""

    config: AnalysisConfig
    uri: str | Path
    output_dir: Path | None
    scratch: Path
    options: EngineOptions
    sink: WarningSink
    s3_client: S3Client | None


def _analyze(context: _Context, predictor: object, runtime_client: object) -> dict[str, Any]:
    config, options = context.config, context.options
    data = open_dataset(
        config,
        context.uri,
        s3_client=context.s3_client,
        scratch=context.scratch,
        chunk_rows=options.chunk_rows,
        progress_interval=options.progress_interval_seconds,
    )
    roles = resolve_roles(config, data)
    run = AnalysisRun(config, roles, options, context.sink.warn, context.s3_client, context.output_dir)
    methods = config.methods
    needs_predictions = methods.post_training_bias is not None and roles.predicted_label is None
    model = _build_model(run, predictor, runtime_client) if needs_predictions or methods.explains else None
    # A column whose values change kind between chunks is read as text everywhere: the analysis starts again.
    return with_stable_column_types(
        lambda: _analyze_data(run, data, model), context.sink.warn, context.sink.collected
    )


def _analyze_data(run: AnalysisRun, data: TabularDataset, model: Model | None) -> dict[str, Any]:
    methods, roles = run.config.methods, run.roles
    analysis: dict[str, Any] = {"version": "1.0"}
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
                json_ready(analysis),
                name=methods.report.name,
                title=methods.report.title,
                distributions=distributions,
            )
    return analysis


BIAS_METHODS = ("pre_training_bias", "post_training_bias")
EXPLANATION_METHODS = ("shap", "pdp")


def _present(methods: Methods, names: tuple[str, ...]) -> list[str]:
    """The configured ones of ``names`` (method keys of the config), in that order."""
    return [name for name in names if getattr(methods, name) is not None]


def _build_model(run: AnalysisRun, predictor: object, runtime_client: object) -> Model:
    try:
        return build_model(
            run.config,
            predictor=predictor,
            sagemaker_runtime_client=runtime_client,
            options=run.options,
            feature_names=list(run.roles.features),
        )
    except PredictorError as error:
        raise AnalysisError(str(error)) from error


def _snapshot(output_dir: Path | None) -> set[Path] | None:
    if output_dir is None or not output_dir.exists():
        return None
    return set(output_dir.rglob("*"))


def _remove_new_files(output_dir: Path | None, before: set[Path] | None) -> None:
    """Remove what this run created under ``output_dir`` (all of it if the directory itself was new)."""
    if output_dir is None or not output_dir.exists():
        return
    if before is None:
        shutil.rmtree(output_dir, ignore_errors=True)
        return
    for path in sorted(output_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path not in before:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
