"""``run_analysis``: one Clarify analysis in this process, from a validated config to ``analysis.json``.

Order of work: check that a model source exists for the configured methods (the config itself was validated by
``load_config``); build the run context; run the analysis of the config's kind; then write ``analysis.json``.
Every file goes to a private staging folder inside the output directory first; only a finished run is published
into the output directory itself, by the output protocol (:mod:`airflow_provider_clarify.outputs`: running
manifest, the earlier output removed, the files with ``analysis.json`` last, the complete manifest last). Any
failure raises :class:`AnalysisError` and removes the staging folder, so a failed analysis leaves the output
directory as it was (and removes it when the run created it).

Analysis kinds plug in here and nowhere else: the config says which kind it describes
(``AnalysisConfig.analysis_kind``), and :data:`ANALYSES` names the one entry point of each kind's module — tabular
data (bias, SHAP, PDP, report: :mod:`.tabular`), images (:mod:`.image`) and time series (:mod:`.timeseries`). Each
takes the :class:`RunContext` and returns the sections it adds to ``analysis.json``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from ..config import AnalysisConfig, AnalysisKind, ClarifyConfigError, check_model_source
from ..contract import ANALYSIS_FILE, json_ready
from ..outputs.manifest import new_run
from ..outputs.publishing import LocalDirectory, publish, seal
from ..outputs.workdirs import WorkDir, create_workdir, remove_abandoned
from ..redaction import redact_text
from .data.sources import S3Client
from .errors import AnalysisError
from .image import explain_images
from .options import EngineOptions
from .output import write_json_atomic
from .report_data import with_report
from .run import RunContext, WarningSink
from .segments import parse_segment_configs
from .tabular import analyze_tables
from .timeseries import explain_time_series

log = logging.getLogger("airflow_provider_clarify.engine")

Analysis = Callable[[RunContext], dict[str, Any]]
"""One kind's entry point: the run context in, the sections of ``analysis.json`` it computed out."""

ANALYSES: Final[Mapping[AnalysisKind, Analysis]] = {
    "tabular": analyze_tables,
    "image": lambda context: with_report(context, explain_images(context)),
    "time_series": lambda context: with_report(context, explain_time_series(context)),
}


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
    published_uri: str | None = None,
) -> dict[str, Any]:
    """Run an analysis and return the parsed ``analysis.json`` (also written to ``<output>/analysis.json``).

    ``config`` comes from ``load_config`` (it is not validated again). ``dataset`` (local file/dir or ``s3://``)
    is overridden by the config's ``dataset_uri`` (reference §1); ``output`` is a local directory (None: nothing is
    written). ``predictor`` overrides the model (URL, ``module:callable``, model file, estimator or callable).
    ``warnings`` collects every engine warning (reference §16). ``published_uri``: where the caller publishes
    ``output`` (e.g. an ``s3://`` prefix), for results that name their published files.
    """
    sink = WarningSink(warnings)
    uri = dataset_to_read(config, dataset, predictor is not None)
    segments = parse_segment_configs(config.segment_config)  # bad segments fail before any output
    output_dir = Path(output) if output is not None else None
    run = new_run(engine="local")
    created_output = output_dir is not None and not output_dir.exists()
    workdirs: list[WorkDir] = []
    try:
        staging = _staging(output_dir, workdirs)
        context = RunContext(
            config,
            uri,
            _workdir(SCRATCH_PREFIX, None, workdirs),
            staging,
            options or EngineOptions(),
            sink,
            s3_client,
            predictor,
            sagemaker_runtime_client,
            # results that name their files say where they are published, never the staging folder
            published_uri or (str(output_dir.resolve()) if output_dir is not None else None),
            segments,
        )
        analysis = {"version": "1.0", **ANALYSES[config.analysis_kind](context)}
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


def dataset_to_read(config: AnalysisConfig, dataset: str | Path | None, local_model: bool) -> str | Path:
    """The dataset to read (the config's ``dataset_uri`` first), once the config has a model for its methods;
    raised before any file is touched. The sharded plan checks the same way."""
    try:
        check_model_source(config, local_model_available=local_model)
    except ClarifyConfigError as error:
        raise AnalysisError(str(error)) from error
    uri = config.dataset_uri or dataset
    if uri is None:
        raise AnalysisError(
            "dataset_uri: no dataset given; pass dataset=... or set dataset_uri in the config"
        )
    return uri


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
