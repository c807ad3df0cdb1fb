"""``run_analysis``: one Clarify analysis in this process, from a validated config to ``analysis.json``.

Order of work: check that a model source exists for the configured methods (the config itself was validated by
``load_config``); build the run context; run the analysis of the config's kind; then write ``analysis.json``
atomically. Any failure raises :class:`AnalysisError` and removes every file this run created, so an output
directory either holds a complete result or nothing new.

Analysis kinds plug in here and nowhere else: the config says which kind it describes
(``AnalysisConfig.analysis_kind``), and :data:`ANALYSES` names the one entry point of each kind's module — tabular
data (bias, SHAP, PDP, report: :mod:`.tabular`), images (:mod:`.image`) and time series (:mod:`.timeseries`). Each
takes the :class:`RunContext` and returns the sections it adds to ``analysis.json``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from ..config import AnalysisConfig, AnalysisKind, ClarifyConfigError, check_model_source
from ..contract import ANALYSIS_FILE, json_ready
from .data.sources import S3Client
from .errors import AnalysisError
from .image import explain_images
from .options import EngineOptions
from .output import write_json_atomic
from .run import RunContext, WarningSink
from .segments import parse_segment_configs
from .tabular import analyze_tables
from .timeseries import explain_time_series

log = logging.getLogger("airflow_provider_clarify.engine")

Analysis = Callable[[RunContext], dict[str, Any]]
"""One kind's entry point: the run context in, the sections of ``analysis.json`` it computed out."""

ANALYSES: Final[Mapping[AnalysisKind, Analysis]] = {
    "tabular": analyze_tables,
    "image": lambda context: {"explanations": explain_images(context)},
    "time_series": lambda context: {"explanations": explain_time_series(context)},
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
    is overridden by the config's ``dataset_uri`` (SPEC §1); ``output`` is a local directory (None: nothing is
    written). ``predictor`` overrides the model (URL, ``module:callable``, model file, estimator or callable).
    ``warnings`` collects every engine warning (SPEC §16). ``published_uri``: where the caller publishes
    ``output`` (e.g. an ``s3://`` prefix), for results that name their published files.
    """
    sink = WarningSink(warnings)
    uri = _checked_start(config, dataset, predictor is not None)
    segments = parse_segment_configs(config.segment_config)  # bad segments fail before any output
    output_dir = Path(output) if output is not None else None
    created = _snapshot(output_dir)
    try:
        if output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)  # reports and explanation files come first
        with tempfile.TemporaryDirectory(prefix="clarify-engine-") as scratch:
            context = RunContext(
                config,
                uri,
                Path(scratch),
                output_dir,
                options or EngineOptions(),
                sink.warn,
                s3_client,
                predictor,
                sagemaker_runtime_client,
                published_uri,
                segments,
            )
            analysis = {"version": "1.0", **ANALYSES[config.analysis_kind](context)}
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


def _checked_start(config: AnalysisConfig, dataset: str | Path | None, local_model: bool) -> str | Path:
    """The dataset to read, once the config has a model for its methods (before any file is touched)."""
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
