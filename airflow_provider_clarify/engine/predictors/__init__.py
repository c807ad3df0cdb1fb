"""Calling a model the way SageMaker Clarify does (reference §5): serializer, response rules, transports."""

from __future__ import annotations

from .errors import ModelInvocationError, PredictorConfigError, PredictorError
from .invoker import MAX_PAYLOAD_BYTES, InvocationSettings, ModelInvoker
from .model import ClarifyModel, build_model
from .outputs import OutputInterpreter
from .responses import RecordOutput, ResponseParser
from .serializer import RequestSerializer
from .transports import (
    CallableTransport,
    EstimatorTransport,
    HttpTransport,
    RetryableModelError,
    SageMakerEndpointTransport,
)

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "CallableTransport",
    "ClarifyModel",
    "EstimatorTransport",
    "HttpTransport",
    "InvocationSettings",
    "ModelInvocationError",
    "ModelInvoker",
    "OutputInterpreter",
    "PredictorConfigError",
    "PredictorError",
    "RecordOutput",
    "RequestSerializer",
    "ResponseParser",
    "RetryableModelError",
    "SageMakerEndpointTransport",
    "build_model",
]
