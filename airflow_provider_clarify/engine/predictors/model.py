"""``build_model``: one object the analyses call for predictions, whatever serves the model.

It glues the serializer (request bodies), a transport (endpoint, URL, in-process) and the response rules
(predicted label §5.3, scores §5.4) behind ``predict_labels`` / ``predict_scores``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...config import AnalysisConfig, Predictor
from ...config.model import PARQUET_CONTENT_TYPE_RULE
from ...contract import CSV
from .errors import ModelInvocationError, PredictorConfigError
from .invoker import InvocationSettings, ModelInvoker
from .outputs import OutputInterpreter
from .responses import RecordOutput, ResponseParser, csv_field_value
from .serializer import RequestSerializer
from .transports import (
    EstimatorTransport,
    SageMakerEndpointTransport,
    Transport,
    TypedCallableTransport,
    TypedTransport,
    transport_for_override,
)

LOG = logging.getLogger("airflow_provider_clarify.engine.predictors")


def records_of(features: pd.DataFrame) -> list[list[Any]]:
    """Rows of the model-feature frame as plain Python values, in column (model) order; missing → None."""
    if features.isna().to_numpy().any():
        features = features.astype(object).where(features.notna(), None)
    return features.to_numpy(dtype=object).tolist()


def describe_record(features: pd.DataFrame, index: int, shown: int = 6) -> str:
    """Record ``index`` of a request for a message: its position and its first feature values."""
    cells = [(name, features[name].iloc[index]) for name in list(features.columns)[:shown]]
    values = ", ".join(f"{name}={v.item() if isinstance(v, np.generic) else v!r}" for name, v in cells)
    more = ", ..." if len(features.columns) > shown else ""
    return f"record {index + 1} of the request ({values}{more})"


class ClarifyModel:
    """A model as Clarify sees it. ``target_names`` is known once the model has answered (or from label_headers)."""

    def __init__(
        self,
        predictor_config: Predictor,
        transport_factory: Callable[[list[str]], Transport],
        interpreter: OutputInterpreter,
        settings: InvocationSettings,
        dataset_label: str | None,
        *,
        content_type: str,
        accept_type: str,
    ) -> None:
        self.predictor_config = predictor_config
        self._transport_factory = transport_factory
        self.interpreter = interpreter
        self.settings = settings
        self.dataset_label = dataset_label
        self.content_type = content_type
        self.accept_type = accept_type
        self._invokers: dict[tuple[str, ...], ModelInvoker[Sequence[Any], ResponseParser]] = {}
        self._target_names: list[str] | None = (
            [str(h) for h in interpreter.label_headers] if interpreter.label_headers else None
        )
        self.description = ""
        self.in_process_estimator: object | None = None
        """The estimator object of an in-process model (what the TreeSHAP path reads), else None."""

    @property
    def target_names(self) -> list[str]:
        if self._target_names is None:
            raise ModelInvocationError("target names are known once the model has returned scores")
        return self._target_names

    @property
    def overlapping_calls(self) -> int:
        """How many calls Kernel SHAP may have in flight at once: 2 for a remote model with concurrency (the next
        block's requests queue behind the last ones of the previous block, under the same concurrency bound),
        else 1."""
        remote = any(invoker.remote for invoker in self._invokers.values())
        return 2 if remote and self.settings.max_concurrency > 1 else 1

    @property
    def requests_sent(self) -> int:
        return sum(invoker.requests_sent for invoker in self._invokers.values())

    def check_features(self, feature_names: list[str]) -> None:
        """Validate the templates against the model features before any request (fail before side effects)."""
        self._invoker(feature_names)

    def _invoker(self, feature_names: list[str]) -> ModelInvoker[Sequence[Any], ResponseParser]:
        key = tuple(str(name) for name in feature_names)
        invoker = self._invokers.get(key)
        if invoker is None:
            names = list(key)
            transport: Transport = self._transport_factory(names)
            self.description = transport.description
            template = self.predictor_config.content_template
            serializer = RequestSerializer(
                self.content_type,
                names,
                content_template=template if isinstance(template, str) else None,
                record_template=self.predictor_config.record_template,
            )
            parser = ResponseParser(
                self.accept_type,
                label=self._selector("label"),
                probability=self._selector("probability"),
            )
            invoker = self._invokers[key] = ModelInvoker(serializer, parser, transport, self.settings)
        return invoker

    def _selector(self, name: str) -> Any:
        value = self.predictor_config.label if name == "label" else self.predictor_config.probability
        if value is not None and self.accept_type == CSV and not isinstance(value, int):
            return None if not str(value).isdigit() else int(value)
        return value

    def predict_outputs(self, features: pd.DataFrame) -> list[RecordOutput]:
        """Parsed outputs, one per row of ``features`` (columns = model features in model order)."""
        invoker = self._invoker(list(features.columns))
        typed = _typed_array(invoker, features)
        if typed is not None:
            return [self._record_output(_output_fields(row)) for row in typed.tolist()]
        if isinstance(invoker.transport, EstimatorTransport):
            invoker.transport.dtypes = self._string_dtypes(features)
        return invoker.invoke(records_of(features))

    def predict_labels(self, features: pd.DataFrame) -> pd.Series:
        """Predicted labels (reference §5.3), indexed like ``features``."""
        outputs = self.predict_outputs(features)
        labels = self.interpreter.predicted_labels(outputs, lambda i: describe_record(features, i))
        return pd.Series(labels, index=features.index, name="predicted_label")

    def score_column(self) -> int | None:
        """The output column the scores are read from (``probability``, else ``label``), None = all (reference §5.4)."""
        return self._numeric_csv_column()[1]

    def _numeric_csv_column(self) -> tuple[bool, int | None]:
        """Whether scores can be read straight from a numeric CSV response, and which column (None = all)."""
        if self.accept_type != CSV:
            return False, None
        probability, label = self._selector("probability"), self._selector("label")
        if probability is not None:
            return isinstance(probability, int), probability
        if label is not None:
            return isinstance(label, int), label
        return True, None

    def _record_output(self, fields: list[Any]) -> RecordOutput:
        """One output row of an in-process model read the way a text/csv response line is read (reference §5.2)."""
        return RecordOutput(
            label=_pick(fields, self._selector("label"), "label"),
            probability=_pick(fields, self._selector("probability"), "probability"),
            raw=fields[0] if len(fields) == 1 else fields,
        )

    def _fast_scores(self, features: pd.DataFrame) -> np.ndarray | None:
        """Scores from all-numeric CSV responses without per-record objects (Kernel SHAP sends many records);
        None when a response is not plain numbers, so the general rules apply."""
        usable, column = self._numeric_csv_column()
        if not usable:
            return None
        invoker = self._invoker(list(features.columns))
        typed = _typed_array(invoker, features)
        answers: list[np.ndarray | None]
        if typed is not None:
            if typed.dtype.kind not in "iuf":
                return None
            answers = [typed.astype(float)]
        else:
            if isinstance(invoker.transport, EstimatorTransport):
                invoker.transport.dtypes = self._string_dtypes(features)
            answers = invoker.invoke_batches(records_of(features), invoker.parser.parse_numeric_csv)
        parts = [part for part in answers if part is not None]
        if len(parts) < len(answers) or len({part.shape[1] for part in parts}) > 1:
            return None
        matrix = np.concatenate(parts) if parts else np.zeros((0, 1))
        if column is not None:
            if not -matrix.shape[1] <= column < matrix.shape[1]:
                raise ModelInvocationError(
                    f"predictor.probability/label is column {column}, but the model output has "
                    f"{matrix.shape[1]} fields"
                )
            matrix = matrix[:, [column]]
        return matrix

    @staticmethod
    def _string_dtypes(features: pd.DataFrame) -> dict[str, Any]:
        return {
            str(col): str
            for col, dtype in features.dtypes.items()
            if not pd.api.types.is_numeric_dtype(dtype)
        }

    def predict_scores(self, features: pd.DataFrame) -> np.ndarray:
        """Score matrix N×T (reference §5.4); every record must yield the same number of scores."""
        fast = self._fast_scores(features)
        if fast is not None:
            if self._target_names is None or len(self._target_names) != fast.shape[1]:
                self._target_names = self.interpreter.target_names(fast.shape[1], self.dataset_label)
            return fast
        outputs = self.predict_outputs(features)
        vectors = [self.interpreter.score_vector(output) for output in outputs]
        widths = {len(vector) for vector in vectors}
        if len(widths) > 1:
            raise ModelInvocationError(
                f"the model returned score vectors of different lengths {sorted(widths)}; every record needs the "
                "same number of scores"
            )
        width = widths.pop() if widths else len(self._target_names or [None])
        if self._target_names is None or len(self._target_names) != width:
            self._target_names = self.interpreter.target_names(width, self.dataset_label)
        return np.asarray(vectors, dtype=float).reshape(len(vectors), width)


def _typed_array(
    invoker: ModelInvoker[Sequence[Any], ResponseParser], features: pd.DataFrame
) -> np.ndarray | None:
    """The outputs (N × fields) of an in-process model that takes typed records; None for other models."""
    transport = invoker.transport
    return transport.predict_array(features) if isinstance(transport, TypedTransport) else None


def _pick(fields: list[Any], selector: object, name: str) -> Any:
    """The field an integer ``predictor.label`` / ``probability`` selects (None when none is configured)."""
    if not isinstance(selector, int):
        return None
    if not -len(fields) <= selector < len(fields):
        raise ModelInvocationError(
            f"predictor.{name} is column {selector}, but a model output has only {len(fields)} fields"
        )
    return fields[selector]


def _output_fields(row: object) -> list[Any]:
    """One output row of an in-process model as the fields a text/csv response line would give: numbers stay
    numbers; anything else reads as its CSV text would (reference §5.2: "1" → 1, "yes" → "yes", missing → "")."""
    fields = row if isinstance(row, list) else [row]
    return [
        value
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else csv_field_value(
            "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        )
        for value in fields
    ]


def build_model(
    config: AnalysisConfig,
    *,
    predictor: Any = None,
    sagemaker_runtime_client: Any = None,
    options: Any = None,
    feature_names: list[str] | None = None,
) -> ClarifyModel:
    """The model of an analysis config. ``predictor`` overrides the transport (URL, ``module:callable``, model
    file, estimator or callable) while the config's serialization settings stay; without it, ``endpoint_name``
    goes through InvokeEndpoint (``sagemaker_runtime_client``, else a default boto3 client). With
    ``feature_names`` the templates and an estimator's declared column order are checked before any request."""
    settings_view = config.predictor_settings
    settings = InvocationSettings.from_options(options)
    predictor = settings_view.local_predictor if predictor is None else predictor
    content_type, _ = wire_types(
        settings_view
    )  # a missing content type fails here, whatever serves the model
    model: ClarifyModel
    if predictor is None:
        model = _wire_model(config, _endpoint_factory(settings_view, sagemaker_runtime_client), settings)
    else:
        probe = transport_for_override(predictor, ["probe"], timeout=settings.timeout_seconds)
        if isinstance(probe, (EstimatorTransport, TypedCallableTransport)):
            model = _in_process_model(config, probe, settings, content_type)
        else:

            def override(names: list[str]) -> Transport:
                return transport_for_override(predictor, names, timeout=settings.timeout_seconds)

            model = _wire_model(config, override, settings)
    if feature_names is not None:
        model.check_features(feature_names)
    return model


def _wire_model(
    config: AnalysisConfig, factory: Callable[[list[str]], Transport], settings: InvocationSettings
) -> ClarifyModel:
    """A model behind a wire (endpoint, URL, a callable taking the request body), read by the predictor's rules."""
    settings_view = config.predictor_settings
    content_type, accept_type = wire_types(settings_view)
    label_headers = list(settings_view.label_headers) if settings_view.label_headers else None
    interpreter = OutputInterpreter(
        label_headers=label_headers,
        probability_threshold=float(config.probability_threshold),
        has_label=settings_view.label is not None,
        has_probability=settings_view.probability is not None,
    )
    return ClarifyModel(
        settings_view,
        factory,
        interpreter,
        settings,
        config.column_name(config.label),
        content_type=content_type,
        accept_type=accept_type,
    )


def wire_types(predictor_config: Predictor) -> tuple[str, str]:
    """The request and response MIME types of a model (the view's defaults applied); only Parquet data leaves
    the content type open, and then the config must give it."""
    content_type = predictor_config.content_type
    if content_type is None:
        raise PredictorConfigError(f"predictor.content_type is {PARQUET_CONTENT_TYPE_RULE}")
    return content_type, predictor_config.accept_type or content_type


def endpoint_transport(predictor_config: Predictor, client: object) -> SageMakerEndpointTransport:
    """InvokeEndpoint of ``predictor.endpoint_name`` through ``client`` (a sagemaker-runtime client; None: boto3's
    default). Every analysis kind calls an endpoint through this transport."""
    endpoint_name = predictor_config.endpoint_name
    if not endpoint_name:
        if predictor_config.model_name:
            raise PredictorConfigError(
                "predictor.model_name needs a shadow endpoint that only the managed Clarify job creates; run "
                "locally with predictor.endpoint_name (an existing endpoint), a local model (--predictor / "
                "predictor=...), or use the remote ClarifyOperator"
            )
        raise PredictorConfigError(
            "no model to call: set predictor.endpoint_name, or pass a local model (--predictor / predictor=...)"
        )
    if client is None:
        import boto3

        client = boto3.client("sagemaker-runtime")
    return SageMakerEndpointTransport(
        client,
        endpoint_name,
        target_model=predictor_config.target_model,
        custom_attributes=predictor_config.custom_attributes,
    )


def _endpoint_factory(predictor_config: Predictor, client: object) -> Callable[[list[str]], Transport]:
    transport = endpoint_transport(predictor_config, client)

    def factory(names: list[str]) -> Transport:
        return transport

    return factory


def _log_typed_instead_of(probe: EstimatorTransport | TypedCallableTransport, content_type: str) -> None:
    """Say once that the configured content type is not used: an in-process model gets typed records."""
    body_hint = (
        "; a callable that wants the request body declares it with its first parameter (annotated `bytes` "
        "or named `body`)"
        if isinstance(probe, TypedCallableTransport)
        else ""
    )
    LOG.info(
        "%s: records go to it as a typed frame instead of %s request bodies%s",
        probe.description,
        content_type,
        body_hint,
    )


def _in_process_transport(probe: EstimatorTransport | TypedCallableTransport, names: list[str]) -> Transport:
    """The transport for one list of feature names; an estimator that declares its input order gets it."""
    transport = probe.for_features(names)
    if isinstance(transport, EstimatorTransport):
        transport.follow_declared_order()
        if transport.model_order is not None:
            LOG.info(
                "%s declares its input order (feature_names_in_): records are given to it in that order",
                probe.description,
            )
    return transport


def _in_process_model(
    config: AnalysisConfig,
    probe: EstimatorTransport | TypedCallableTransport,
    settings: InvocationSettings,
    content_type: str,
) -> ClarifyModel:
    """An estimator (or a callable taking typed records) has no wire format of its own: its output rows are read
    like text/csv lines; an integer ``probability`` / ``label`` still picks a column of its output row (e.g.
    probability 1 = P(class 1)); JMESPath selectors do not apply."""
    if content_type != CSV:
        _log_typed_instead_of(probe, content_type)
    predictor_config = config.predictor_settings
    label_headers = list(predictor_config.label_headers) if predictor_config.label_headers else None
    label = predictor_config.label if isinstance(predictor_config.label, int) else None
    probability = predictor_config.probability if isinstance(predictor_config.probability, int) else None
    no_selector = label is None and probability is None
    if no_selector and not label_headers and probe.classes is not None and len(probe.classes) > 1:
        label_headers = probe.classes

    def factory(names: list[str]) -> Transport:
        return _in_process_transport(probe, names)

    csv_config = Predictor(
        label=label,
        probability=probability,
        label_headers=tuple(label_headers) if label_headers else None,
    )
    interpreter = OutputInterpreter(
        label_headers=label_headers,
        probability_threshold=float(config.probability_threshold),
        has_label=label is not None,
        has_probability=probability is not None,
    )
    model = ClarifyModel(
        csv_config,
        factory,
        interpreter,
        settings,
        config.column_name(config.label),
        content_type=CSV,
        accept_type=CSV,
    )
    if isinstance(probe, EstimatorTransport):
        model.in_process_estimator = probe.estimator
    return model
