"""``build_model``: one object the analyses call for predictions, whatever serves the model.

It glues the serializer (request bodies), a transport (endpoint, URL, in-process) and the response rules
(predicted label §5.3, scores §5.4) behind ``predict_labels`` / ``predict_scores``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModelInvocationError, PredictorConfigError
from .invoker import InvocationSettings, ModelInvoker
from .outputs import OutputInterpreter
from .responses import RecordOutput, ResponseParser
from .serializer import CSV, RequestSerializer, normalize_mime
from .transports import (
    EstimatorTransport,
    SageMakerEndpointTransport,
    Transport,
    TypedCallableTransport,
    transport_for_override,
)

LOG = logging.getLogger("airflow_provider_clarify.engine.predictors")

LOCAL_PREDICTOR_KEY = "local_predictor"


def config_as_dict(config: Any) -> dict[str, Any]:
    """Accept the plain document or the config layer's AnalysisConfig (anything with ``to_dict``)."""
    if isinstance(config, dict):
        return config
    if hasattr(config, "to_dict"):
        return config.to_dict()
    raise TypeError(f"expected an analysis config dict, got {type(config).__name__}")


def records_of(features: pd.DataFrame) -> list[list[Any]]:
    """Rows of the model-feature frame as plain Python values, in column (model) order; missing → None."""
    if features.isna().to_numpy().any():
        features = features.astype(object).where(features.notna(), None)
    return features.to_numpy(dtype=object).tolist()


class ClarifyModel:
    """A model as Clarify sees it. ``target_names`` is known once the model has answered (or from label_headers)."""

    def __init__(
        self,
        predictor_config: dict[str, Any],
        transport_factory: Any,
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
        self._invokers: dict[tuple[str, ...], ModelInvoker] = {}
        self._target_names: list[str] | None = (
            [str(h) for h in interpreter.label_headers] if interpreter.label_headers else None
        )
        self.description = ""
        self.in_process_estimator: Any = None  # the estimator object of an in-process model (the tree path)

    @property
    def target_names(self) -> list[str]:
        if self._target_names is None:
            raise ModelInvocationError("target names are known once the model has returned scores")
        return self._target_names

    @property
    def requests_sent(self) -> int:
        return sum(invoker.requests_sent for invoker in self._invokers.values())

    def check_features(self, feature_names: list[str]) -> None:
        """Validate the templates against the model features before any request (fail before side effects)."""
        self._invoker(feature_names)

    def _invoker(self, feature_names: list[str]) -> ModelInvoker:
        key = tuple(str(name) for name in feature_names)
        invoker = self._invokers.get(key)
        if invoker is None:
            names = list(key)
            transport: Transport = self._transport_factory(names)
            self.description = transport.description
            serializer = RequestSerializer(
                self.content_type,
                names,
                content_template=self.predictor_config.get("content_template"),
                record_template=self.predictor_config.get("record_template"),
            )
            parser = ResponseParser(
                self.accept_type,
                label=self._selector("label"),
                probability=self._selector("probability"),
            )
            invoker = self._invokers[key] = ModelInvoker(serializer, parser, transport, self.settings)
        return invoker

    def _selector(self, name: str) -> Any:
        value = self.predictor_config.get(name)
        if value is not None and self.accept_type == CSV and not isinstance(value, int):
            return None if not str(value).isdigit() else int(value)
        return value

    def predict_outputs(self, features: pd.DataFrame) -> list[RecordOutput]:
        """Parsed outputs, one per row of ``features`` (columns = model features in model order)."""
        invoker = self._invoker(list(features.columns))
        typed = self._typed_outputs(invoker, features)
        if typed is not None:
            return [self._record_output(row) for row in typed.tolist()]
        if isinstance(invoker.transport, EstimatorTransport):
            invoker.transport.dtypes = self._string_dtypes(features)
        return invoker.invoke(records_of(features))

    def predict_labels(self, features: pd.DataFrame) -> pd.Series:
        """Predicted labels (SPEC §5.3), indexed like ``features``."""
        outputs = self.predict_outputs(features)
        labels = [self.interpreter.predicted_label(output) for output in outputs]
        return pd.Series(labels, index=features.index, name="predicted_label")

    def score_column(self) -> int | None:
        """The output column the scores are read from (``probability``, else ``label``), None = all (SPEC §5.4)."""
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

    # --- in-process models with typed input (no serialization): the outputs as an array, read like CSV fields
    def _typed_outputs(self, invoker: ModelInvoker, features: pd.DataFrame) -> np.ndarray | None:
        """The outputs of a typed in-process model as an N × fields array of numbers, or None (not such a model,
        or outputs that are not plain numbers: the text/csv rules then apply, as for any other model)."""
        predict_array = getattr(invoker.transport, "predict_array", None)
        if predict_array is None:
            return None
        outputs = predict_array(features)
        if outputs.dtype.kind in "iu" or outputs.dtype.kind == "f":
            return outputs
        if isinstance(invoker.transport, TypedCallableTransport):
            raise ModelInvocationError(
                f"{invoker.transport.description} returned {outputs.dtype} outputs; return numbers (scores, or "
                "numeric labels) per record"
            )
        return None

    def _record_output(self, fields: Any) -> RecordOutput:
        """One output row read the way a text/csv response line is read (SPEC §5.2)."""
        fields = fields if isinstance(fields, list) else [fields]
        pick = self._typed_selector
        return RecordOutput(
            label=pick(fields, self._selector("label"), "label"),
            probability=pick(fields, self._selector("probability"), "probability"),
            raw=fields[0] if len(fields) == 1 else fields,
        )

    @staticmethod
    def _typed_selector(fields: list[Any], selector: Any, name: str) -> Any:
        if selector is None:
            return None
        if not -len(fields) <= selector < len(fields):
            raise ModelInvocationError(
                f"predictor.{name} is column {selector}, but a model output has only {len(fields)} fields"
            )
        return fields[selector]

    def _fast_scores(self, features: pd.DataFrame) -> np.ndarray | None:
        """Scores from all-numeric CSV responses without per-record objects (Kernel SHAP sends many records);
        None when a response is not plain numbers, so the general rules apply."""
        usable, column = self._numeric_csv_column()
        if not usable:
            return None
        invoker = self._invoker(list(features.columns))
        typed = self._typed_outputs(invoker, features)
        if typed is not None:
            parts = [typed.astype(float)]
        else:
            if isinstance(invoker.transport, EstimatorTransport):
                invoker.transport.dtypes = self._string_dtypes(features)
            parts = invoker.invoke_batches(records_of(features), invoker.parser.parse_numeric_csv)
        if any(part is None for part in parts) or len({part.shape[1] for part in parts}) > 1:
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
        """Score matrix N×T (SPEC §5.4); every record must yield the same number of scores."""
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


def _label_name(document: dict[str, Any]) -> str | None:
    label = document.get("label")
    headers = document.get("headers")
    if isinstance(label, str):
        return label
    if isinstance(label, int) and headers and 0 <= label < len(headers):
        return str(headers[label])
    return None


def build_model(
    config: Any,
    *,
    predictor: Any = None,
    sagemaker_runtime_client: Any = None,
    options: Any = None,
    feature_names: list[str] | None = None,
) -> ClarifyModel:
    """The model of an analysis config. ``predictor`` overrides the transport (URL, ``module:callable``, model
    file, estimator or callable) while the config's serialization settings stay; without it, ``endpoint_name``
    goes through InvokeEndpoint (``sagemaker_runtime_client``, else a default boto3 client)."""
    document = config_as_dict(config)
    predictor_config = dict(document.get("predictor") or {})
    settings = InvocationSettings.from_options(options)
    if predictor is None:
        predictor = predictor_config.get(LOCAL_PREDICTOR_KEY)
    content_type = normalize_mime(predictor_config.get("content_type") or document.get("dataset_type") or CSV)
    if content_type == "application/x-parquet":
        raise PredictorConfigError(
            "predictor.content_type is required when dataset_type is application/x-parquet: set text/csv, "
            "application/jsonlines or application/json"
        )
    accept_type = normalize_mime(predictor_config.get("accept_type")) or content_type
    label_headers = predictor_config.get("label_headers")
    threshold = document.get("probability_threshold", 0.5)

    if predictor is not None:
        probe = transport_for_override(predictor, ["probe"], timeout=settings.timeout_seconds)
        if isinstance(probe, (EstimatorTransport, TypedCallableTransport)):
            return _estimator_model(
                predictor, predictor_config, probe, settings, document, label_headers, threshold, content_type
            )

        def factory(names: list[str]) -> Transport:
            return transport_for_override(predictor, names, timeout=settings.timeout_seconds)

    else:
        factory = _endpoint_factory(predictor_config, sagemaker_runtime_client)

    interpreter = OutputInterpreter(
        label_headers=label_headers,
        probability_threshold=float(threshold),
        has_label=predictor_config.get("label") is not None,
        has_probability=predictor_config.get("probability") is not None,
    )
    model = ClarifyModel(
        predictor_config,
        factory,
        interpreter,
        settings,
        _label_name(document),
        content_type=content_type,
        accept_type=accept_type,
    )
    if feature_names is not None:
        model.check_features(feature_names)
    return model


def _endpoint_factory(predictor_config: dict[str, Any], client: Any) -> Any:
    endpoint_name = predictor_config.get("endpoint_name")
    if not endpoint_name:
        if predictor_config.get("model_name"):
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

    def factory(names: list[str]) -> Transport:
        return SageMakerEndpointTransport(
            client,
            endpoint_name,
            target_model=predictor_config.get("target_model"),
            custom_attributes=predictor_config.get("custom_attributes"),
        )

    return factory


def _estimator_model(
    predictor: Any,
    predictor_config: dict[str, Any],
    probe: EstimatorTransport | TypedCallableTransport,
    settings: InvocationSettings,
    document: dict[str, Any],
    label_headers: Any,
    threshold: Any,
    content_type: str,
) -> ClarifyModel:
    """An estimator (or a callable taking typed records) has no wire format of its own: its output rows are read
    like text/csv lines; an integer ``probability`` / ``label`` still picks a column of its output row (e.g.
    probability 1 = P(class 1)); JMESPath selectors do not apply."""
    if content_type != CSV:
        LOG.info(
            "in-process model: records go to it as a typed frame (text/csv where serialized) instead of %s",
            content_type,
        )
    selectors = {
        name: predictor_config.get(name)
        for name in ("label", "probability")
        if isinstance(predictor_config.get(name), int)
    }
    if not selectors and not label_headers and probe.classes is not None and len(probe.classes) > 1:
        label_headers = probe.classes

    def factory(names: list[str]) -> Transport:
        return probe.for_features(names)

    csv_config = {**selectors, "label_headers": label_headers}
    interpreter = OutputInterpreter(
        label_headers=label_headers,
        probability_threshold=float(threshold),
        has_label="label" in selectors,
        has_probability="probability" in selectors,
    )
    model = ClarifyModel(
        csv_config,
        factory,
        interpreter,
        settings,
        _label_name(document),
        content_type=CSV,
        accept_type=CSV,
    )
    if isinstance(probe, EstimatorTransport):
        model.in_process_estimator = probe.estimator
    return model
