"""``run_analysis``: one Clarify analysis in this process, from a validated config to ``analysis.json``.

Order of work: check that a model source exists for the configured methods (the config itself was validated by
``load_config``); open the dataset(s) and resolve column roles once; build the run state; compute the requested
bias sections; compute explanations (SHAP/PDP) when asked; write the report when asked; then write
``analysis.json``. Every file goes to a private staging folder inside the output directory first; only a finished
run is published into the output directory itself, by the output protocol (:mod:`airflow_provider_clarify.outputs`:
running manifest, the earlier output removed, the files with ``analysis.json`` last, the complete manifest last).
Any failure raises :class:`AnalysisError` and removes the staging folder, so a failed analysis leaves the output
directory as it was (and removes it when the run created it).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AnalysisConfig, ClarifyConfigError, Methods, check_model_source
from ..contract import ANALYSIS_FILE, SEGMENTS_PATH, json_ready
from ..outputs.manifest import new_run
from ..outputs.publishing import LocalDirectory, publish, seal
from ..outputs.workdirs import WorkDir, create_workdir, remove_abandoned
from ..redaction import redact_text
from .bias.analyze import Distributions, compute_bias_sections
from .data.column_kinds import with_stable_column_types
from .data.dataset import TabularDataset
from .data.opening import open_dataset
from .data.sources import S3Client
from .errors import AnalysisError
from .explain import read_explanation_data, run_explanations
from .explain.shap_extras import ShapExtras
from .models import Model
from .options import EngineOptions
from .output import write_json_atomic
from .predictors import PredictorError, build_model
from .roles import resolve_roles
from .run import AnalysisRun, WarningSink
from .segment_results import SegmentResults
from .segments import SegmentConfigSpec, parse_segment_configs
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
    published_uri: str | None = None,  # time series: where `output` gets published
) -> dict[str, Any]:
    """Run an analysis and return the parsed ``analysis.json`` (also written to ``<output>/analysis.json``).

    ``config`` comes from ``load_config`` (it is not validated again). ``dataset`` (local file/dir or ``s3://``)
    is overridden by the config's ``dataset_uri`` (SPEC §1); ``output`` is a local directory (None: nothing is
    written). ``predictor`` overrides the model (URL, ``module:callable``, model file, estimator or callable).
    ``warnings`` collects every engine warning (SPEC §16). ``published_uri``: where the caller publishes
    ``output`` (e.g. an ``s3://`` prefix), so that time-series results name the published file in
    ``explanation_results_path``.
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
    segment_specs = parse_segment_configs(config.segment_config)  # bad segments fail before any output
    output_dir = Path(output) if output is not None else None
    run = new_run(engine="local")
    created_output = output_dir is not None and not output_dir.exists()
    workdirs: list[WorkDir] = []
    try:
        staging = _staging(output_dir, workdirs)
        scratch = _workdir(SCRATCH_PREFIX, None, workdirs)
        context = _Context(
            config,
            uri,
            staging,
            scratch,
            options or EngineOptions(),
            sink,
            s3_client,
            segment_specs,
            # time series names its results file by where it is published, never by the staging folder
            published_uri or (str(output_dir.resolve()) if output_dir is not None else None),
        )
        analysis = _analyze(context, predictor, sagemaker_runtime_client)
        if output_dir is not None and staging is not None:
            write_json_atomic(staging / ANALYSIS_FILE, analysis)
            publish(staging, LocalDirectory(output_dir), manifest=seal(staging, run))
    except BaseException as error:
        if created_output and output_dir is not None:
            _remove_created_folder(output_dir, workdirs)
        if isinstance(error, (AnalysisError, KeyboardInterrupt, SystemExit)):
            raise
        raise AnalysisError(redact_text(f"{type(error).__name__}: {error}")) from error
    finally:
        for workdir in workdirs:
            workdir.remove()
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
    segment_specs: list[SegmentConfigSpec] = field(default_factory=list)
    published_uri: str | None = None  # time series: where output_dir gets published


def _analyze(context: _Context, predictor: object, runtime_client: object) -> dict[str, Any]:
    config, options = context.config, context.options
    # --- time series (engine.timeseries): its own reader, model calls and output; no report (docs) ---
    if config.methods.asymmetric_shapley_value is not None:
        from .timeseries import explain_time_series

        if context.output_dir is None:
            raise AnalysisError("time-series explanations are written to files: give an output directory")
        series_explanations = explain_time_series(
            config, context.uri, context.output_dir, predictor=predictor, sagemaker_runtime_client=runtime_client,
            s3_client=context.s3_client, options=options, warn=context.sink.warn, output_uri=context.published_uri,
        )  # fmt: skip
        return {"version": "1.0", "explanations": series_explanations}
    # --- end time series ---
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
        lambda: _analyze_data(run, data, model, context.segment_specs),
        context.sink.warn,
        context.sink.collected,
    )


def _analyze_data(
    run: AnalysisRun, data: TabularDataset, model: Model | None, segment_specs: list[SegmentConfigSpec]
) -> dict[str, Any]:
    methods, roles = run.config.methods, run.roles
    analysis: dict[str, Any] = {"version": "1.0"}
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
    if bias:
        with steps.step(bias):
            sections, distributions = compute_bias_sections(run, data, model, segments)
        analysis.update(sections)
    if explanations:
        assert model is not None
        with steps.step(explanations):
            extras = _shap_extras(run, data, segments)
            explained = read_explanation_data(data, roles)
            analysis["explanations"] = run_explanations(run, explained, model, extras)
    segments_document = segments.document() if segments is not None else None
    if segments_document is not None and run.output_dir is not None:
        write_json_atomic(run.output_dir / SEGMENTS_PATH, segments_document)  # before analysis.json
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
                segments=json_ready(segments_document) if segments_document is not None else None,
            )
    return analysis


BIAS_METHODS = ("pre_training_bias", "post_training_bias")
EXPLANATION_METHODS = ("shap", "pdp")


def _present(methods: Methods, names: tuple[str, ...]) -> list[str]:
    """The configured ones of ``names`` (method keys of the config), in that order."""
    return [name for name in names if getattr(methods, name) is not None]


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


SCRATCH_PREFIX = "clarify-engine-"
"""Downloads (S3 datasets, baselines) of a run, in the temp folder."""
STAGING_PREFIX = ".clarify-run-"
"""The files of a run before it is published, hidden inside the output directory (one filesystem: moving them
into place is a rename)."""


def _workdir(prefix: str, parent: Path | None, workdirs: list[WorkDir]) -> Path:
    """A new locked work directory (removed by ``run_analysis`` at the end); abandoned ones of killed runs go first."""
    remove_abandoned(prefix, parent)
    workdir = create_workdir(prefix, parent)
    workdirs.append(workdir)
    return workdir.path


def _staging(output_dir: Path | None, workdirs: list[WorkDir]) -> Path | None:
    if output_dir is None:
        return None
    output_dir.mkdir(parents=True, exist_ok=True)
    return _workdir(STAGING_PREFIX, output_dir, workdirs)


def _remove_created_folder(output_dir: Path, workdirs: list[WorkDir]) -> None:
    """A failed run removes the output directory it created (nothing else was ever in it)."""
    for workdir in workdirs:
        workdir.remove()
    shutil.rmtree(output_dir, ignore_errors=True)
