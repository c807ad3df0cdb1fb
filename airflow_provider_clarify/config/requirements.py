"""Which configured methods need a model, and whether the config (or the caller) provides one (reference §2.5).

Both operators call :func:`check_model_source` before any side effect, so that "SHAP without a model" fails in
seconds with the field to fix instead of after an upload and a job start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from airflow_provider_clarify.config.errors import ClarifyConfigError, ConfigProblem
from airflow_provider_clarify.config.loading import load_config
from airflow_provider_clarify.config.model import EXPLANATION_METHODS, AnalysisConfig
from airflow_provider_clarify.config.time_series import TIME_SERIES_METHOD
from airflow_provider_clarify.contract import is_s3_uri

Config = AnalysisConfig | Mapping[str, object]
"""An ``AnalysisConfig``, or a document that ``load_config`` validates first."""

MODEL_SCORE_METHODS: Final = EXPLANATION_METHODS  # every explanation method scores the model


@dataclass(frozen=True)
class ModelRequirements:
    """What a config asks of a model, and what it provides.

    - ``needs_predictions``: post-training bias is configured (predicted labels from a model or a column/dataset).
    - ``needs_model_scores``: SHAP / PDP are configured (they always call the model).
    - ``has_predictor``: ``predictor`` names a model the managed job can call (``endpoint_name`` or ``model_name``).
    - ``has_predicted_label_source``: ``predicted_label`` or ``predicted_label_dataset_uri`` is set.
    - ``methods``: keys of the configured methods (``report`` included).
    - ``has_local_predictor``: ``predictor.local_predictor`` names a model for the in-worker engine only.
    """

    needs_predictions: bool
    needs_model_scores: bool
    has_predictor: bool
    has_predicted_label_source: bool
    methods: list[str]
    has_local_predictor: bool = False

    @property
    def needs_model(self) -> bool:
        """True when some method can only run by calling a model (no predicted labels can stand in)."""
        return self.needs_model_scores or (self.needs_predictions and not self.has_predicted_label_source)


def model_requirements(config: Config) -> ModelRequirements:
    """Describe ``config`` (an ``AnalysisConfig``, or a document that ``load_config`` accepts)."""
    config = load_config(config)
    names = list(config.methods.names)
    predictor = config.predictor
    return ModelRequirements(
        needs_predictions="post_training_bias" in names,
        needs_model_scores=any(name in names for name in MODEL_SCORE_METHODS),
        has_predictor=predictor is not None and predictor.is_model_source,
        has_predicted_label_source=config.predicted_label is not None
        or config.predicted_label_dataset_uri is not None,
        methods=names,
        has_local_predictor=predictor is not None and predictor.local_predictor is not None,
    )


def model_source_problems(config: Config, *, local_model_available: bool = False) -> list[ConfigProblem]:
    """The problems :func:`check_model_source` would raise, as a list (``[]`` when a source exists).

    This is the in-worker engine's view: a model comes from the predictor the managed job could call, from the
    caller (``local_model_available``: an operator ``predictor=`` argument) or from the document's own
    ``predictor.local_predictor``. The managed job's view is :func:`managed_job_problems`, where the local-only
    field counts for nothing (and is itself a problem).
    """
    needs = model_requirements(config)
    return _missing_model_problems(needs, local_model_available or needs.has_local_predictor)


def _missing_model_problems(needs: ModelRequirements, local_model_available: bool) -> list[ConfigProblem]:
    if needs.has_predictor or local_model_available:
        return []
    local_hint = " (or, for the local engine, pass a predictor such as a Python model or an HTTP URL)"
    problems = []
    scored = [f"methods.{name}" for name in needs.methods if name in MODEL_SCORE_METHODS]
    if scored:
        problems.append(
            ConfigProblem(
                "predictor",
                f"{' and '.join(scored)} need{'s' if len(scored) == 1 else ''} a model: set predictor.endpoint_name "
                f"(existing endpoint) or predictor.model_name with instance_type and initial_instance_count"
                + local_hint,
            )
        )
    if needs.needs_predictions and not needs.has_predicted_label_source:
        problems.append(
            ConfigProblem(
                "predictor",
                "methods.post_training_bias needs predicted labels: set predicted_label (a column of the dataset) "
                "or predicted_label_dataset_uri, or give a model via predictor.endpoint_name / predictor.model_name"
                + local_hint,
            )
        )
    return problems


def check_model_source(config: Config, *, local_model_available: bool = False) -> None:
    """Raise :class:`ClarifyConfigError` when a configured method needs a model or predictions nothing provides."""
    problems = model_source_problems(config, local_model_available=local_model_available)
    if problems:
        raise ClarifyConfigError(problems)


def joinsource_problems(
    config: Config, *, instance_count: int = 1, multiple_files: bool = False
) -> list[ConfigProblem]:
    """Rule 7 of reference §2.6, which depends on the job layout rather than on the document alone.

    Rows of separate datasets (facet / predicted-label files) can only be matched by position when each input is
    one file on one instance; with several files (``multiple_files``: any input is a prefix holding more than one
    object) or several instances (``instance_count`` > 1, Spark inside the managed job) they are joined on
    ``joinsource_name_or_index``. Local SHAP values saved from a distributed or multi-file run need it too, to map
    rows back.
    """
    config = load_config(config)
    if config.joinsource_name_or_index is not None:
        return []
    second_dataset = config.facet_dataset_uri is not None or config.predicted_label_dataset_uri is not None
    shap = config.methods.shap
    saves_local = shap is not None and shap.save_local_shap_values
    split = instance_count > 1 or multiple_files
    layout = f"{instance_count} instances" if instance_count > 1 else "an input with several files"
    if second_dataset and split:
        reason = (
            f"rows of the facet/predicted-label dataset are joined, not aligned by position, with {layout}"
        )
    elif saves_local and split:
        reason = f"local SHAP values written from {layout} are mapped back to records by it"
    else:
        return []
    return [
        ConfigProblem(
            "joinsource_name_or_index",
            f"required: {reason}; name the identifier column present in every dataset (or use one file and one "
            "instance)",
        )
    ]


def check_joinsource(config: Config, *, instance_count: int = 1, multiple_files: bool = False) -> None:
    """Raise :class:`ClarifyConfigError` when :func:`joinsource_problems` finds the join column missing."""
    problems = joinsource_problems(config, instance_count=instance_count, multiple_files=multiple_files)
    if problems:
        raise ClarifyConfigError(problems)


def managed_job_problems(
    config: Config, *, instance_count: int = 1, multiple_files: bool = False
) -> list[ConfigProblem]:
    """Everything that keeps a valid config from running as a managed Clarify processing job.

    - the local-engine extension ``predictor.local_predictor`` (the container does not know it; it must not be
      uploaded, reference §2.4),
    - a method that needs a model nothing in the document provides (:func:`model_source_problems`),
    - a missing join column for a multi-instance / multi-file layout (:func:`joinsource_problems`),
    - an image or time-series baseline the job would have to read from the worker's disk
      (:func:`managed_baseline_problems`).
    """
    config = load_config(config)
    problems = []
    if config.predictor is not None and config.predictor.local_predictor is not None:
        problems.append(
            ConfigProblem(
                "predictor.local_predictor",
                "is a local-engine extension the managed Clarify job does not accept; remove it for a managed "
                "job (give predictor.endpoint_name or predictor.model_name) or run the analysis locally",
            )
        )
    problems += _missing_model_problems(model_requirements(config), local_model_available=False)
    problems += joinsource_problems(config, instance_count=instance_count, multiple_files=multiple_files)
    problems += managed_baseline_problems(config)
    return problems


def managed_baseline_problems(config: Config) -> list[ConfigProblem]:
    """Baselines the managed job reads itself must be on S3: an image (``methods.shap.baseline`` of an image
    analysis) or a time-series baseline file (``methods.asymmetric_shapley_value.baseline`` given as a location).

    The container sees only S3 and its own disk, so a local path would fail inside the job, after the upload and
    the job start; the local engine reads either. (A tabular ``methods.shap.baseline`` string is not checked: with
    ``text_config`` it is the replacement text of a masked unit, not a location.)
    """
    config = load_config(config)
    located: list[tuple[str, str]] = []
    shap = config.methods.shap
    if config.analysis_kind == "image" and shap is not None and isinstance(shap.baseline, str):
        located.append(("methods.shap.baseline", shap.baseline))
    time_series = config.time_series
    if time_series is not None and isinstance(time_series.method.baseline, str):
        located.append((f"methods.{TIME_SERIES_METHOD}.baseline", time_series.method.baseline))
    return [
        ConfigProblem(
            path,
            f"{location!r} is not an s3:// URI: the managed Clarify job cannot read files of this machine; upload "
            "it and give its s3:// URI (the local engine reads either)",
        )
        for path, location in located
        if not is_s3_uri(location)
    ]


def check_managed_job(config: Config, *, instance_count: int = 1, multiple_files: bool = False) -> None:
    """Raise :class:`ClarifyConfigError` listing every :func:`managed_job_problems` (call before any upload)."""
    problems = managed_job_problems(config, instance_count=instance_count, multiple_files=multiple_files)
    if problems:
        raise ClarifyConfigError(problems)
