"""The SDK's ``SageMakerClarifyProcessor`` interface, shared by the managed and the local processor.

Both processors take the SDK's constructor and its five ``run_*`` methods with the SDK's parameter names, order
and defaults, so a notebook runs after changing only its import line. The run methods combine the config objects
exactly as the SDK does — through :class:`~airflow_provider_clarify.config.builders.AnalysisConfigBuilder`, the
config layer's one implementation of those combinations — and hand the result to the subclass's ``_run``, which
validates it (``load_config``) before any upload, job or output file.

Job names follow the SDK: the ``job_name`` given, else ``<job_name_prefix or the method's prefix>-<timestamp>``.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_clarify.config.builders import (
    AnalysisConfigBuilder,
    BiasConfig,
    BiasMetrics,
    DataConfig,
    Explainers,
    ModelConfig,
    ModelScores,
)

log = logging.getLogger("airflow_provider_clarify.clarify")

MAX_JOB_NAME_LENGTH = 63

Tags = Mapping[str, object] | Sequence[Mapping[str, object]]
"""Job tags as the SDK takes them: ``{key: value}`` or ``[{"Key": k, "Value": v}]``."""


def name_from_base(base: str, max_length: int = MAX_JOB_NAME_LENGTH) -> str:
    """``<base>-<UTC time to the millisecond>``, the base cut so that the name fits (the SDK's job names)."""
    moment = time.time()
    milliseconds = f"{int(moment * 1000) % 1000:03d}"
    timestamp = time.strftime(f"%Y-%m-%d-%H-%M-%S-{milliseconds}", time.gmtime(moment))
    return f"{base[: max_length - len(timestamp) - 1]}-{timestamp}"


class ClarifyProcessorBase(ABC):
    """Constructor and ``run_*`` methods of the SDK's ``SageMakerClarifyProcessor`` (see the subclasses).

    Every constructor argument is kept as an attribute of the same name, as the SDK keeps them.
    """

    def __init__(
        self,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        sagemaker_session: object = None,
        env: Mapping[str, str] | None = None,
        tags: Tags | None = None,
        network_config: object = None,
        job_name_prefix: str | None = None,
        version: str | None = None,
        skip_early_validation: bool = False,
    ) -> None:
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.volume_size_in_gb = volume_size_in_gb
        self.volume_kms_key = volume_kms_key
        self.output_kms_key = output_kms_key
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.sagemaker_session = sagemaker_session
        self.env = env
        self.tags = tags
        self.network_config = network_config
        self.job_name_prefix = job_name_prefix
        self.version = version
        self.skip_early_validation = skip_early_validation
        self._last_analysis_config: dict[str, Any] | None = None
        self._configure()

    @abstractmethod
    def _configure(self) -> None:
        """The subclass's own checks and state, once the SDK's arguments are kept as attributes."""

    def run(self, **_: object) -> None:
        """The SDK's generic ``run`` is not available: the analysis is chosen by the ``run_*`` method."""
        raise NotImplementedError(
            "Please choose a method of run_pre_training_bias, run_post_training_bias, run_bias, "
            "run_explainability or run_bias_and_explainability."
        )

    # ------------------------------------------------------------------------------------ the SDK's run_*
    def run_pre_training_bias(
        self,
        data_config: DataConfig,
        data_bias_config: BiasConfig,
        methods: BiasMetrics = "all",
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        kms_key: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
    ) -> None:
        """Pre-training bias metrics (``methods``: ``"all"`` or a list such as ``["CI", "DPL"]``) of the data."""
        builder = AnalysisConfigBuilder.pre_training_bias(data_config, data_bias_config, methods)
        self._start(builder, "Clarify-Pretraining-Bias", wait, logs, job_name, kms_key, experiment_config)

    def run_post_training_bias(
        self,
        data_config: DataConfig,
        data_bias_config: BiasConfig,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: ModelScores | None = None,
        methods: BiasMetrics = "all",
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        kms_key: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
    ) -> None:
        """Post-training bias metrics of the model's predictions (or of the data's predicted labels)."""
        builder = AnalysisConfigBuilder.post_training_bias(
            data_config, data_bias_config, model_config, model_predicted_label_config, methods
        )
        self._start(builder, "Clarify-Posttraining-Bias", wait, logs, job_name, kms_key, experiment_config)

    def run_bias(
        self,
        data_config: DataConfig,
        bias_config: BiasConfig,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: ModelScores | None = None,
        pre_training_methods: BiasMetrics = "all",
        post_training_methods: BiasMetrics = "all",
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        kms_key: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
    ) -> None:
        """Pre- and post-training bias metrics in one run."""
        builder = AnalysisConfigBuilder.bias(
            data_config,
            bias_config,
            model_config,
            model_predicted_label_config,
            pre_training_methods,
            post_training_methods,
        )
        self._start(builder, "Clarify-Bias", wait, logs, job_name, kms_key, experiment_config)

    def run_explainability(
        self,
        data_config: DataConfig,
        model_config: ModelConfig,
        explainability_config: Explainers,
        model_scores: ModelScores | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        kms_key: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
    ) -> None:
        """Feature attributions: SHAP and/or PDP (a config or a list), or asymmetric Shapley values for time
        series."""
        builder = AnalysisConfigBuilder.explainability(
            data_config, model_config, explainability_config, model_scores
        )
        self._start(builder, "Clarify-Explainability", wait, logs, job_name, kms_key, experiment_config)

    def run_bias_and_explainability(
        self,
        data_config: DataConfig,
        model_config: ModelConfig,
        explainability_config: Explainers,
        bias_config: BiasConfig,
        pre_training_methods: BiasMetrics = "all",
        post_training_methods: BiasMetrics = "all",
        model_predicted_label_config: ModelScores | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        kms_key: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
    ) -> None:
        """Bias metrics (both stages) and feature attributions in one run."""
        builder = AnalysisConfigBuilder.bias_and_explainability(
            data_config,
            model_config,
            explainability_config,
            bias_config,
            pre_training_methods,
            post_training_methods,
            model_predicted_label_config,
        )
        self._start(
            builder, "Clarify-Bias-And-Explainability", wait, logs, job_name, kms_key, experiment_config
        )

    # ----------------------------------------------------------------------------------------- the run
    def _start(
        self,
        builder: AnalysisConfigBuilder,
        default_prefix: str,
        wait: bool,
        logs: bool,
        job_name: str | None,
        kms_key: str | None,
        experiment_config: Mapping[str, str] | None,
    ) -> None:
        if logs and not wait:
            raise ValueError(
                "logs=True needs wait=True: the job's logs can only be shown while waiting for it. Pass "
                "wait=True, or logs=False to return as soon as the job has started"
            )
        name = job_name or name_from_base(self.job_name_prefix or default_prefix)
        self._run(
            builder,
            wait=wait,
            logs=logs,
            job_name=name,
            kms_key=kms_key,
            experiment_config=experiment_config,
        )

    @abstractmethod
    def _run(
        self,
        builder: AnalysisConfigBuilder,
        *,
        wait: bool,
        logs: bool,
        job_name: str,
        kms_key: str | None,
        experiment_config: Mapping[str, str] | None,
    ) -> None:
        """Validate the combined config, then run it (nothing happens when it is refused)."""
