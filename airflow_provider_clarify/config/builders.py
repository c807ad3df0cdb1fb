"""SDK-shaped builders: the SageMaker SDK's ``sagemaker.clarify`` config classes, producing the same JSON.

Users who know ``DataConfig``, ``BiasConfig``, ``ModelConfig``, ``ModelPredictedLabelConfig``, ``SHAPConfig``,
``PDPConfig``, ``TextConfig``, ``ImageConfig`` and ``SegmentationConfig`` can keep writing them: the argument
names, order and defaults, the JSON fragments they produce and the way the SDK's ``run_*`` methods combine them
(``methods.report`` always, ``"all"`` metrics as a string, SHAP's ``use_logit``/``save_local_shap_values``, PDP's
``grid_resolution`` 15 / ``top_k_features`` 10, the predictor before the methods for an explanation-only run) are
the SDK's. What the SDK's classes refuse is refused too (:mod:`.sdk_rules`), with our errors.

Deliberate differences:

- Checks are deferred to ``load_config(builders)``, which reports *every* problem with its JSON path and a fix
  instead of the SDK's first ``ValueError`` (or bare ``AssertionError``). That also lets every argument be an
  Airflow template (``SHAPConfig(num_samples="{{ params.samples }}")``): each builder lists its arguments in
  ``template_fields``, Airflow renders them in place, and the rendered strings are turned back into the schema's
  types by :mod:`~airflow_provider_clarify.config.coercion`. Nothing runs before that check, so no upload, job
  or output happens for a refused builder.
- The S3 locations of ``DataConfig`` (``s3_data_input_path``, ``s3_output_path``,
  ``s3_analysis_config_output_path``) are processing-job inputs/outputs, not config fields, exactly as in the SDK;
  they are exposed as ``DataConfig.dataset_uri`` / ``.output_uri`` and as ``AnalysisConfig.job_io``. The SDK
  requires the first two; here they may be left out when an operator is given ``dataset_uri=`` / ``output_uri=``.
- Without a ``ModelConfig``, a ``ModelPredictedLabelConfig`` is kept in a ``predictor`` object (the SDK drops it
  silently): the local engine reads it for an in-process model, so nothing the user wrote is lost.
"""

from __future__ import annotations

import copy
import functools
import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from airflow_provider_clarify.config import sdk_rules
from airflow_provider_clarify.config.errors import ClarifyConfigError, ConfigProblem
from airflow_provider_clarify.config.model import DEFAULT_GRID_RESOLUTION, DEFAULT_TOP_K_FEATURES, JobIO
from airflow_provider_clarify.config.schema import enum_values
from airflow_provider_clarify.contract import CSV, DEFAULT_REPORT_NAME

log = logging.getLogger(__name__)

SDK_REPORT_TITLE = "Analysis Report"
"""The title the SDK always writes into ``methods.report`` (the container's own default differs)."""


def set_if_given(value: Any, key: str, target: dict[str, Any]) -> None:
    """Write ``key`` only when a value was given: the SDK never writes ``null``s into the document."""
    if value is not None:
        target[key] = copy.deepcopy(value)


class Builder:
    """Common behaviour of the builders: arguments kept as attributes (so Airflow can render them), a readable
    repr. Builders only describe a document; ``load_config`` validates it."""

    template_fields: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.template_fields
            if getattr(self, name) is not None
        )
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(
            getattr(self, name) == getattr(other, name) for name in self.template_fields
        )

    __hash__ = None  # type: ignore[assignment]  # mutable (Airflow renders attributes in place)

    def problems(self) -> list[ConfigProblem]:
        """What the SDK's class of the same name refuses in these arguments (:mod:`.sdk_rules`); the document's
        own rules are validation's."""
        return []


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

    def problems_at(self, index: int) -> list[ConfigProblem]:
        """The SDK's checks, for the ``index``-th entry of ``DataConfig(segmentation_config=[...])``."""
        return sdk_rules.segmentation_problems(index, self.name_or_index, self.segments, self.display_aliases)

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

    def problems(self) -> list[ConfigProblem]:
        problems = sdk_rules.exact_choice(
            self.dataset_type,
            sdk_rules.SDK_DATASET_TYPES,
            enum_values("properties", "dataset_type"),
            path="dataset_type",
            call="DataConfig(dataset_type",
        )
        problems += sdk_rules.compression_problems(self.s3_compression_type)
        for index, item in enumerate(self.segmentation_config or []):
            if isinstance(item, SegmentationConfig):
                problems += item.problems_at(index)
        return problems

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

    def problems(self) -> list[ConfigProblem]:
        problems = sdk_rules.model_choice_problems(
            model_name=self.model_name,
            instance_count=self.instance_count,
            instance_type=self.instance_type,
            endpoint_name=self.endpoint_name,
        )
        predictor = ("$defs", "predictor", "properties")
        for name, sdk_values in (
            ("accept_type", sdk_rules.SDK_ACCEPT_TYPES),
            ("content_type", sdk_rules.SDK_CONTENT_TYPES),
        ):
            problems += sdk_rules.exact_choice(
                getattr(self, name),
                sdk_values,
                enum_values(*predictor, name),
                path=f"predictor.{name}",
                call=f"ModelConfig({name}",
            )
        return problems

    def get_predictor_config(self) -> dict[str, Any]:
        """The ``predictor`` object, key for key as the SDK writes it.

        With ``endpoint_name`` only the endpoint is written: the SDK leaves out a ``model_name`` /
        ``instance_type`` / ``instance_count`` given beside it (they only describe a shadow endpoint), and so does
        this — with a warning instead of silently. ``accelerator_type`` belongs to a shadow endpoint too and is
        left out with the same warning (the document rules refuse it beside an existing endpoint).
        """
        config: dict[str, Any]
        if self.endpoint_name:
            config = {"endpoint_name": self.endpoint_name}
            ignored = [
                name
                for name in ("model_name", "instance_type", "instance_count", "accelerator_type")
                if getattr(self, name) is not None
            ]
            if ignored:
                log.warning(
                    "ModelConfig(endpoint_name=%r): %s only describe(s) a shadow endpoint deployed from a model "
                    "and is left out of the analysis config (the SageMaker SDK drops it too)",
                    self.endpoint_name,
                    ", ".join(ignored),
                )
        else:
            config = {
                "model_name": self.model_name,
                "instance_type": self.instance_type,
                "initial_instance_count": self.instance_count,
            }
        if self.endpoint_name_prefix:
            config["endpoint_name_prefix"] = self.endpoint_name_prefix
        set_if_given(self.accept_type, "accept_type", config)
        set_if_given(self.content_type, "content_type", config)
        set_if_given(self.content_template, "content_template", config)
        set_if_given(self.record_template, "record_template", config)
        set_if_given(self.custom_attributes, "custom_attributes", config)
        if not self.endpoint_name:
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


_TEXT = ("$defs", "shap", "properties", "text_config", "properties")


class TextConfig(Builder):
    """NLP settings of SHAP (SDK ``TextConfig``).

    ``max_top_tokens`` is the container's field, which the SDK class does not take: keyword-only here, written only
    when given.
    """

    template_fields = ("granularity", "language", "max_top_tokens")

    def __init__(self, granularity: str, language: str, *, max_top_tokens: int | None = None) -> None:
        self.granularity = granularity
        self.language = language
        self.max_top_tokens = max_top_tokens

    def problems(self) -> list[ConfigProblem]:
        return sdk_rules.exact_choice(
            self.granularity,
            sdk_rules.SDK_TEXT_GRANULARITIES,
            enum_values(*_TEXT, "granularity"),
            path="methods.shap.text_config.granularity",
            call="TextConfig(granularity",
        ) + sdk_rules.exact_choice(
            self.language,
            sdk_rules.text_languages(),
            sdk_rules.text_languages(),
            path="methods.shap.text_config.language",
            call="TextConfig(language",
        )

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

    def problems(self) -> list[ConfigProblem]:
        return sdk_rules.exact_choice(
            self.model_type,
            sdk_rules.SDK_IMAGE_MODEL_TYPES,
            enum_values("$defs", "shap", "properties", "image_config", "properties", "model_type"),
            path="methods.shap.image_config.model_type",
            call="ImageConfig(model_type",
        )

    def get_image_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"model_type": self.model_type}
        for name in self.template_fields[1:]:
            set_if_given(getattr(self, name), name, config)
        return config


class ExplainabilityConfig(Builder, ABC):
    """An explainability method (the SDK's abstract ``ExplainabilityConfig``): ``SHAPConfig``, ``PDPConfig`` and,
    for time series, ``AsymmetricShapleyValueConfig``. Its one duty: the ``methods`` entry it contributes."""

    @abstractmethod
    def get_explainability_config(self) -> dict[str, Any]:
        """``{method name: settings}`` for the document's ``methods``."""


class SHAPConfig(ExplainabilityConfig):
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

    def problems(self) -> list[ConfigProblem]:
        problems = sdk_rules.exact_choice(
            self.agg_method,
            sdk_rules.SDK_AGG_METHODS,
            enum_values("$defs", "shap", "properties", "agg_method"),
            path="methods.shap.agg_method",
            call="SHAPConfig(agg_method",
        )
        for part in (self.text_config, self.image_config):
            if isinstance(part, Builder):
                problems += part.problems()
        return problems

    def get_explainability_config(self) -> dict[str, Any]:
        if self.text_config and self.save_local_shap_values in (False, "False", "false"):
            log.warning(
                "SHAPConfig(text_config=..., save_local_shap_values=False): global aggregation is limited for "
                "text features; consider save_local_shap_values=True to inspect local text explanations"
            )
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


class PDPConfig(ExplainabilityConfig):
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


Explainers = ExplainabilityConfig | Sequence[ExplainabilityConfig]
"""``explainability_config``: one explainability method or a list of them (the SDK's ``Union[..., List]``)."""
ModelScores = ModelPredictedLabelConfig | str | int
"""Where the model's scores/label are: a ``ModelPredictedLabelConfig``, or an index / JMESPath (``label``)."""
BiasMetrics = str | list[str]
"""``"all"`` or a list of metric names."""

F = TypeVar("F", bound=Callable[..., Any])


def _renamed_keyword(old: str, new: str) -> Callable[[F], F]:
    """Accept the keyword ``old`` as a deprecated name of ``new`` (earlier releases of these builders used it);
    the signature stays the SDK's."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{function.__qualname__}() got {old}= and {new}=; give {new}= only")
                warnings.warn(
                    f"{function.__qualname__}({old}=...) is deprecated; write {new}=... (the SageMaker SDK's name)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def _is_explainer(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return bool(value) and all(isinstance(item, ExplainabilityConfig) for item in value)
    return isinstance(value, ExplainabilityConfig)


def _legacy_argument_order(function: F) -> F:
    """Earlier releases took ``bias_and_explainability(data, model, labels, explainer, bias, pre, post)`` (the
    order of the SDK's private generator). A positional call in that order is recognised by its types — an
    explainability config where the SDK's order has ``bias_config`` and a ``BiasConfig`` after it — reordered, and
    reported as deprecated; every other call is the SDK's order."""

    @functools.wraps(function)
    def wrapper(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) >= 5 and _is_explainer(args[3]) and isinstance(args[4], BiasConfig):
            if "model_predicted_label_config" in kwargs:
                raise TypeError(
                    "bias_and_explainability() got model_predicted_label_config twice (positionally, in the "
                    "earlier argument order, and by keyword)"
                )
            warnings.warn(
                "bias_and_explainability(data_config, model_config, model_predicted_label_config, "
                "explainability_config, bias_config, ...) is the earlier argument order and is deprecated; use "
                "the SageMaker SDK's: (data_config, model_config, explainability_config, bias_config, "
                "pre_training_methods, post_training_methods, model_predicted_label_config)",
                DeprecationWarning,
                stacklevel=2,
            )
            data, model, labels, explainer, bias, *methods = args
            args = (data, model, explainer, bias, *methods)
            kwargs["model_predicted_label_config"] = labels
        return function(cls, *args, **kwargs)

    return cast(F, wrapper)


class AnalysisConfigBuilder(Builder):
    """Combine builder objects into one document the way the SDK's ``SageMakerClarifyProcessor.run_*`` do.

    The class methods mirror the SDK's run methods (``pre_training_bias`` ↔ ``run_pre_training_bias`` and so on)
    with the same parameter names, order and defaults, up to the configs (the run-only arguments ``wait``,
    ``logs``, ``job_name``... belong to the processors of :mod:`airflow_provider_clarify.clarify`). The
    constructor takes everything explicitly. ``load_config(builder)`` validates and returns the
    ``AnalysisConfig``; ``to_dict()`` returns the document without validating it.
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
        model_predicted_label_config: ModelScores | None = None,
        explainability_config: Explainers | None = None,
        pre_training_methods: BiasMetrics | None = None,
        post_training_methods: BiasMetrics | None = None,
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
    @_renamed_keyword("bias_config", "data_bias_config")
    def pre_training_bias(
        cls, data_config: DataConfig, data_bias_config: BiasConfig, methods: BiasMetrics = "all"
    ) -> AnalysisConfigBuilder:
        """As ``run_pre_training_bias``: data + bias, ``methods.pre_training_bias``, report; no predictor."""
        return cls(data_config, data_bias_config, pre_training_methods=methods)

    @classmethod
    @_renamed_keyword("bias_config", "data_bias_config")
    def post_training_bias(
        cls,
        data_config: DataConfig,
        data_bias_config: BiasConfig,
        model_config: ModelConfig | None = None,
        model_predicted_label_config: ModelScores | None = None,
        methods: BiasMetrics = "all",
    ) -> AnalysisConfigBuilder:
        """As ``run_post_training_bias``."""
        return cls(
            data_config,
            data_bias_config,
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
        model_predicted_label_config: ModelScores | None = None,
        pre_training_methods: BiasMetrics = "all",
        post_training_methods: BiasMetrics = "all",
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
        explainability_config: Explainers,
        model_scores: ModelScores | None = None,
    ) -> AnalysisConfigBuilder:
        """As ``run_explainability``: ``model_scores`` locates the scores in the model output."""
        return cls(data_config, None, model_config, model_scores, explainability_config=explainability_config)

    @classmethod
    @_legacy_argument_order
    def bias_and_explainability(
        cls,
        data_config: DataConfig,
        model_config: ModelConfig | None,
        explainability_config: Explainers,
        bias_config: BiasConfig,
        pre_training_methods: BiasMetrics = "all",
        post_training_methods: BiasMetrics = "all",
        model_predicted_label_config: ModelScores | None = None,
    ) -> AnalysisConfigBuilder:
        """As ``run_bias_and_explainability`` (the SDK's public argument order)."""
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
        """What the SDK refuses in these builders and in how they are combined (the document's own rules are
        checked by validation)."""
        problems: list[ConfigProblem] = []
        if not isinstance(self.data_config, DataConfig):
            problems.append(
                ConfigProblem("dataset_type", "a DataConfig is required to build an analysis config")
            )
        explainers = self._explainers()
        for part in (self.data_config, self.bias_config, self.model_config, *explainers):
            if isinstance(part, Builder):
                problems += part.problems()
        kinds = [type(item).__name__ for item in explainers]
        for kind in sorted(set(kinds)):
            if kinds.count(kind) > 1:
                problems.append(
                    ConfigProblem("methods", f"{kind} is given {kinds.count(kind)} times; give it once")
                )
        for item in explainers:
            if not isinstance(item, ExplainabilityConfig):
                problems.append(
                    ConfigProblem(
                        "methods",
                        "explainability_config must be SHAPConfig, PDPConfig or AsymmetricShapleyValueConfig "
                        f"(or a list of them), got {item!r}",
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
        """The combined document (not validated), in the SDK's key order: the data (and bias) fields, then the
        methods and the predictor — the predictor first when no bias stage is asked for, as the SDK's
        ``run_explainability`` writes it."""
        document: dict[str, Any] = {}
        if isinstance(self.data_config, DataConfig):
            document.update(self.data_config.get_config())
        if isinstance(self.bias_config, BiasConfig):
            document.update(self.bias_config.get_config())
        if self.pre_training_methods or self.post_training_methods:
            document["methods"] = self._methods()
            self._add_predictor(document)
        else:
            self._add_predictor(document)
            document["methods"] = self._methods()
        return document

    def _methods(self) -> dict[str, Any]:
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
            if isinstance(item, ExplainabilityConfig):
                methods.update(item.get_explainability_config())
        return methods

    def _add_predictor(self, document: dict[str, Any]) -> None:
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

    def job_io(self) -> JobIO | None:
        return self.data_config.job_io() if isinstance(self.data_config, DataConfig) else None


BUILDER_TYPES = (
    DataConfig,
    BiasConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    ExplainabilityConfig,
    ReportConfig,
    BiasMethods,
    AnalysisConfigBuilder,
)
"""What ``load_config`` accepts as builder objects (``ExplainabilityConfig``: SHAP, PDP and, for time series,
asymmetric Shapley values)."""


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
        if not issubclass(kind, ExplainabilityConfig) and len(found) > 1:
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
    items_list = list(items) if isinstance(items, (list, tuple)) else [items]
    by_type = _by_type(items_list)

    def one(kind: type) -> Any:
        return by_type.get(kind, [None])[0]

    data, bias, model, labels = (
        one(DataConfig),
        one(BiasConfig),
        one(ModelConfig),
        one(ModelPredictedLabelConfig),
    )
    explainers = [item for item in items_list if isinstance(item, ExplainabilityConfig)]  # in the given order
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
