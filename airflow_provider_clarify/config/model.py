"""The typed analysis config: the user's document, kept exactly, plus read-only typed views of every field.

The document a user writes is what both engines run, so :class:`AnalysisConfig` stores it verbatim and
``to_dict()`` gives it back unchanged (no defaults injected, case preserved): the engine applies defaults at run
time, as the container does. The typed views (``config.methods.shap.num_samples``, ``config.facets[0].name_or_index``)
are derived from it for code that wants attributes instead of dict look-ups. In the views, absent fields are
``None`` (never a default) and enum strings are in their canonical spelling (``dataset_type`` ``"text/csv"`` even
when the document says ``"TEXT/CSV"``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_clarify.config.schema import (
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    TABULAR_DATASET_TYPES,
    canonical_enum,
    enum_values,
)

NameOrIndex = str | int
Value = int | float | str

# Defaults the container applies when a field is absent (SPEC §2); the config never writes them into the document.
DEFAULT_PROBABILITY_THRESHOLD = 0.5
DEFAULT_AGG_METHOD = "mean_abs"
DEFAULT_GRID_RESOLUTION = 15
DEFAULT_TOP_K_FEATURES = 10
DEFAULT_MAX_TOP_TOKENS = 50
DEFAULT_REPORT_NAME = "report"
DEFAULT_REPORT_TITLE = "SageMaker Analysis Report"
DEFAULT_ENDPOINT_NAME_PREFIX = "sm-clarify"


def _canon(value: Any, *schema_path: str) -> Any:
    return canonical_enum(value, enum_values(*schema_path)) if isinstance(value, str) else value


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return tuple(value) if isinstance(value, list) else None


@dataclass(frozen=True)
class Facet:
    """One sensitive attribute: a column (name or index) and, optionally, the values/threshold forming facet d."""

    name_or_index: NameOrIndex
    value_or_threshold: tuple[Value, ...] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facet:
        return cls(data["name_or_index"], _tuple(data.get("value_or_threshold")))


@dataclass(frozen=True)
class BiasMethod:
    """``methods.pre_training_bias`` / ``methods.post_training_bias``: ``"all"`` or an explicit metric list."""

    methods: str | tuple[str, ...]
    registry: tuple[str, ...] = field(repr=False, default=())

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The metrics to compute, canonical upper-case keys; ``"all"`` resolves to every registered metric."""
        if isinstance(self.methods, str):
            return self.registry
        by_folded = {name.casefold(): name for name in self.registry}
        return tuple(by_folded.get(name.casefold(), name) for name in self.methods)


@dataclass(frozen=True)
class TextSettings:
    """``methods.shap.text_config``: how text columns are split into units for NLP explanations."""

    granularity: str
    language: str
    max_top_tokens: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextSettings:
        props = ("$defs", "shap", "properties", "text_config", "properties")
        return cls(
            _canon(data["granularity"], *props, "granularity"),
            _canon(data["language"], *props, "language"),
            data.get("max_top_tokens"),
        )


@dataclass(frozen=True)
class ImageSettings:
    """``methods.shap.image_config`` (computer vision; a later phase of the local engine)."""

    model_type: str | None = None
    num_segments: int | None = None
    segment_compactness: float | None = None
    feature_extraction_method: str | None = None
    max_objects: int | None = None
    iou_threshold: float | None = None
    context: float | None = None
    debug: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageSettings:
        props = ("$defs", "shap", "properties", "image_config", "properties")
        return cls(
            model_type=_canon(data.get("model_type"), *props, "model_type"),
            num_segments=data.get("num_segments"),
            segment_compactness=data.get("segment_compactness"),
            feature_extraction_method=data.get("feature_extraction_method"),
            max_objects=data.get("max_objects"),
            iou_threshold=data.get("iou_threshold"),
            context=data.get("context"),
            debug=copy.deepcopy(data.get("debug")),
        )


@dataclass(frozen=True)
class ShapMethod:
    """``methods.shap``: Kernel SHAP settings; ``None`` means "absent, the engine picks its default"."""

    baseline: str | list[Any] | dict[str, Any] | None = None
    num_clusters: int | None = None
    num_samples: int | None = None
    seed: int | None = None
    use_logit: bool | None = None
    save_local_shap_values: bool | None = None
    agg_method: str | None = None
    features_to_explain: tuple[NameOrIndex, ...] | None = None
    text_config: TextSettings | None = None
    image_config: ImageSettings | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShapMethod:
        return cls(
            baseline=copy.deepcopy(data.get("baseline")),
            num_clusters=data.get("num_clusters"),
            num_samples=data.get("num_samples"),
            seed=data.get("seed"),
            use_logit=data.get("use_logit"),
            save_local_shap_values=data.get("save_local_shap_values"),
            agg_method=_canon(data.get("agg_method"), "$defs", "shap", "properties", "agg_method"),
            features_to_explain=_tuple(data.get("features_to_explain")),
            text_config=TextSettings.from_dict(data["text_config"]) if "text_config" in data else None,
            image_config=ImageSettings.from_dict(data["image_config"]) if "image_config" in data else None,
        )

    @property
    def baseline_is_uri(self) -> bool:
        return isinstance(self.baseline, str)


@dataclass(frozen=True)
class PdpMethod:
    """``methods.pdp``: partial dependence plots."""

    grid_resolution: int
    features: tuple[NameOrIndex, ...] | None = None
    top_k_features: int | None = None


@dataclass(frozen=True)
class ReportMethod:
    """``methods.report``: file stem and title of report.ipynb/.html/.pdf."""

    name: str
    title: str | None = None


@dataclass(frozen=True)
class Methods:
    """``methods``: which analyses run. A method that is absent is neither computed nor reported."""

    pre_training_bias: BiasMethod | None = None
    post_training_bias: BiasMethod | None = None
    shap: ShapMethod | None = None
    pdp: PdpMethod | None = None
    report: ReportMethod | None = None
    asymmetric_shapley_value: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Methods:
        def bias(key: str, registry: tuple[str, ...]) -> BiasMethod | None:
            if key not in data:
                return None
            chosen = data[key]["methods"]
            return BiasMethod(chosen.casefold() if isinstance(chosen, str) else tuple(chosen), registry)

        pdp = data.get("pdp")
        report = data.get("report")
        return cls(
            pre_training_bias=bias("pre_training_bias", PRE_TRAINING_METRICS),
            post_training_bias=bias("post_training_bias", POST_TRAINING_METRICS),
            shap=ShapMethod.from_dict(data["shap"]) if "shap" in data else None,
            pdp=PdpMethod(pdp["grid_resolution"], _tuple(pdp.get("features")), pdp.get("top_k_features"))
            if pdp is not None
            else None,
            report=ReportMethod(report["name"], report.get("title")) if report is not None else None,
            asymmetric_shapley_value=copy.deepcopy(data.get("asymmetric_shapley_value")),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Keys of the configured methods, in a fixed order (bias, explanations, report)."""
        order = (
            "pre_training_bias",
            "post_training_bias",
            "shap",
            "pdp",
            "asymmetric_shapley_value",
            "report",
        )
        return tuple(name for name in order if getattr(self, name) is not None)


@dataclass(frozen=True)
class Predictor:
    """``predictor``: how to reach the model (endpoint, shadow endpoint) and how to read its requests/responses."""

    endpoint_name: str | None = None
    endpoint_name_prefix: str | None = None
    model_name: str | None = None
    target_model: str | None = None
    instance_type: str | None = None
    initial_instance_count: int | None = None
    accelerator_type: str | None = None
    content_type: str | None = None
    accept_type: str | None = None
    content_template: str | dict[str, str] | None = None
    record_template: str | None = None
    label: NameOrIndex | None = None
    probability: NameOrIndex | None = None
    label_headers: tuple[NameOrIndex, ...] | None = None
    custom_attributes: str | None = None
    time_series_predictor_config: dict[str, Any] | None = None
    local_predictor: str | None = None  # local-engine extension, never valid for the managed job

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Predictor:
        props = ("$defs", "predictor", "properties")
        values = {key: copy.deepcopy(value) for key, value in data.items()}
        values["content_type"] = _canon(data.get("content_type"), *props, "content_type")
        values["accept_type"] = _canon(data.get("accept_type"), *props, "accept_type")
        values["label_headers"] = _tuple(data.get("label_headers"))
        return cls(**values)

    @property
    def is_model_source(self) -> bool:
        """True when the predictor names a model the managed job can call (existing or shadow endpoint)."""
        return self.endpoint_name is not None or self.model_name is not None


class AnalysisConfig:
    """A validated analysis_config document (schema 1.0). Immutable; build it with ``load_config``.

    ``to_dict()`` returns the document exactly as given (a deep copy). Typed, read-only views of the fields are
    attributes. ``job_io`` carries the processing-job inputs/outputs that SDK-style builders know about but that
    are not part of the document (dataset and output S3 URIs), for operators to use.
    """

    __slots__ = ("_document", "_job_io", "_methods", "_predictor")

    def __init__(
        self, document: dict[str, Any], *, job_io: JobIO | None = None, _validated: bool = False
    ) -> None:
        if not _validated:
            from airflow_provider_clarify.config.errors import ClarifyConfigError
            from airflow_provider_clarify.config.validation import validate_document

            problems = validate_document(document)
            if problems:
                raise ClarifyConfigError(problems)
        self._document = copy.deepcopy(document)
        self._job_io = job_io
        self._methods = Methods.from_dict(self._document["methods"])
        predictor = self._document.get("predictor")
        self._predictor = Predictor.from_dict(predictor) if predictor is not None else None

    # ----------------------------------------------------------------------------------------- the document
    def to_dict(self) -> dict[str, Any]:
        """The JSON-able document, exactly as the user (or the builders) wrote it; a deep copy."""
        return copy.deepcopy(self._document)

    def to_json(self, **kwargs: Any) -> str:
        """The document as JSON text (UTF-8 safe, ``ensure_ascii=False``), e.g. for ``analysis_config.json``."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self._document, **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalysisConfig) and self._document == other._document

    def __hash__(self) -> int:
        return hash(self.to_json(sort_keys=True))

    def __repr__(self) -> str:
        return f"AnalysisConfig(dataset_type={self.dataset_type!r}, methods={list(self.methods.names)!r})"

    def __contains__(self, key: str) -> bool:
        return key in self._document

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level field of the document (deep copy), or ``default`` when absent."""
        return copy.deepcopy(self._document.get(key, default))

    @property
    def job_io(self) -> JobIO | None:
        return self._job_io

    # ------------------------------------------------------------------------------------- typed top level
    @property
    def version(self) -> str | None:
        return self._document.get("version")

    @property
    def dataset_type(self) -> str:
        """Canonical spelling, e.g. ``"text/csv"``."""
        return canonical_enum(self._document["dataset_type"], enum_values("properties", "dataset_type"))

    @property
    def is_tabular(self) -> bool:
        return self.dataset_type in TABULAR_DATASET_TYPES

    @property
    def dataset_uri(self) -> str | None:
        return self._document.get("dataset_uri")

    @property
    def headers(self) -> tuple[str, ...] | None:
        return _tuple(self._document.get("headers"))

    @property
    def label(self) -> NameOrIndex | None:
        return self._document.get("label")

    @property
    def predicted_label(self) -> NameOrIndex | None:
        return self._document.get("predicted_label")

    @property
    def features(self) -> str | None:
        return self._document.get("features")

    @property
    def label_values_or_threshold(self) -> tuple[Value, ...] | None:
        return _tuple(self._document.get("label_values_or_threshold"))

    @property
    def probability_threshold(self) -> float | None:
        return self._document.get("probability_threshold")

    @property
    def facets(self) -> tuple[Facet, ...]:
        return tuple(Facet.from_dict(item) for item in self._document.get("facet", []))

    @property
    def group_variable(self) -> NameOrIndex | None:
        return self._document.get("group_variable")

    @property
    def facet_dataset_uri(self) -> str | None:
        return self._document.get("facet_dataset_uri")

    @property
    def facet_headers(self) -> tuple[str, ...] | None:
        return _tuple(self._document.get("facet_headers"))

    @property
    def predicted_label_dataset_uri(self) -> str | None:
        return self._document.get("predicted_label_dataset_uri")

    @property
    def predicted_label_headers(self) -> tuple[str, ...] | None:
        return _tuple(self._document.get("predicted_label_headers"))

    @property
    def joinsource_name_or_index(self) -> NameOrIndex | None:
        return self._document.get("joinsource_name_or_index")

    @property
    def excluded_columns(self) -> tuple[NameOrIndex, ...] | None:
        return _tuple(self._document.get("excluded_columns"))

    @property
    def segment_config(self) -> list[dict[str, Any]] | None:
        """SDK extension, passed through untouched (the local engine ignores it with a warning)."""
        return copy.deepcopy(self._document.get("segment_config"))

    @property
    def time_series_data_config(self) -> dict[str, Any] | None:
        """Time-series explainability settings, passed through untouched (out of scope for the local engine)."""
        return copy.deepcopy(self._document.get("time_series_data_config"))

    @property
    def methods(self) -> Methods:
        return self._methods

    @property
    def predictor(self) -> Predictor | None:
        return self._predictor


@dataclass(frozen=True)
class JobIO:
    """Processing-job inputs/outputs that SDK ``DataConfig`` carries beside the document (never written into it).

    ``dataset_uri`` is the ``dataset`` processing input (``s3_data_input_path``), ``output_uri`` the
    ``analysis_result`` output (``s3_output_path``), ``analysis_config_uri`` where the SDK uploads the config
    (``s3_analysis_config_output_path``, default: the output URI).
    """

    dataset_uri: str | None = None
    output_uri: str | None = None
    analysis_config_uri: str | None = None
    s3_compression_type: str = "None"
    s3_data_distribution_type: str = "FullyReplicated"
