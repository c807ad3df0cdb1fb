"""SDK-shaped builders: the SageMaker SDK's ``sagemaker.clarify`` config classes, producing the same JSON.

Users who know ``DataConfig``, ``BiasConfig``, ``ModelConfig``, ``ModelPredictedLabelConfig``, ``SHAPConfig``,
``PDPConfig``, ``TextConfig`` and ``ImageConfig`` can keep writing them: the argument names, the JSON fragments
they produce and the way the SDK combines them (``methods.report`` always, ``"all"`` metrics as a string, SHAP's
``use_logit``/``save_local_shap_values``, PDP's ``grid_resolution`` 15 / ``top_k_features`` 10) are the SDK's.

Two deliberate differences:

- Validation is deferred to ``load_config(builders)``, which reports *every* problem
  with its JSON path instead of the SDK's first ``ValueError`` (or bare ``AssertionError``). That also lets every
  argument be an Airflow template (``SHAPConfig(num_samples="{{ params.samples }}")``): each builder lists its
  arguments in ``template_fields``, Airflow renders them in place, and the rendered strings are turned back into
  the schema's types by :mod:`~airflow_provider_clarify.config.coercion`.
- The S3 locations of ``DataConfig`` (``s3_data_input_path``, ``s3_output_path``,
  ``s3_analysis_config_output_path``) are processing-job inputs/outputs, not config fields, exactly as in the SDK;
  they are exposed as ``DataConfig.dataset_uri`` / ``.output_uri`` and as ``AnalysisConfig.job_io``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from airflow_provider_clarify.config.builder_base import Builder, set_if_given
from airflow_provider_clarify.config.builders_time_series import AsymmetricShapleyValueConfig
from airflow_provider_clarify.config.errors import ClarifyConfigError, ConfigProblem
from airflow_provider_clarify.config.model import DEFAULT_GRID_RESOLUTION, DEFAULT_TOP_K_FEATURES, JobIO
from airflow_provider_clarify.contract import CSV, DEFAULT_REPORT_NAME

SDK_REPORT_TITLE = "Analysis Report"
"""The title the SDK always writes into ``methods.report`` (the container's own default differs)."""


class SegmentationConfig(Builder):
    """A segment definition (SDK ``SegmentationConfig``), written into ``segment_config``; passed through."""

    template_fields = ("name_or_index", "segments", "config_name", "display_aliases")

    def __init__(
        self, name_or_index: Any, segments: Any, config_name: Any = None, display_aliases: Any = None
    ):
        self.name_or_index = name_or_index
        self.segments = segments
        self.config_name = config_name
        self.display_aliases = display_aliases

    def to_dict(self) -> dict[str, Any]:
        result = {"name_or_index": self.name_or_index, "segments": copy.deepcopy(self.segments)}
        if self.config_name:
            result["config_name"] = self.config_name
        if self.display_aliases:
            result["display_aliases"] = copy.deepcopy(self.display_aliases)
        return result


class DataConfig(Builder):
    """The dataset part of the document (SDK ``DataConfig``), plus the job's dataset and output locations."""

    template_fields = (
        "s3_data_input_path",
        "s3_output_path",
        "s3_analysis_config_output_path",
        "label",
        "headers",
        "features",
        "dataset_type",
        "s3_compression_type",
        "joinsource",
        "facet_dataset_uri",
        "facet_headers",
        "predicted_label_dataset_uri",
        "predicted_label_headers",
        "predicted_label",
        "excluded_columns",
        "segmentation_config",
        "time_series_data_config",
    )

    def __init__(
        self,
        s3_data_input_path: str | None = None,
        s3_output_path: str | None = None,
        s3_analysis_config_output_path: str | None = None,
        label: str | int | None = None,
        headers: list[str] | None = None,
        features: str | None = None,
        dataset_type: str = CSV,
        s3_compression_type: str = "None",
        joinsource: str | int | None = None,
        facet_dataset_uri: str | None = None,
        facet_headers: list[str] | None = None,
        predicted_label_dataset_uri: str | None = None,
        predicted_label_headers: list[str] | None = None,
        predicted_label: str | int | None = None,
        excluded_columns: list[int] | list[str] | None = None,
        segmentation_config: list[Any] | None = None,
        time_series_data_config: Any = None,
    ) -> None:
        self.s3_data_input_path = s3_data_input_path
        self.s3_output_path = s3_output_path
        self.s3_analysis_config_output_path = s3_analysis_config_output_path
        self.label = label
        self.headers = headers
        self.features = features
        self.dataset_type = dataset_type
        self.s3_compression_type = s3_compression_type
        self.joinsource = joinsource
        self.facet_dataset_uri = facet_dataset_uri
        self.facet_headers = facet_headers
        self.predicted_label_dataset_uri = predicted_label_dataset_uri
        self.predicted_label_headers = predicted_label_headers
        self.predicted_label = predicted_label
        self.excluded_columns = excluded_columns
        self.segmentation_config = segmentation_config
        self.time_series_data_config = time_series_data_config

    @property
    def dataset_uri(self) -> str | None:
        """The ``dataset`` processing input (SDK ``s3_data_input_path``); not written into the document."""
        return self.s3_data_input_path

    @property
    def output_uri(self) -> str | None:
        """The ``analysis_result`` processing output (SDK ``s3_output_path``); not written into the document."""
        return self.s3_output_path

    def job_io(self) -> JobIO:
        return JobIO(
            dataset_uri=self.s3_data_input_path,
            output_uri=self.s3_output_path,
            analysis_config_uri=self.s3_analysis_config_output_path or self.s3_output_path,
            s3_compression_type=self.s3_compression_type,
        )

    def get_config(self) -> dict[str, Any]:
        """The document fragment, key for key as the SDK writes it."""
        config: dict[str, Any] = {"dataset_type": self.dataset_type}
        set_if_given(self.features, "features", config)
        set_if_given(self.headers, "headers", config)
        set_if_given(self.label, "label", config)
        set_if_given(self.joinsource, "joinsource_name_or_index", config)
        set_if_given(self.facet_dataset_uri, "facet_dataset_uri", config)
        set_if_given(self.facet_headers, "facet_headers", config)
        set_if_given(self.predicted_label_dataset_uri, "predicted_label_dataset_uri", config)
        set_if_given(self.predicted_label_headers, "predicted_label_headers", config)
        set_if_given(self.predicted_label, "predicted_label", config)
        set_if_given(self.excluded_columns, "excluded_columns", config)
        if self.segmentation_config:
            config["segment_config"] = [
                item.to_dict() if isinstance(item, SegmentationConfig) else copy.deepcopy(item)
                for item in self.segmentation_config
            ]
        if self.time_series_data_config:
            series = self.time_series_data_config
            getter = getattr(series, "get_time_series_data_config", None)
            config["time_series_data_config"] = getter() if callable(getter) else copy.deepcopy(series)
        return config


class BiasConfig(Builder):
    """Label positives, facet(s) and group variable (SDK ``BiasConfig``); ``facet_name`` may be a list."""

    template_fields = ("label_values_or_threshold", "facet_name", "facet_values_or_threshold", "group_name")

    def __init__(
        self,
        label_values_or_threshold: Any,
        facet_name: Any,
        facet_values_or_threshold: Any = None,
        group_name: Any = None,
    ) -> None:
        self.label_values_or_threshold = label_values_or_threshold
        self.facet_name = facet_name
        self.facet_values_or_threshold = facet_values_or_threshold
        self.group_name = group_name

    def problems(self) -> list[ConfigProblem]:
        if isinstance(self.facet_name, list):
            if not self.facet_name:
                return [
                    ConfigProblem(
                        "facet", "BiasConfig(facet_name=[]) names no facet; give at least one column"
                    )
                ]
            values = self.facet_values_or_threshold
            if values is not None and (not isinstance(values, list) or len(values) != len(self.facet_name)):
                return [
                    ConfigProblem(
                        "facet",
                        f"BiasConfig has {len(self.facet_name)} facet names but facet_values_or_threshold is "
                        f"{values!r}; give one list (or None) per facet, e.g. [[0], None]",
                    )
                ]
        return []

    def get_config(self) -> dict[str, Any]:
        if isinstance(self.facet_name, list):
            values = self.facet_values_or_threshold
            facets = []
            for index, name in enumerate(self.facet_name):
                facet: dict[str, Any] = {"name_or_index": name}
                if isinstance(values, list) and index < len(values):
                    set_if_given(values[index], "value_or_threshold", facet)
                facets.append(facet)
        else:
            facet = {"name_or_index": self.facet_name}
            set_if_given(self.facet_values_or_threshold, "value_or_threshold", facet)
            facets = [facet]
        config = {"label_values_or_threshold": copy.deepcopy(self.label_values_or_threshold), "facet": facets}
        set_if_given(self.group_name, "group_variable", config)
        return config


class ModelConfig(Builder):
    """The model to call (SDK ``ModelConfig``): an existing ``endpoint_name`` or a ``model_name`` to deploy."""

    template_fields = (
        "model_name",
        "instance_count",
        "instance_type",
        "accept_type",
        "content_type",
        "content_template",
        "record_template",
        "custom_attributes",
        "accelerator_type",
        "endpoint_name_prefix",
        "target_model",
        "endpoint_name",
        "time_series_model_config",
    )

    def __init__(
        self,
        model_name: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        accept_type: str | None = None,
        content_type: str | None = None,
        content_template: str | None = None,
        record_template: str | None = None,
        custom_attributes: str | None = None,
        accelerator_type: str | None = None,
        endpoint_name_prefix: str | None = None,
        target_model: str | None = None,
        endpoint_name: str | None = None,
        time_series_model_config: Any = None,
    ) -> None:
        self.model_name = model_name
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.accept_type = accept_type
        self.content_type = content_type
        self.content_template = content_template
        self.record_template = record_template
        self.custom_attributes = custom_attributes
        self.accelerator_type = accelerator_type
        self.endpoint_name_prefix = endpoint_name_prefix
        self.target_model = target_model
        self.endpoint_name = endpoint_name
        self.time_series_model_config = time_series_model_config

    def get_predictor_config(self) -> dict[str, Any]:
        """The ``predictor`` object. Conflicting arguments are all written so validation can name each one."""
        config: dict[str, Any] = {}
        set_if_given(self.endpoint_name, "endpoint_name", config)
        set_if_given(self.model_name, "model_name", config)
        set_if_given(self.instance_type, "instance_type", config)
        set_if_given(self.instance_count, "initial_instance_count", config)
        if self.endpoint_name_prefix:
            config["endpoint_name_prefix"] = self.endpoint_name_prefix
        set_if_given(self.accept_type, "accept_type", config)
        set_if_given(self.content_type, "content_type", config)
        set_if_given(self.content_template, "content_template", config)
        set_if_given(self.record_template, "record_template", config)
        set_if_given(self.custom_attributes, "custom_attributes", config)
        set_if_given(self.accelerator_type, "accelerator_type", config)
        set_if_given(self.target_model, "target_model", config)
        if self.time_series_model_config:
            series = self.time_series_model_config
            getter = getattr(series, "get_time_series_model_config", None)
            config["time_series_predictor_config"] = getter() if callable(getter) else copy.deepcopy(series)
        return config


class ModelPredictedLabelConfig(Builder):
    """How to read a label / scores from the model output (SDK ``ModelPredictedLabelConfig``).

    ``label``, ``probability`` and ``label_headers`` go into ``predictor``; ``probability_threshold`` goes to the
    top level of the document, as the SDK writes it.
    """

    template_fields = ("label", "probability", "probability_threshold", "label_headers")

    def __init__(
        self,
        label: str | int | None = None,
        probability: str | int | None = None,
        probability_threshold: float | None = None,
        label_headers: list[Any] | None = None,
    ) -> None:
        self.label = label
        self.probability = probability
        self.probability_threshold = probability_threshold
        self.label_headers = label_headers

    def get_predictor_config(self) -> tuple[Any, dict[str, Any]]:
        """``(probability_threshold, predictor fragment)`` like the SDK method of the same name."""
        config: dict[str, Any] = {}
        set_if_given(self.label, "label", config)
        set_if_given(self.probability, "probability", config)
        set_if_given(self.label_headers, "label_headers", config)
        return self.probability_threshold, config


class TextConfig(Builder):
    """NLP settings of SHAP (SDK ``TextConfig``); ``max_top_tokens`` is the container's field, written if given."""

    template_fields = ("granularity", "language", "max_top_tokens")

    def __init__(self, granularity: str, language: str, max_top_tokens: int | None = None) -> None:
        self.granularity = granularity
        self.language = language
        self.max_top_tokens = max_top_tokens

    def get_text_config(self) -> dict[str, Any]:
        config = {"granularity": self.granularity, "language": self.language}
        set_if_given(self.max_top_tokens, "max_top_tokens", config)
        return config


class ImageConfig(Builder):
    """Computer-vision settings of SHAP (SDK ``ImageConfig``)."""

    template_fields = (
        "model_type",
        "num_segments",
        "feature_extraction_method",
        "segment_compactness",
        "max_objects",
        "iou_threshold",
        "context",
    )

    def __init__(
        self,
        model_type: str,
        num_segments: int | None = None,
        feature_extraction_method: str | None = None,
        segment_compactness: float | None = None,
        max_objects: int | None = None,
        iou_threshold: float | None = None,
        context: float | None = None,
    ) -> None:
        self.model_type = model_type
        self.num_segments = num_segments
        self.feature_extraction_method = feature_extraction_method
        self.segment_compactness = segment_compactness
        self.max_objects = max_objects
        self.iou_threshold = iou_threshold
        self.context = context

    def get_image_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"model_type": self.model_type}
        for name in self.template_fields[1:]:
            set_if_given(getattr(self, name), name, config)
        return config


class SHAPConfig(Builder):
    """Kernel SHAP settings (SDK ``SHAPConfig``): always writes ``use_logit`` and ``save_local_shap_values``."""

    template_fields = (
        "baseline",
        "num_samples",
        "agg_method",
        "use_logit",
        "save_local_shap_values",
        "seed",
        "num_clusters",
        "text_config",
        "image_config",
        "features_to_explain",
    )

    def __init__(
        self,
        baseline: str | list[Any] | dict[str, Any] | None = None,
        num_samples: int | None = None,
        agg_method: str | None = None,
        use_logit: bool = False,
        save_local_shap_values: bool = True,
        seed: int | None = None,
        num_clusters: int | None = None,
        text_config: TextConfig | None = None,
        image_config: ImageConfig | None = None,
        features_to_explain: list[Any] | None = None,
    ) -> None:
        self.baseline = baseline
        self.num_samples = num_samples
        self.agg_method = agg_method
        self.use_logit = use_logit
        self.save_local_shap_values = save_local_shap_values
        self.seed = seed
        self.num_clusters = num_clusters
        self.text_config = text_config
        self.image_config = image_config
        self.features_to_explain = features_to_explain

    def get_explainability_config(self) -> dict[str, Any]:
        shap: dict[str, Any] = {
            "use_logit": self.use_logit,
            "save_local_shap_values": self.save_local_shap_values,
        }
        set_if_given(self.baseline, "baseline", shap)
        set_if_given(self.num_samples, "num_samples", shap)
        set_if_given(self.agg_method, "agg_method", shap)
        set_if_given(self.seed, "seed", shap)
        set_if_given(self.num_clusters, "num_clusters", shap)
        if self.text_config:
            shap["text_config"] = _fragment(self.text_config, "get_text_config")
        if self.image_config:
            shap["image_config"] = _fragment(self.image_config, "get_image_config")
        set_if_given(self.features_to_explain, "features_to_explain", shap)
        return {"shap": shap}


class PDPConfig(Builder):
    """Partial dependence plots (SDK ``PDPConfig``): always writes ``grid_resolution`` and ``top_k_features``."""

    template_fields = ("features", "grid_resolution", "top_k_features")

    def __init__(
        self,
        features: list[Any] | None = None,
        grid_resolution: int = DEFAULT_GRID_RESOLUTION,
        top_k_features: int = DEFAULT_TOP_K_FEATURES,
    ) -> None:
        self.features = features
        self.grid_resolution = grid_resolution
        self.top_k_features = top_k_features

    def get_explainability_config(self) -> dict[str, Any]:
        pdp: dict[str, Any] = {"grid_resolution": self.grid_resolution, "top_k_features": self.top_k_features}
        set_if_given(self.features, "features", pdp)
        return {"pdp": pdp}


class ReportConfig(Builder):
    """``methods.report``. The SDK always writes ``{"name": "report", "title": "Analysis Report"}``."""

    template_fields = ("name", "title")

    def __init__(self, name: str = DEFAULT_REPORT_NAME, title: str | None = SDK_REPORT_TITLE) -> None:
        self.name = name
        self.title = title

    def to_dict(self) -> dict[str, Any]:
        report = {"name": self.name}
        set_if_given(self.title, "title", report)
        return report


class BiasMethods(Builder):
    """Which bias metrics to compute, for ``load_config([...])`` lists (the SDK passes these to ``run_*``)."""

    template_fields = ("pre_training_methods", "post_training_methods")

    def __init__(self, pre_training_methods: Any = None, post_training_methods: Any = None) -> None:
        self.pre_training_methods = pre_training_methods
        self.post_training_methods = post_training_methods


def _fragment(value: Any, getter: str) -> Any:
    method = getattr(value, getter, None)
    return method() if callable(method) else copy.deepcopy(value)


ExplainabilityConfig = SHAPConfig | PDPConfig


class AnalysisConfigBuilder(Builder):
    """Combine builder objects into one document the way the SDK's ``SageMakerClarifyProcessor.run_*`` do.

    The class methods mirror the SDK's run methods (``pre_training_bias`` ↔ ``run_pre_training_bias`` and so on)
    with the same defaults; the constructor takes everything explicitly. ``load_config(builder)`` validates and
    returns the ``AnalysisConfig``; ``to_dict()`` returns the document without validating it.
    """

    template_fields = (
        "data_config",
        "bias_config",
        "model_config",
        "model_predicted_label_config",
        "explainability_config",
        "pre_training_methods",
        "post_training_methods",
        "report",
    )

    def __init__(
        self,
        data_config: DataConfig,
        bias_config: BiasConfig | None = None,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: ModelPredictedLabelConfig | str | int | None = None,
        explainability_config: ExplainabilityConfig | Sequence[ExplainabilityConfig] | None = None,
        pre_training_methods: str | list[str] | None = None,
        post_training_methods: str | list[str] | None = None,
        report: ReportConfig | bool | None = True,
    ) -> None:
        self.data_config = data_config
        self.bias_config = bias_config
        self.model_config = model_config
        self.model_predicted_label_config = model_predicted_label_config
        self.explainability_config = explainability_config
        self.pre_training_methods = pre_training_methods
        self.post_training_methods = post_training_methods
        self.report = report

    # ------------------------------------------------------------------------- the SDK's run_* combinations
    @classmethod
    def pre_training_bias(
        cls, data_config: DataConfig, bias_config: BiasConfig, methods: Any = "all"
    ) -> AnalysisConfigBuilder:
        """As ``run_pre_training_bias``: data + bias, ``methods.pre_training_bias``, report; no predictor."""
        return cls(data_config, bias_config, pre_training_methods=methods)

    @classmethod
    def post_training_bias(
        cls,
        data_config: DataConfig,
        bias_config: BiasConfig,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: Any = None,
        methods: Any = "all",
    ) -> AnalysisConfigBuilder:
        """As ``run_post_training_bias``."""
        return cls(
            data_config,
            bias_config,
            model_config,
            model_predicted_label_config,
            post_training_methods=methods,
        )

    @classmethod
    def bias(
        cls,
        data_config: DataConfig,
        bias_config: BiasConfig,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: Any = None,
        pre_training_methods: Any = "all",
        post_training_methods: Any = "all",
    ) -> AnalysisConfigBuilder:
        """As ``run_bias``: both bias stages."""
        return cls(
            data_config,
            bias_config,
            model_config,
            model_predicted_label_config,
            pre_training_methods=pre_training_methods,
            post_training_methods=post_training_methods,
        )

    @classmethod
    def explainability(
        cls,
        data_config: DataConfig,
        model_config: ModelConfig | None,
        explainability_config: Any,
        model_scores: ModelPredictedLabelConfig | str | int | None = None,
    ) -> AnalysisConfigBuilder:
        """As ``run_explainability``: ``model_scores`` locates the scores in the model output."""
        return cls(data_config, None, model_config, model_scores, explainability_config=explainability_config)

    @classmethod
    def bias_and_explainability(
        cls,
        data_config: DataConfig,
        model_config: ModelConfig | None,
        model_predicted_label_config: Any,
        explainability_config: Any,
        bias_config: BiasConfig,
        pre_training_methods: Any = "all",
        post_training_methods: Any = "all",
    ) -> AnalysisConfigBuilder:
        """As ``run_bias_and_explainability``."""
        return cls(
            data_config,
            bias_config,
            model_config,
            model_predicted_label_config,
            explainability_config,
            pre_training_methods,
            post_training_methods,
        )

    # ------------------------------------------------------------------------------------------- building
    def problems(self) -> list[ConfigProblem]:
        """Mistakes in how the builders were combined (the document's own rules are checked by validation)."""
        problems: list[ConfigProblem] = []
        if not isinstance(self.data_config, DataConfig):
            problems.append(
                ConfigProblem("dataset_type", "a DataConfig is required to build an analysis config")
            )
        if isinstance(self.bias_config, BiasConfig):
            problems += self.bias_config.problems()
        explainers = self._explainers()
        kinds = [type(item).__name__ for item in explainers]
        for kind in sorted(set(kinds)):
            if kinds.count(kind) > 1:
                problems.append(
                    ConfigProblem("methods", f"{kind} is given {kinds.count(kind)} times; give it once")
                )
        for item in explainers:
            if not isinstance(item, EXPLAINER_TYPES):
                problems.append(
                    ConfigProblem(
                        "methods",
                        "explainability_config must be SHAPConfig, PDPConfig or AsymmetricShapleyValueConfig, "
                        f"got {item!r}",
                    )
                )
        if not (self.pre_training_methods or self.post_training_methods or explainers):
            problems.append(
                ConfigProblem(
                    "methods",
                    "no analysis method is configured; give pre_training_methods, post_training_methods or an "
                    "explainability_config (SHAPConfig / PDPConfig)",
                )
            )
        return problems

    def _explainers(self) -> list[Any]:
        config = self.explainability_config
        if config is None:
            return []
        return list(config) if isinstance(config, (list, tuple)) else [config]

    def to_dict(self) -> dict[str, Any]:
        """The combined document (not validated), in the SDK's key order."""
        document: dict[str, Any] = {}
        if isinstance(self.data_config, DataConfig):
            document.update(self.data_config.get_config())
        if isinstance(self.bias_config, BiasConfig):
            document.update(self.bias_config.get_config())
        methods: dict[str, Any] = {}
        if self.report:
            methods["report"] = (
                self.report.to_dict() if isinstance(self.report, ReportConfig) else ReportConfig().to_dict()
            )
        if self.pre_training_methods:
            methods["pre_training_bias"] = {"methods": copy.deepcopy(self.pre_training_methods)}
        if self.post_training_methods:
            methods["post_training_bias"] = {"methods": copy.deepcopy(self.post_training_methods)}
        for item in self._explainers():
            if isinstance(item, EXPLAINER_TYPES):
                methods.update(item.get_explainability_config())
        document["methods"] = methods
        if isinstance(self.model_config, ModelConfig):
            document["predictor"] = self.model_config.get_predictor_config()
        labels = self.model_predicted_label_config
        # Without a ModelConfig the SDK silently drops these output locations; we keep them in a predictor (the
        # local engine reads them for an in-process model), so nothing the user wrote is lost.
        if isinstance(labels, ModelPredictedLabelConfig):
            threshold, predictor_part = labels.get_predictor_config()
            if predictor_part:
                document.setdefault("predictor", {}).update(predictor_part)
            set_if_given(threshold, "probability_threshold", document)
        elif labels is not None:
            document.setdefault("predictor", {})["label"] = labels
        return document

    def job_io(self) -> JobIO | None:
        return self.data_config.job_io() if isinstance(self.data_config, DataConfig) else None


BUILDER_TYPES = (
    DataConfig,
    BiasConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SHAPConfig,
    PDPConfig,
    AsymmetricShapleyValueConfig,
    ReportConfig,
    BiasMethods,
    AnalysisConfigBuilder,
)
EXPLAINER_TYPES = (SHAPConfig, PDPConfig, AsymmetricShapleyValueConfig)
"""The ``explainability_config`` builders (the SDK's name for them); more than one may be given."""


def is_builder(value: Any) -> bool:
    """True for the builder objects ``load_config`` accepts (alone or in a list)."""
    return isinstance(value, BUILDER_TYPES)


def _by_type(items: list[Any]) -> dict[type, list[Any]]:
    """The builder objects by class; anything else, or a repeated non-explainer, is a problem."""
    by_type: dict[type, list[Any]] = {}
    problems = []
    for index, item in enumerate(items):
        if not is_builder(item) or isinstance(item, AnalysisConfigBuilder):
            problems.append(
                ConfigProblem(
                    f"[{index}]",
                    f"{item!r} is not a builder object; give DataConfig, BiasConfig, ModelConfig, "
                    "ModelPredictedLabelConfig, SHAPConfig, PDPConfig, AsymmetricShapleyValueConfig, ReportConfig "
                    "or BiasMethods",
                )
            )
            continue
        by_type.setdefault(type(item), []).append(item)
    for kind, found in by_type.items():
        if kind not in EXPLAINER_TYPES and len(found) > 1:
            problems.append(ConfigProblem("$", f"{kind.__name__} is given {len(found)} times; give it once"))
    if problems:
        raise ClarifyConfigError(problems)
    return by_type


def from_builders(items: Any) -> AnalysisConfigBuilder:
    """Combine ``[DataConfig, BiasConfig, ModelConfig, ..., SHAPConfig, PDPConfig]`` into one builder.

    Without a :class:`BiasMethods` item, a ``BiasConfig`` asks for pre-training bias ``"all"``, plus post-training
    bias ``"all"`` when a prediction source is given too (a ``ModelConfig``, a ``ModelPredictedLabelConfig``, or
    ``predicted_label`` / ``predicted_label_dataset_uri`` in the ``DataConfig``). ``methods.report`` is written
    as the SDK does unless a ``ReportConfig`` says otherwise.
    """
    if isinstance(items, AnalysisConfigBuilder):
        return items
    by_type = _by_type(list(items) if isinstance(items, (list, tuple)) else [items])

    def one(kind: type) -> Any:
        return by_type.get(kind, [None])[0]

    data, bias, model, labels = (
        one(DataConfig),
        one(BiasConfig),
        one(ModelConfig),
        one(ModelPredictedLabelConfig),
    )
    explainers = [item for kind in EXPLAINER_TYPES for item in by_type.get(kind, [])]
    chosen = one(BiasMethods)
    if chosen is not None:
        pre, post = chosen.pre_training_methods, chosen.post_training_methods
    else:
        has_predictions = model is not None or labels is not None
        if data is not None:
            has_predictions = has_predictions or data.predicted_label is not None
            has_predictions = has_predictions or data.predicted_label_dataset_uri is not None
        pre = "all" if bias is not None else None
        post = "all" if bias is not None and has_predictions else None
    report = one(ReportConfig)
    return AnalysisConfigBuilder(
        data,
        bias,
        model,
        labels,
        explainers or None,
        pre,
        post,
        report if report is not None else True,
    )
