"""A forecasting model as the time-series engine calls it: records in, one forecast per record out.

The wire is the engine's usual one (reference §5, engine/predictors): the same transports (SageMaker InvokeEndpoint,
an HTTP URL, an in-process function taking the request body) behind the same ``ModelInvoker`` (batches bounded by
``batch_size`` and the 6 MB payload limit, bounded concurrency, retries with back-off). Only the body (time-series
templates) and the reading of the response (the forecast JMESPath) are specific to forecasting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..predictors.errors import PredictorConfigError
from ..predictors.invoker import AcceptHeader, InvocationSettings, ModelInvoker
from ..predictors.model import endpoint_transport, wire_types
from ..predictors.transports import (
    CallableTransport,
    EstimatorTransport,
    Transport,
    transport_for_override,
)
from ..run import RunContext
from .forecasts import ForecastReader
from .requests import TimeSeriesRecord, TimeSeriesSerializer


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
        self._invoker = ModelInvoker(serializer, AcceptHeader(reader.accept_type), transport, settings)

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


def build_time_series_model(context: RunContext) -> TimeSeriesModel:
    """The model of a time-series config. The context's ``predictor`` overrides where the model is (an http(s)
    URL, a ``module:callable`` or a function taking the request body); otherwise ``predictor.local_predictor`` or
    ``predictor.endpoint_name`` (InvokeEndpoint through the context's sagemaker-runtime client)."""
    predictor = context.config.predictor_settings
    forecast = predictor.time_series_predictor_config
    if forecast is None:
        raise PredictorConfigError(
            "predictor.time_series_predictor_config is required: where the forecast is in the model response"
        )
    content_type, accept_type = wire_types(predictor)
    content_template = predictor.content_template
    serializer = TimeSeriesSerializer(
        content_type,
        predictor.record_template,
        content_template if isinstance(content_template, str) else None,
    )
    reader = ForecastReader(forecast.forecast, accept_type, single_record=serializer.single_record)
    invocation = InvocationSettings.from_options(context.options)
    override = context.predictor if context.predictor is not None else predictor.local_predictor
    transport = (
        _override_transport(override, invocation.timeout_seconds)
        if override is not None
        else endpoint_transport(predictor, context.sagemaker_runtime_client)
    )
    return TimeSeriesModel(serializer, reader, transport, invocation)


def _override_transport(override: object, timeout: float) -> Transport:
    if not isinstance(override, str) and callable(override):
        # A forecaster is always called with the JSON body, even when the object also has a predict method.
        return CallableTransport(override, f"in-process callable {type(override).__name__}")
    transport = transport_for_override(override, ["series"], timeout=timeout, callables_take_body=True)
    if isinstance(transport, EstimatorTransport):
        raise PredictorConfigError(
            f"predictor {transport.description}: an estimator reads CSV feature rows, but a forecasting model is "
            "called with JSON time series; pass a function that takes the request body (bytes) and returns the "
            "response body, an http(s) URL, or use predictor.endpoint_name"
        )
    return transport
