"""``run_analysis``: one Clarify analysis in this process, from config to ``analysis.json``.

Order of work: validate the config (schema, cross-field rules, model source) before touching data; open the
dataset(s) and resolve column roles; compute the requested bias sections; compute explanations (SHAP/PDP) when
asked; write the report when asked; then write ``analysis.json`` atomically. Any failure raises
:class:`AnalysisError` and removes every file this run created, so an output directory either holds a complete
result or nothing new.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..config import ClarifyConfigError, check_model_source, load_config
from .bias.analyze import compute_bias_sections, request_from_config
from .data.dataset import open_dataset
from .errors import AnalysisError
from .options import EngineOptions
from .output import ANALYSIS_FILE, write_json_atomic
from .roles import resolve_roles

log = logging.getLogger("airflow_provider_clarify.engine")

CONTAINER_CONFIG = Path("/opt/ml/processing/input/config/analysis_config.json")
CONTAINER_DATA = Path("/opt/ml/processing/input/data")
CONTAINER_OUTPUT = Path("/opt/ml/processing/output")


def validate(config: Any, *, local_model_available: bool) -> dict[str, Any]:
    """The config as a plain document, after schema + cross-field + model-source validation."""
    try:
        loaded = load_config(config)
        check_model_source(loaded, local_model_available=local_model_available)
    except ClarifyConfigError as error:
        raise AnalysisError(str(error)) from error
    return loaded.to_dict()


def run_analysis(
    config: Any,
    dataset: str | Path | None = None,
    output: str | Path | None = None,
    *,
    s3_client: Any = None,
    sagemaker_runtime_client: Any = None,
    predictor: Any = None,
    options: EngineOptions | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Run an analysis and return the parsed ``analysis.json`` (also written to ``<output>/analysis.json``).

    ``dataset`` (local file/dir or ``s3://``) is overridden by the config's ``dataset_uri`` (SPEC §1); ``output``
    is a local directory (None: nothing is written). ``warnings`` collects every engine warning (SPEC §16).
    """
    options = options or EngineOptions()
    document = validate(config, local_model_available=predictor is not None)

    def warn(message: str) -> None:
        log.warning(message)
        if warnings is not None:
            warnings.append(message)

    uri = document.get("dataset_uri") or dataset
    if uri is None:
        raise AnalysisError(
            "dataset_uri: no dataset given; pass dataset=... or set dataset_uri in the config"
        )
    if document.get("segment_config"):
        warn("segment_config: segment-wise metrics are not computed by the local engine; the key is ignored")
    output_dir = Path(output) if output is not None else None
    created = _snapshot(output_dir)
    try:
        if output_dir is not None:
            output_dir.mkdir(
                parents=True, exist_ok=True
            )  # the report and SHAP files are written before analysis.json
        with tempfile.TemporaryDirectory(prefix="clarify-engine-") as scratch:
            analysis = _analyze(
                document,
                uri,
                output_dir,
                Path(scratch),
                options,
                warn,
                s3_client=s3_client,
                sagemaker_runtime_client=sagemaker_runtime_client,
                predictor=predictor,
            )
        if output_dir is not None:
            write_json_atomic(output_dir / ANALYSIS_FILE, analysis)
    except BaseException as error:
        _remove_new_files(output_dir, created)
        if isinstance(error, AnalysisError):
            raise
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise AnalysisError(f"{type(error).__name__}: {error}") from error
    return _reparse(analysis)


def _analyze(
    document: dict[str, Any],
    uri: Any,
    output_dir: Path | None,
    scratch: Path,
    options: EngineOptions,
    warn: Any,
    *,
    s3_client: Any,
    sagemaker_runtime_client: Any,
    predictor: Any,
) -> dict[str, Any]:
    methods = document.get("methods") or {}
    # --- computer vision (engine/image): an image dataset is no table; explain_images reads, explains, publishes
    if str(document.get("dataset_type", "")).casefold() == "application/x-image":
        from .image import explain_images

        explanations = explain_images(
            document, uri, output_dir, model=predictor, sagemaker_runtime_client=sagemaker_runtime_client,
            s3_client=s3_client, options=options, warn=warn,
        )  # fmt: skip
        return {"version": "1.0", "explanations": explanations}
    # --- end computer vision
    data = open_dataset(
        document,
        uri,
        s3_client=s3_client,
        scratch=scratch,
        chunk_rows=options.chunk_rows,
        progress_interval=options.progress_interval_seconds,
    )
    roles = resolve_roles(document, data)
    request = request_from_config(document)
    needs_model = (request.post_metrics is not None and roles.predicted_label is None) or any(
        key in methods for key in ("shap", "pdp")
    )
    model = (
        _build_model(document, roles, options, predictor, sagemaker_runtime_client) if needs_model else None
    )
    analysis: dict[str, Any] = {"version": "1.0"}
    distributions: dict[str, Any] | None = None
    if request.pre_metrics is not None or request.post_metrics is not None:
        sections, distributions = compute_bias_sections(data, roles, request, options, warn, model=model)
        analysis.update(sections)
    if "shap" in methods or "pdp" in methods:
        # The one place explanations join the run (engine.explain, issue 5).
        try:
            from .explain import run_explanations  # type: ignore[attr-defined]
        except ImportError as error:
            raise AnalysisError(
                "methods.shap/methods.pdp: explanations are not available in this engine build; remove them or run "
                "the managed job"
            ) from error
        analysis["explanations"] = run_explanations(
            document, data, model, output_dir, options, warn, s3_client=s3_client
        )
    if "report" in methods and output_dir is not None:
        _write_report(output_dir, analysis, methods.get("report") or {}, distributions, warn)
    return analysis


def _build_model(
    document: dict[str, Any], roles: Any, options: EngineOptions, predictor: Any, runtime_client: Any
) -> Any:
    try:
        from .predictors import PredictorError, build_model
    except ImportError as error:
        raise AnalysisError(
            "predictor: this analysis needs model predictions but the model-invocation part of the engine is not "
            "installed; set `predicted_label` or `predicted_label_dataset_uri` instead"
        ) from error
    try:
        return build_model(
            document,
            predictor=predictor,
            sagemaker_runtime_client=runtime_client,
            options=options,
            feature_names=list(roles.features),
        )
    except PredictorError as error:
        raise AnalysisError(str(error)) from error


def _write_report(
    output_dir: Path, analysis: dict[str, Any], report: dict[str, Any], distributions: Any, warn: Any
) -> None:
    try:
        from .report import write_report  # type: ignore[attr-defined]
    except ImportError:
        warn("methods.report: the report writer is not available in this engine build; no report was written")
        return
    write_report(
        output_dir,
        _reparse(analysis),
        name=report.get("name", "report"),
        title=report.get("title", "SageMaker Analysis Report"),
        distributions=distributions,
    )


def _reparse(analysis: dict[str, Any]) -> dict[str, Any]:
    """The document exactly as analysis.json holds it (Infinity strings, nulls)."""
    from .output import json_ready

    return json_ready(analysis)


def _snapshot(output_dir: Path | None) -> set[Path] | None:
    if output_dir is None or not output_dir.exists():
        return None
    return {p for p in output_dir.rglob("*")}


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
