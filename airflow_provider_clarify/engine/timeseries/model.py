"""A forecasting model as the time-series engine calls it: records in, one forecast per record out.

The wire is the engine's usual one (SPEC §5, engine/predictors): the same transports (SageMaker InvokeEndpoint,
an HTTP URL, an in-process function taking the request body) behind the same ``ModelInvoker`` (batches bounded by
``batch_size`` and the 6 MB payload limit, bounded concurrency, retries with back-off). Only the body (time-series
templates) and the reading of the response (the forecast JMESPath) are specific to forecasting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ...config.time_series import TimeSeriesPredictorSettings, TimeSeriesSettings
from ..predictors.errors import PredictorConfigError
from ..predictors.invoker import InvocationSettings, ModelInvoker
from ..predictors.responses import ResponseParser
from ..predictors.serializer import RequestSerializer
from ..predictors.transports import (
    CallableTransport,
    EstimatorTransport,
    SageMakerEndpointTransport,
    Transport,
    transport_for_override,
)
from .forecasts import ForecastReader
from .requests import TimeSeriesRecord, TimeSeriesSerializer


class _Accept:
    """What ``ModelInvoker`` reads of a response parser: the Accept header."""

    def __init__(self, accept_type: str) -> None:
        self.accept_type = accept_type


class TimeSeriesModel:
    """Sends records through a transport and returns their forecasts, in order."""

    def __init__(
        self,
        serializer: TimeSeriesSerializer,
        reader: ForecastReader,
        transport: Transport,
        settings: InvocationSettings,
    ) -> None:
        self.serializer = serializer
        self.reader = reader
        self.transport = transport
        if not getattr(transport, "remote", False):
            # An in-process Python model holds the GIL: parallel calls only contend, so they run one at a time.
            settings = dataclasses.replace(settings, max_concurrency=1)
        # ModelInvoker only uses serializer.content_type/single_record/serialize and parser.accept_type.
        self._invoker = ModelInvoker(
            cast(RequestSerializer, serializer),
            cast(ResponseParser, _Accept(reader.accept_type)),
            transport,
            settings,
        )

    @property
    def description(self) -> str:
        return self.transport.description

    @property
    def requests_sent(self) -> int:
        return self._invoker.requests_sent

    def forecast(self, records: Sequence[TimeSeriesRecord]) -> list[np.ndarray]:
        """One forecast per record (requests batched as the invocation settings allow)."""
        batches = self._invoker.invoke_batches(records, self.reader.read)
        return [forecast for batch in batches for forecast in batch]


def build_time_series_model(
    settings: TimeSeriesSettings,
    document: dict[str, Any],
    *,
    predictor: Any = None,
    sagemaker_runtime_client: Any = None,
    options: Any = None,
) -> TimeSeriesModel:
    """The model of a time-series config. ``predictor`` overrides where the model is (an http(s) URL, a
    ``module:callable`` or a function taking the request body); otherwise ``predictor.local_predictor`` or
    ``predictor.endpoint_name`` (InvokeEndpoint through ``sagemaker_runtime_client``)."""
    if settings.predictor is None:
        raise PredictorConfigError(
            "predictor.time_series_predictor_config is required: where the forecast is in the model response"
        )
    ts: TimeSeriesPredictorSettings = settings.predictor
    serializer = TimeSeriesSerializer(ts.content_type, ts.record_template, ts.content_template)
    reader = ForecastReader(ts.forecast, ts.accept_type, single_record=serializer.single_record)
    invocation = InvocationSettings.from_options(options)
    predictor_config = document.get("predictor") or {}
    override = predictor if predictor is not None else predictor_config.get("local_predictor")
    transport = (
        _override_transport(override, invocation.timeout_seconds)
        if override is not None
        else _endpoint_transport(predictor_config, sagemaker_runtime_client)
    )
    return TimeSeriesModel(serializer, reader, transport, invocation)


def _override_transport(override: Any, timeout: float) -> Transport:
    if not isinstance(override, str) and callable(override):
        # A forecaster is always called with the JSON body, even when the object also has a predict method.
        return CallableTransport(override, f"in-process callable {type(override).__name__}")
    transport = transport_for_override(override, ["series"], timeout=timeout)
    if isinstance(transport, EstimatorTransport):
        raise PredictorConfigError(
            f"predictor {transport.description}: an estimator reads CSV feature rows, but a forecasting model is "
            "called with JSON time series; pass a function that takes the request body (bytes) and returns the "
            "response body, an http(s) URL, or use predictor.endpoint_name"
        )
    return transport


def _endpoint_transport(predictor_config: dict[str, Any], client: Any) -> Transport:
    endpoint_name = predictor_config.get("endpoint_name")
    if not endpoint_name:
        if predictor_config.get("model_name"):
            raise PredictorConfigError(
                "predictor.model_name needs a shadow endpoint that only the managed Clarify job creates; run locally "
                "with predictor.endpoint_name (an existing endpoint) or a local model (predictor=...), or use the "
                "remote ClarifyOperator"
            )
        raise PredictorConfigError(
            "no model to call: set predictor.endpoint_name, or pass a local model (predictor=...)"
        )
    if client is None:
        import boto3

        client = boto3.client("sagemaker-runtime")
    return SageMakerEndpointTransport(
        client,
        endpoint_name,
        target_model=predictor_config.get("target_model"),
        custom_attributes=predictor_config.get("custom_attributes"),
    )
