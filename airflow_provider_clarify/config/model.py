"""The typed analysis config: the user's document, kept exactly, plus read-only typed views with their defaults.

The document a user writes is what both engines run, so :class:`AnalysisConfig` stores it verbatim and
``to_dict()`` gives it back unchanged (no defaults injected, case preserved). The typed views
(``config.methods.shap.agg_method``, ``config.facets[0].name_or_index``) are derived from it for code that wants
attributes instead of dict look-ups, and they carry the defaults the container applies when a field is absent
(reference §2), declared once in this module. Fields without a default (a seed, an explicit baseline, ``num_samples``
where ``None`` means "automatic") stay ``None`` when absent; ``is_set(name)`` tells whether the document gave a
field. Enum strings are in their canonical spelling (``dataset_type`` ``"text/csv"`` even when the document says
``"TEXT/CSV"``).

An ``AnalysisConfig`` is only made by :func:`~airflow_provider_clarify.config.loading.load_config`, after the
document passed validation, so every view can rely on the document's structure.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol, TypeVar

from airflow_provider_clarify.config.errors import ClarifyConfigError
from airflow_provider_clarify.config.metrics import POST_TRAINING_METRICS, PRE_TRAINING_METRICS
from airflow_provider_clarify.config.schema import canonical_enum, enum_values
from airflow_provider_clarify.config.time_series import (
    AsymmetricShapleyValueMethod,
    TimeSeriesData,
    TimeSeriesForecast,
    TimeSeriesSettings,
)
from airflow_provider_clarify.contract import (
    DEFAULT_REPORT_NAME,
    IMAGE,
    JPEG,
    JSON,
    PARQUET,
    TABULAR_DATASET_TYPES,
    JSONObject,
    JSONValue,
)

NameOrIndex = str | int
Value = int | float | str
Number = TypeVar("Number", int, float)
AnalysisKind = Literal["tabular", "image", "time_series"]
"""The kinds of analysis a document describes; the local engine runs each in its own module."""

# Defaults the container applies when a field is absent (reference §2); the config never writes them into the document.
DEFAULT_PROBABILITY_THRESHOLD: Final = 0.5
DEFAULT_AGG_METHOD: Final = "mean_abs"
DEFAULT_USE_LOGIT: Final = False
DEFAULT_SAVE_LOCAL_SHAP_VALUES: Final = False
DEFAULT_GRID_RESOLUTION: Final = 15
DEFAULT_TOP_K_FEATURES: Final = 10
DEFAULT_MAX_TOP_TOKENS: Final = 50
DEFAULT_REPORT_TITLE: Final = "SageMaker Analysis Report"
# Computer vision (the analysis-config reference and the SDK's ImageConfig).
IMAGE_CLASSIFICATION: Final = "IMAGE_CLASSIFICATION"
OBJECT_DETECTION: Final = "OBJECT_DETECTION"
DEFAULT_NUM_SEGMENTS: Final = 20
DEFAULT_SEGMENT_COMPACTNESS: Final = 5.0
DEFAULT_FEATURE_EXTRACTION_METHOD: Final = "segmentation"
DEFAULT_MAX_OBJECTS: Final = 3
DEFAULT_IOU_THRESHOLD: Final = 0.5
DEFAULT_CONTEXT: Final = 1.0
DEFAULT_IMAGE_CONTENT_TYPE: Final = JPEG
DEFAULT_IMAGE_ACCEPT_TYPE: Final = JSON
"""Image data requirements: a model of images answers application/json unless the predictor says otherwise."""

PARQUET_CONTENT_TYPE_RULE: Final = (
    "required when dataset_type is application/x-parquet (the model cannot receive Parquet); use text/csv, "
    "application/jsonlines or application/json"
)
"""Why ``predictor.content_type`` must be given for Parquet data: the one wording of the rule, for validation (a
predictor section without it) and the engine (a model passed beside a document without a predictor section)."""


def default_content_type(dataset_type: str) -> str | None:
    """The content type a model receives when ``predictor.content_type`` is absent: the dataset's own type, except
    Parquet, which no model reads (``None``: the field is then required, :data:`PARQUET_CONTENT_TYPE_RULE`), and
    images, which a model receives as JPEG."""
    if dataset_type == IMAGE:
        return DEFAULT_IMAGE_CONTENT_TYPE
    return None if dataset_type == PARQUET else dataset_type


def default_accept_type(dataset_type: str, content_type: str | None) -> str | None:
    """The accept type when ``predictor.accept_type`` is absent: the content type, except for images (JSON)."""
    return DEFAULT_IMAGE_ACCEPT_TYPE if dataset_type == IMAGE else content_type


# ------------------------------------------------------------------------------------- reading JSON values
def _canon(value: JSONValue, *schema_path: str) -> str | None:
    return canonical_enum(value, enum_values(*schema_path)) if isinstance(value, str) else None


def _text(value: JSONValue) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: JSONValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: JSONValue) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _or(value: Number | None, default: Number) -> Number:
    """``value`` when the document gave it, else the declared default (a typed ``value or default`` that keeps 0)."""
    return default if value is None else value


def _flag(value: JSONValue, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _name_or_index(value: JSONValue) -> NameOrIndex | None:
    return value if isinstance(value, str) else _integer(value)


def _object(value: JSONValue) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _values(value: JSONValue) -> tuple[Value, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, (int, float, str)) and not isinstance(item, bool))


def _names_or_indices(value: JSONValue) -> tuple[NameOrIndex, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in (_name_or_index(entry) for entry in value) if item is not None)


def _texts(value: JSONValue) -> tuple[str, ...] | None:
    return tuple(str(item) for item in value) if isinstance(value, list) else None


View = TypeVar("View")


def _view(value: JSONValue, view: _FromDict[View]) -> View | None:
    """The typed view of an object-valued field, ``None`` when the document does not give the object."""
    return view.from_dict(value) if isinstance(value, dict) else None


def _copy_object(value: JSONValue) -> JSONObject | None:
    return copy.deepcopy(value) if isinstance(value, dict) else None


ViewOut = TypeVar("ViewOut", covariant=True)


class _FromDict(Protocol[ViewOut]):
    def from_dict(self, data: JSONObject, /) -> ViewOut: ...


class _Given:
    """``is_set``: whether the document gave a field (the views apply defaults, so ``None`` cannot say it)."""

    given: frozenset[str]

    def is_set(self, name: str) -> bool:
        return name in self.given


# -------------------------------------------------------------------------------------------- the views
@dataclass(frozen=True)
class Facet:
    """One sensitive attribute: a column (name or index) and, optionally, the values/threshold forming facet d."""

    name_or_index: NameOrIndex
    value_or_threshold: tuple[Value, ...] | None = None

    @classmethod
    def from_dict(cls, data: JSONObject) -> Facet:
        name = _name_or_index(data.get("name_or_index"))
        return cls(name if name is not None else "", _values(data.get("value_or_threshold")))


@dataclass(frozen=True)
class BiasMethod:
    """``methods.pre_training_bias`` / ``methods.post_training_bias``: ``"all"`` or an explicit metric list."""

    methods: str | tuple[str, ...]
    registry: tuple[str, ...] = field(repr=False, default=())

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The metrics to compute, each once, as canonical upper-case keys: ``"all"`` is every registered metric
        (registry order), a list keeps its own order. The one metric-selection rule of the provider."""
        if isinstance(self.methods, str):
            return self.registry
        by_folded = {name.casefold(): name for name in self.registry}
        return tuple(dict.fromkeys(by_folded.get(name.casefold(), name) for name in self.methods))


@dataclass(frozen=True)
class TextSettings:
    """``methods.shap.text_config``: how text columns are split into units for NLP explanations."""

    granularity: str
    language: str
    max_top_tokens: int = DEFAULT_MAX_TOP_TOKENS

    @classmethod
    def from_dict(cls, data: JSONObject) -> TextSettings:
        props = ("$defs", "shap", "properties", "text_config", "properties")
        max_top_tokens = _integer(data.get("max_top_tokens"))
        return cls(
            _canon(data.get("granularity"), *props, "granularity") or "",
            _canon(data.get("language"), *props, "language") or "",
            DEFAULT_MAX_TOP_TOKENS if max_top_tokens is None else max_top_tokens,
        )


@dataclass(frozen=True)
class ImageDebug:
    """``image_config.debug`` (SDK schema only, undocumented): which images, classes and index range to explain;
    the engine reads them as their names say (docs/computer-vision.md)."""

    image_names: tuple[str, ...] | None = None
    class_ids: tuple[int, ...] | None = None
    sample_from: int | None = None
    sample_to: int | None = None

    @classmethod
    def from_dict(cls, data: JSONObject) -> ImageDebug:
        class_ids = data.get("class_ids")
        return cls(
            image_names=_texts(data.get("image_names")),
            class_ids=tuple(i for i in (_integer(v) for v in class_ids) if i is not None)
            if isinstance(class_ids, list)
            else None,
            sample_from=_integer(data.get("sample_from")),
            sample_to=_integer(data.get("sample_to")),
        )


@dataclass(frozen=True)
class ImageSettings(_Given):
    """``methods.shap.image_config`` (computer vision) with the defaults of the reference and the SDK's
    ``ImageConfig``; ``model_type`` in its canonical (upper-case) spelling."""

    model_type: str = IMAGE_CLASSIFICATION
    num_segments: int = DEFAULT_NUM_SEGMENTS
    segment_compactness: float = DEFAULT_SEGMENT_COMPACTNESS
    feature_extraction_method: str = DEFAULT_FEATURE_EXTRACTION_METHOD
    max_objects: int = DEFAULT_MAX_OBJECTS
    iou_threshold: float = DEFAULT_IOU_THRESHOLD
    context: float = DEFAULT_CONTEXT
    debug: ImageDebug = field(default_factory=ImageDebug)
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: JSONObject) -> ImageSettings:
        props = ("$defs", "shap", "properties", "image_config", "properties")
        number = {key: _number(data.get(key)) for key in ("segment_compactness", "iou_threshold", "context")}
        count = {key: _integer(data.get(key)) for key in ("num_segments", "max_objects")}
        return cls(
            model_type=_canon(data.get("model_type"), *props, "model_type") or IMAGE_CLASSIFICATION,
            num_segments=_or(count["num_segments"], DEFAULT_NUM_SEGMENTS),
            segment_compactness=_or(number["segment_compactness"], DEFAULT_SEGMENT_COMPACTNESS),
            feature_extraction_method=_canon(
                data.get("feature_extraction_method"), *props, "feature_extraction_method"
            )
            or DEFAULT_FEATURE_EXTRACTION_METHOD,
            max_objects=_or(count["max_objects"], DEFAULT_MAX_OBJECTS),
            iou_threshold=_or(number["iou_threshold"], DEFAULT_IOU_THRESHOLD),
            context=_or(number["context"], DEFAULT_CONTEXT),
            debug=ImageDebug.from_dict(_object(data.get("debug"))),
            given=frozenset(data),
        )

    @property
    def is_object_detection(self) -> bool:
        return self.model_type == OBJECT_DETECTION


Baseline = str | list[JSONValue] | JSONObject


@dataclass(frozen=True)
class ShapMethod(_Given):
    """``methods.shap``: Kernel SHAP settings with the container's defaults.

    ``num_samples``, ``num_clusters``, ``seed``, ``baseline`` and ``features_to_explain`` have no default value:
    ``None`` means the engine decides (automatic sample count, elbow-chosen clusters, seed 0, a computed
    baseline, every feature).
    """

    baseline: Baseline | None = None
    num_clusters: int | None = None
    num_samples: int | None = None
    seed: int | None = None
    use_logit: bool = DEFAULT_USE_LOGIT
    save_local_shap_values: bool = DEFAULT_SAVE_LOCAL_SHAP_VALUES
    agg_method: str = DEFAULT_AGG_METHOD
    features_to_explain: tuple[NameOrIndex, ...] | None = None
    text_config: TextSettings | None = None
    image_config: ImageSettings | None = None
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: JSONObject) -> ShapMethod:
        baseline = data.get("baseline")
        text_config, image_config = data.get("text_config"), data.get("image_config")
        return cls(
            baseline=copy.deepcopy(baseline) if isinstance(baseline, (str, list, dict)) else None,
            num_clusters=_integer(data.get("num_clusters")),
            num_samples=_integer(data.get("num_samples")),
            seed=_integer(data.get("seed")),
            use_logit=_flag(data.get("use_logit"), DEFAULT_USE_LOGIT),
            save_local_shap_values=_flag(data.get("save_local_shap_values"), DEFAULT_SAVE_LOCAL_SHAP_VALUES),
            agg_method=_canon(data.get("agg_method"), "$defs", "shap", "properties", "agg_method")
            or DEFAULT_AGG_METHOD,
            features_to_explain=_names_or_indices(data.get("features_to_explain")),
            text_config=TextSettings.from_dict(text_config) if isinstance(text_config, dict) else None,
            image_config=ImageSettings.from_dict(image_config) if isinstance(image_config, dict) else None,
            given=frozenset(data),
        )

    @property
    def baseline_is_uri(self) -> bool:
        return isinstance(self.baseline, str)


@dataclass(frozen=True)
class PdpMethod:
    """``methods.pdp``: partial dependence plots; without ``features`` the top SHAP features are plotted."""

    grid_resolution: int
    features: tuple[NameOrIndex, ...] | None = None
    top_k_features: int = DEFAULT_TOP_K_FEATURES

    @classmethod
    def from_dict(cls, data: JSONObject) -> PdpMethod:
        grid_resolution, top_k = _integer(data.get("grid_resolution")), _integer(data.get("top_k_features"))
        return cls(
            DEFAULT_GRID_RESOLUTION if grid_resolution is None else grid_resolution,
            _names_or_indices(data.get("features")),
            DEFAULT_TOP_K_FEATURES if top_k is None else top_k,
        )


@dataclass(frozen=True)
class ReportMethod:
    """``methods.report``: file stem and title of report.ipynb/.html/.pdf."""

    name: str = DEFAULT_REPORT_NAME
    title: str = DEFAULT_REPORT_TITLE

    @classmethod
    def from_dict(cls, data: JSONObject) -> ReportMethod:
        title = _text(data.get("title"))
        return cls(
            _text(data.get("name")) or DEFAULT_REPORT_NAME, DEFAULT_REPORT_TITLE if title is None else title
        )


METHOD_ORDER: Final = (
    "pre_training_bias",
    "post_training_bias",
    "shap",
    "pdp",
    "asymmetric_shapley_value",
    "report",
)
"""Keys of ``methods`` in a fixed order (bias, explanations, report)."""
BIAS_METHODS: Final = ("pre_training_bias", "post_training_bias")
"""The methods that measure bias (they count the dataset's labels, facets and predictions)."""
EXPLANATION_METHODS: Final = ("shap", "pdp", "asymmetric_shapley_value")
"""The methods that explain a model (each scores it): tabular and image SHAP, PDP, time-series asymmetric Shapley
values."""


@dataclass(frozen=True)
class Methods:
    """``methods``: which analyses run. A method that is absent is neither computed nor reported."""

    pre_training_bias: BiasMethod | None = None
    post_training_bias: BiasMethod | None = None
    shap: ShapMethod | None = None
    pdp: PdpMethod | None = None
    report: ReportMethod | None = None
    asymmetric_shapley_value: AsymmetricShapleyValueMethod | None = None

    @classmethod
    def from_dict(cls, data: JSONObject) -> Methods:
        shap, pdp, report = data.get("shap"), data.get("pdp"), data.get("report")
        return cls(
            pre_training_bias=_bias(data, "pre_training_bias", PRE_TRAINING_METRICS),
            post_training_bias=_bias(data, "post_training_bias", POST_TRAINING_METRICS),
            shap=ShapMethod.from_dict(shap) if isinstance(shap, dict) else None,
            pdp=PdpMethod.from_dict(pdp) if isinstance(pdp, dict) else None,
            report=ReportMethod.from_dict(report) if isinstance(report, dict) else None,
            asymmetric_shapley_value=_view(
                data.get("asymmetric_shapley_value"), AsymmetricShapleyValueMethod
            ),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Keys of the configured methods, in :data:`METHOD_ORDER`."""
        return tuple(name for name in METHOD_ORDER if getattr(self, name) is not None)

    @property
    def explains(self) -> bool:
        """Whether explanations (SHAP or PDP) are asked for."""
        return self.shap is not None or self.pdp is not None


def _bias(data: JSONObject, key: str, registry: tuple[str, ...]) -> BiasMethod | None:
    section = data.get(key)
    if not isinstance(section, dict):
        return None
    chosen = section.get("methods")
    if isinstance(chosen, str):
        return BiasMethod(chosen.casefold(), registry)
    return BiasMethod(_texts(chosen) or (), registry)


@dataclass(frozen=True)
class Predictor(_Given):
    """``predictor``: how to reach the model (endpoint, shadow endpoint) and how to read its requests/responses.

    ``content_type`` defaults to the dataset type (``None`` for Parquet without one: no model reads Parquet;
    ``image/jpeg`` for images) and ``accept_type`` to the content type (``application/json`` for images).
    """

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
    time_series_predictor_config: TimeSeriesForecast | None = None
    local_predictor: str | None = None  # local-engine extension, never valid for the managed job
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: JSONObject, *, dataset_type: str) -> Predictor:
        props = ("$defs", "predictor", "properties")
        content_type = _canon(data.get("content_type"), *props, "content_type")
        if content_type is None:
            content_type = default_content_type(dataset_type)
        accept_type = _canon(data.get("accept_type"), *props, "accept_type") or default_accept_type(
            dataset_type, content_type
        )
        return cls(
            **{name: _text(data.get(name)) for name in _TEXT_FIELDS},
            initial_instance_count=_integer(data.get("initial_instance_count")),
            content_type=content_type,
            accept_type=accept_type,
            content_template=_template(data.get("content_template")),
            label=_name_or_index(data.get("label")),
            probability=_name_or_index(data.get("probability")),
            label_headers=_names_or_indices(data.get("label_headers")),
            time_series_predictor_config=_view(data.get("time_series_predictor_config"), TimeSeriesForecast),
            given=frozenset(data),
        )

    @property
    def is_model_source(self) -> bool:
        """True when the predictor names a model the managed job can call (existing or shadow endpoint)."""
        return self.endpoint_name is not None or self.model_name is not None


_TEXT_FIELDS = (
    "endpoint_name",
    "endpoint_name_prefix",
    "model_name",
    "target_model",
    "instance_type",
    "accelerator_type",
    "record_template",
    "custom_attributes",
    "local_predictor",
)


def _template(value: JSONValue) -> str | dict[str, str] | None:
    if isinstance(value, dict):
        return {key: str(item) for key, item in value.items()}
    return _text(value)


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


class AnalysisConfig:
    """A validated analysis_config document (schema 1.0). Immutable; only ``load_config`` makes one.

    ``to_dict()`` returns the document exactly as given (a deep copy). Typed, read-only views of the fields are
    attributes. ``job_io`` carries the processing-job inputs/outputs that SDK-style builders know about but that
    are not part of the document (dataset and output S3 URIs), for operators to use.
    """

    __slots__ = ("_document", "_job_io", "_methods", "_predictor")

    _document: JSONObject
    _job_io: JobIO | None
    _methods: Methods
    _predictor: Predictor | None

    def __init__(self, document: object = None, *, job_io: JobIO | None = None) -> None:
        raise ClarifyConfigError(
            "an AnalysisConfig is not built directly: call load_config(document), which validates the document "
            "and returns its AnalysisConfig"
        )

    @classmethod
    def from_validated(cls, document: JSONObject, *, job_io: JobIO | None = None) -> AnalysisConfig:
        """Wrap a document that ``validation.validate_document`` accepted (``load_config``'s last step; it does
        not validate again, so call it only with a document that passed)."""
        config = cls.__new__(cls)
        config._document = copy.deepcopy(document)
        config._job_io = job_io
        config._methods = Methods.from_dict(_object(config._document.get("methods")))
        predictor = config._document.get("predictor")
        config._predictor = (
            Predictor.from_dict(predictor, dataset_type=config.dataset_type)
            if isinstance(predictor, dict)
            else None
        )
        return config

    # ----------------------------------------------------------------------------------------- the document
    def to_dict(self) -> JSONObject:
        """The JSON-able document, exactly as the user (or the builders) wrote it; a deep copy."""
        return copy.deepcopy(self._document)

    def to_json(self, *, indent: int | None = None, sort_keys: bool = False) -> str:
        """The document as JSON text (UTF-8 safe, ``ensure_ascii=False``), e.g. for ``analysis_config.json``."""
        return json.dumps(self._document, ensure_ascii=False, indent=indent, sort_keys=sort_keys)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalysisConfig) and self._document == other._document

    def __hash__(self) -> int:
        return hash(self.to_json(sort_keys=True))

    def __repr__(self) -> str:
        return f"AnalysisConfig(dataset_type={self.dataset_type!r}, methods={list(self.methods.names)!r})"

    def __contains__(self, key: str) -> bool:
        return key in self._document

    def is_set(self, key: str) -> bool:
        """Whether the document gives the top-level field ``key`` (the views apply defaults to absent ones)."""
        return key in self._document

    def get(self, key: str, default: JSONValue = None) -> JSONValue:
        """A top-level field of the document (deep copy), or ``default`` when absent."""
        return copy.deepcopy(self._document.get(key, default))

    @property
    def job_io(self) -> JobIO | None:
        return self._job_io

    # ------------------------------------------------------------------------------------- typed top level
    @property
    def version(self) -> str | None:
        return _text(self._document.get("version"))

    @property
    def dataset_type(self) -> str:
        """Canonical spelling, e.g. ``"text/csv"``."""
        return _canon(self._document.get("dataset_type"), "properties", "dataset_type") or ""

    @property
    def is_tabular(self) -> bool:
        return self.dataset_type in TABULAR_DATASET_TYPES

    @property
    def analysis_kind(self) -> AnalysisKind:
        """Images (``dataset_type`` application/x-image), time series (``time_series_data_config``), else tabular
        data (bias, SHAP, PDP). Validation ties each kind's fields to it, so one test decides the kind."""
        if self.dataset_type == IMAGE:
            return "image"
        if self.is_set("time_series_data_config"):
            return "time_series"
        return "tabular"

    @property
    def dataset_uri(self) -> str | None:
        return _text(self._document.get("dataset_uri"))

    @property
    def headers(self) -> tuple[str, ...] | None:
        return _texts(self._document.get("headers"))

    @property
    def label(self) -> NameOrIndex | None:
        return _name_or_index(self._document.get("label"))

    @property
    def predicted_label(self) -> NameOrIndex | None:
        return _name_or_index(self._document.get("predicted_label"))

    @property
    def features(self) -> str | None:
        return _text(self._document.get("features"))

    @property
    def label_values_or_threshold(self) -> tuple[Value, ...]:
        """The positive label values (or one threshold); empty when absent (no bias method asks for them)."""
        return _values(self._document.get("label_values_or_threshold")) or ()

    @property
    def probability_threshold(self) -> float:
        threshold = _number(self._document.get("probability_threshold"))
        return DEFAULT_PROBABILITY_THRESHOLD if threshold is None else threshold

    @property
    def facets(self) -> tuple[Facet, ...]:
        facets = self._document.get("facet")
        if not isinstance(facets, list):
            return ()
        return tuple(Facet.from_dict(item) for item in facets if isinstance(item, dict))

    @property
    def group_variable(self) -> NameOrIndex | None:
        return _name_or_index(self._document.get("group_variable"))

    @property
    def facet_dataset_uri(self) -> str | None:
        return _text(self._document.get("facet_dataset_uri"))

    @property
    def facet_headers(self) -> tuple[str, ...] | None:
        return _texts(self._document.get("facet_headers"))

    @property
    def predicted_label_dataset_uri(self) -> str | None:
        return _text(self._document.get("predicted_label_dataset_uri"))

    @property
    def predicted_label_headers(self) -> tuple[str, ...] | None:
        return _texts(self._document.get("predicted_label_headers"))

    @property
    def joinsource_name_or_index(self) -> NameOrIndex | None:
        return _name_or_index(self._document.get("joinsource_name_or_index"))

    @property
    def excluded_columns(self) -> tuple[NameOrIndex, ...] | None:
        return _names_or_indices(self._document.get("excluded_columns"))

    @property
    def segment_config(self) -> list[JSONValue] | None:
        """SDK extension, passed through; the local engine computes every metric per segment (engine/segments.py)."""
        value = self._document.get("segment_config")
        return copy.deepcopy(value) if isinstance(value, list) else None

    @property
    def time_series_data_config(self) -> TimeSeriesData | None:
        """Where item id, timestamp and series are in a time-series dataset (``None`` for other analyses)."""
        return _view(self._document.get("time_series_data_config"), TimeSeriesData)

    @property
    def time_series(self) -> TimeSeriesSettings | None:
        """The time-series parts together (data locations, method, forecast path, headers); ``None`` unless the
        document describes a time-series analysis (validation then guarantees every part)."""
        data, method = self.time_series_data_config, self.methods.asymmetric_shapley_value
        if data is None or method is None:
            return None
        return TimeSeriesSettings(
            data, method, self.predictor_settings.time_series_predictor_config, self.headers
        )

    @property
    def methods(self) -> Methods:
        return self._methods

    @property
    def predictor(self) -> Predictor | None:
        """The ``predictor`` section, ``None`` when the document has none (see :attr:`predictor_settings`)."""
        return self._predictor

    @property
    def predictor_settings(self) -> Predictor:
        """The ``predictor`` section with its defaults, an empty one when absent: how a model passed to the local
        engine beside the document is called (content type from the dataset type, threshold, ...)."""
        if self._predictor is not None:
            return self._predictor
        return Predictor.from_dict({}, dataset_type=self.dataset_type)

    def column_name(self, value: NameOrIndex | None) -> str | None:
        """A role column as the document names it: a name as given, an index through ``headers`` (``None`` when
        the document cannot tell, e.g. an index without headers)."""
        if isinstance(value, str):
            return value
        headers = self.headers
        if value is not None and headers and 0 <= value < len(headers):
            return headers[value]
        return None
