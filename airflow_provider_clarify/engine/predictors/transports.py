"""Ways to deliver a serialized request to a model and bring back its response body.

Every wire transport takes bytes and returns bytes: serialization stays in one place (serializer.py), so all of
them exercise the same contract. ``RetryableModelError`` marks failures worth another try (throttling, 5xx,
timeouts).

In-process models skip the wire: an estimator or a callable receives the records as a typed frame in the
dataset's column order — the frame a CSV round trip would have produced, without the cost of writing and parsing
millions of synthetic rows (``predict_array``). Kernel SHAP sends a model hundreds of synthetic rows per explained
record, so the text round trip, not the model, would otherwise set the speed. A callable that wants the request
body instead (to exercise its serving code, or because it reads JSON Lines) declares it with its first parameter:
annotated ``bytes`` (or ``str``, then the body is decoded as UTF-8), or unannotated and named ``body``
(:func:`callable_input_kind`). The time-series kind calls every callable with the request body: its model
contract is the JSON a forecaster endpoint reads.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pickle
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ...contract import CSV
from ...redaction import redact_http_logs, redact_text, redact_url
from ..suggestions import suggestion_for
from .errors import ModelInvocationError, PredictorConfigError

_THROTTLING_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
    "RequestTimeout",
}


class RetryableModelError(ModelInvocationError):
    """A failure that may go away on its own: the invoker retries it with backoff."""


class Transport(Protocol):
    """Sends one request body, returns the response body."""

    description: str

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes: ...


@runtime_checkable
class TypedTransport(Protocol):
    """An in-process model that takes the records themselves (a typed frame), no request body."""

    description: str

    def predict_array(self, features: pd.DataFrame) -> np.ndarray: ...


TypedInput = Literal["frame", "array"]
"""How a typed callable wants the records: a ``pandas.DataFrame`` or a ``numpy.ndarray``."""

BodyInput = Literal["bytes", "str"]
"""How a callable that declared it wants the request body receives it: the bytes, or their UTF-8 text."""

CallableInput = Literal["frame", "array", "bytes", "str"]
"""What a callable model receives, as its first parameter declares (:func:`callable_input_kind`)."""


class SageMakerEndpointTransport:
    """SageMaker InvokeEndpoint through a caller-provided ``sagemaker-runtime`` client (boto3)."""

    remote = True

    def __init__(
        self,
        client: Any,
        endpoint_name: str,
        *,
        target_model: str | None = None,
        custom_attributes: str | None = None,
    ) -> None:
        self.client = client
        self.endpoint_name = endpoint_name
        self.target_model = target_model
        self.custom_attributes = custom_attributes
        self.description = f"SageMaker endpoint {endpoint_name!r}"

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        arguments: dict[str, Any] = {
            "EndpointName": self.endpoint_name,
            "Body": body,
            "ContentType": content_type,
            "Accept": accept_type,
        }
        if self.target_model:
            arguments["TargetModel"] = self.target_model
        if self.custom_attributes:
            arguments["CustomAttributes"] = self.custom_attributes
        try:
            response = self.client.invoke_endpoint(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0
            original = error.response.get("OriginalStatusCode") or 0
            message = f"{self.description}: {code or status}: {error}"
            if code in _THROTTLING_CODES or status >= 500 or status == 429 or int(original) >= 500:
                raise RetryableModelError(message) from error
            raise ModelInvocationError(message) from error
        except BotoCoreError as error:  # connection errors, read timeouts
            raise RetryableModelError(f"{self.description}: {error}") from error
        payload = response["Body"]
        return payload.read() if hasattr(payload, "read") else bytes(payload)


class HttpTransport:
    """POSTs the body to an http(s) URL (MLflow, BentoML, TorchServe, a Flask app...) with Content-Type/Accept.

    The URL may carry credentials (``user:password@``, ``?api_key=``): it is sent as given, but shown only
    redacted (:func:`airflow_provider_clarify.redaction.redact_url`). Errors are raised outside the ``except``
    block that caught the HTTP client's exception, so no chained exception (whose text holds the raw URL) travels
    with them into logs and tracebacks.
    """

    remote = True

    def __init__(self, url: str, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.description = f"HTTP model {redact_url(url)}"
        self._local = threading.local()
        redact_http_logs()  # urllib3 logs the request line (with its query string) at DEBUG

    def _session(self) -> Any:
        import requests

        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        import requests

        headers = {**self.headers, "Content-Type": content_type, "Accept": accept_type}
        failure: ModelInvocationError | None = None
        try:
            response = self._session().post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            failure = RetryableModelError(f"{self.description} timed out after {self.timeout:g} s")
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            failure = RetryableModelError(f"{self.description} is unreachable: {_redacted(error)}")
        except requests.RequestException as error:
            failure = ModelInvocationError(f"{self.description} cannot be called: {_redacted(error)}")
        if failure is not None:
            raise failure  # outside the except block: the HTTP client's exception (raw URL) is not chained
        answer = redact_text(response.text[:200])
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableModelError(f"{self.description} answered HTTP {response.status_code}: {answer!r}")
        if response.status_code >= 400:
            raise ModelInvocationError(
                f"{self.description} rejected the request with HTTP {response.status_code}: {answer!r}"
            )
        content: bytes = response.content
        return content


def _redacted(error: BaseException) -> str:
    """The text of an HTTP client exception with every URL in it redacted."""
    return redact_text(f"{type(error).__name__}: {error}")


class CallableTransport:
    """An in-process function that takes the request body and returns the response body (reference §2.4 hook):
    the bytes, or their UTF-8 text when ``body_as`` is "str" (the function's first parameter is annotated ``str``)."""

    def __init__(self, function: Callable[..., Any], description: str, body_as: BodyInput = "bytes") -> None:
        self.function = function
        self.description = description
        self.body_as = body_as

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        result = self.function(body.decode("utf-8") if self.body_as == "str" else body)
        return result.encode("utf-8") if isinstance(result, str) else bytes(result)


def typed_frame(features: pd.DataFrame, feature_names: list[str]) -> pd.DataFrame:
    """``features`` as the text/csv round trip would hand them to a model, without the round trip: columns named
    ``feature_names`` in order, numeric columns as numpy numbers (nullable ones as float with NaN), every other
    column as strings (missing values stay missing)."""
    columns: dict[str, Any] = {}
    for name, (_, series) in zip(feature_names, features.items(), strict=True):
        dtype = series.dtype
        if pd.api.types.is_numeric_dtype(dtype):
            if isinstance(dtype, pd.api.extensions.ExtensionDtype):
                has_missing = bool(series.isna().any())
                series = series.astype(
                    float if has_missing or pd.api.types.is_float_dtype(dtype) else "int64"
                )
            columns[name] = series.to_numpy()
            continue
        if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            series = series.astype(object).map(str).where(series.notna(), None)
        columns[name] = series.to_numpy(dtype=object)
    return pd.DataFrame(columns, columns=feature_names)


class EstimatorTransport:
    """A scikit-learn-style estimator. In-process calls use ``predict_array`` (a typed frame in, the outputs of
    ``predict_proba``, else ``predict``, out). ``invoke`` keeps the text/csv wire for the cases that need one (outputs
    that are not numbers): the CSV body is read back into a DataFrame with the model feature names, and each
    record's outputs come back as one CSV line."""

    content_type = CSV
    accept_type = CSV

    def __init__(self, estimator: Any, feature_names: list[str], description: str) -> None:
        if not (hasattr(estimator, "predict_proba") or hasattr(estimator, "predict")):
            raise PredictorConfigError(f"{description} has neither predict_proba nor predict")
        self.estimator = estimator
        self.feature_names = feature_names
        self.description = description
        self.dtypes: dict[str, Any] = {}
        self.model_order: list[str] | None = None

    def follow_declared_order(self) -> None:
        """Feed the estimator its columns in the order it was fitted with, when it declares them.

        A scikit-learn estimator fitted on a DataFrame remembers its input names (``feature_names_in_``) and
        refuses columns in another order. The request keeps Clarify's dataset order (reference §3.4); only the frame
        handed to the estimator is re-ordered by name. Names that are not a permutation of the model features
        are an error naming the missing and the extra ones, raised before any analysis runs.
        """
        declared = getattr(self.estimator, "feature_names_in_", None)
        if declared is None:
            return
        expected = [str(name) for name in declared]
        if expected == self.feature_names:
            return
        missing = [name for name in expected if name not in self.feature_names]
        extra = [name for name in self.feature_names if name not in expected]
        if missing or extra or len(expected) != len(self.feature_names):
            raise PredictorConfigError(feature_mismatch(self.description, expected, self.feature_names))
        self.model_order = expected

    def for_features(self, feature_names: list[str]) -> EstimatorTransport:
        return EstimatorTransport(self.estimator, feature_names, self.description)

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None or not hasattr(self.estimator, "predict_proba") else list(classes)

    def _outputs(self, frame: pd.DataFrame) -> np.ndarray:
        if self.model_order is not None:
            frame = frame[self.model_order]
        if hasattr(self.estimator, "predict_proba"):
            outputs = np.asarray(self.estimator.predict_proba(frame), dtype=float)
        else:
            outputs = np.asarray(self.estimator.predict(frame))
        return outputs.reshape(-1, 1) if outputs.ndim == 1 else outputs

    def predict_array(self, features: pd.DataFrame) -> np.ndarray:
        """The estimator's outputs (N × outputs) for the records of ``features``, no serialization."""
        return _checked(
            self._outputs(typed_frame(features, self.feature_names)), len(features), self.description
        )

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        frame = pd.read_csv(
            io.BytesIO(body), header=None, names=self.feature_names, dtype=self.dtypes or None
        )
        outputs = self._outputs(frame)
        if outputs.dtype.kind == "f":  # repr: the shortest text that reads back as the same float
            return "\n".join(",".join(map(repr, row)) for row in outputs.tolist()).encode("utf-8")
        buffer = io.StringIO()
        pd.DataFrame(outputs).to_csv(buffer, header=False, index=False)
        return buffer.getvalue().encode("utf-8")


class TypedCallableTransport:
    """An in-process function that takes the records as a ``pandas.DataFrame`` (the default) or, when its first
    parameter is annotated so, a ``numpy.ndarray``; it returns one output (a score, a label or a vector) per
    record."""

    content_type = CSV
    accept_type = CSV
    classes = None

    def __init__(
        self, function: Callable[..., Any], feature_names: list[str], description: str, kind: TypedInput
    ) -> None:
        self.function = function
        self.feature_names = feature_names
        self.description = description
        self.kind = kind

    def for_features(self, feature_names: list[str]) -> TypedCallableTransport:
        return TypedCallableTransport(self.function, feature_names, self.description, self.kind)

    def predict_array(self, features: pd.DataFrame) -> np.ndarray:
        frame = typed_frame(features, self.feature_names)
        try:
            result = self.function(frame if self.kind == "frame" else frame.to_numpy())
        except (AttributeError, TypeError) as error:
            # the usual symptom of a function written for the request body (body.decode(), body.splitlines())
            given = "a pandas.DataFrame" if self.kind == "frame" else "a numpy.ndarray"
            raise ModelInvocationError(
                f"{self.description} failed on {len(frame)} records given as {given}: "
                f"{type(error).__name__}: {error}. A callable that reads the request body instead declares it "
                "with its first parameter: annotated `bytes` (or `str`), or named `body`"
            ) from error
        outputs = np.asarray(result)
        if outputs.ndim == 1:
            outputs = outputs.reshape(-1, 1)
        return _checked(outputs, len(features), self.description)

    def invoke(self, body: bytes, content_type: str, accept_type: str) -> bytes:
        raise ModelInvocationError(f"{self.description} takes typed records, not a request body")


def _checked(outputs: np.ndarray, expected: int, description: str) -> np.ndarray:
    if outputs.ndim != 2 or outputs.shape[0] != expected:
        raise ModelInvocationError(
            f"{description} returned outputs of shape {outputs.shape} for {expected} records; every record needs "
            "exactly one output (a number, a label or a vector)"
        )
    return outputs


_INPUT_ANNOTATIONS: dict[str, CallableInput] = {
    "DataFrame": "frame",
    "pd.DataFrame": "frame",
    "pandas.DataFrame": "frame",
    "ndarray": "array",
    "np.ndarray": "array",
    "numpy.ndarray": "array",
    "bytes": "bytes",
    "str": "str",
}


def callable_input_kind(function: Callable[..., Any]) -> CallableInput:
    """What a callable model receives, as its first parameter declares: the request body when it is annotated
    ``bytes`` ("bytes") or ``str`` ("str", the body decoded as UTF-8), or is unannotated and named ``body`` (a
    ``lambda body: ...``); the records as a ``numpy.ndarray`` when annotated so ("array"); otherwise the records
    as a typed ``pandas.DataFrame`` ("frame"). Typed records are the default because they skip writing and
    parsing the text of every synthetic row; the body is for callables that say they want it."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # no signature to read (some builtins, C extensions)
        return "frame"
    if not parameters:
        return "frame"
    annotation = parameters[0].annotation
    if annotation is inspect.Parameter.empty:
        return "bytes" if parameters[0].name == "body" else "frame"
    if isinstance(annotation, str):
        target = (
            function
            if inspect.isfunction(function) or inspect.ismethod(function)
            else type(function).__call__
        )
        try:
            annotation = typing.get_type_hints(target).get(parameters[0].name, annotation)
        except Exception:  # unresolvable forward references: judge by the annotation's text
            return _INPUT_ANNOTATIONS.get(annotation.strip(), "frame")
    if annotation is bytes:
        return "bytes"
    if annotation is str:
        return "str"
    if annotation is np.ndarray or typing.get_origin(annotation) is np.ndarray:
        return "array"
    return "frame"


def feature_mismatch(description: str, declared: list[str], features: list[str]) -> str:
    """Why an estimator cannot take the model features: the names it was fitted with differ from them."""
    missing = [name for name in declared if name not in features]
    extra = [name for name in features if name not in declared]
    close = {name: suggestion_for(name, extra) for name in missing}
    hints = "".join(f"; for {name!r} did you mean {match!r}?" for name, match in close.items() if match)
    return (
        f"predictor: {description} was fitted with the features {declared} (feature_names_in_), but the model "
        f"features of this dataset are {features} (its columns without the label, predicted label, join column "
        f"and excluded_columns). Missing from the data: {missing}; not known to the model: {extra}{hints}. "
        "Rename the columns, or list the ones the model does not take in excluded_columns"
    )


MODEL_FILE_SUFFIXES = (".joblib", ".jl", ".pkl", ".pickle")


def load_model_file(path: Path) -> Any:
    """The model object a user saved (joblib for ``.joblib``/``.jl``, else pickle): an arbitrary Python object."""
    if path.suffix in (".joblib", ".jl"):
        import joblib

        return joblib.load(path)
    with path.open("rb") as handle:
        return pickle.load(handle)  # the user's own model file, named by them


def import_target(spec: str) -> Any:
    """The object ``module:attribute`` names (the attribute may be dotted): an arbitrary Python object."""
    module_name, _, attribute = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise PredictorConfigError(
            f"predictor {spec!r}: cannot import module {module_name!r}: {error}"
        ) from error
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise PredictorConfigError(
                f"predictor {spec!r}: module {module_name!r} has no attribute {attribute!r}"
            )
        target = getattr(target, part)
    return target


def object_name(target: object) -> str:
    """How messages name an in-process model: a function by its own name, any other object by its type."""
    if inspect.isfunction(target) or inspect.ismethod(target):
        return str(target.__name__)
    return type(target).__name__


@dataclass(frozen=True)
class InProcessTarget:
    """A model override that runs in this process: the object (``Any``: whatever the user's model is), its name
    for messages, and whether it was loaded from a model file (then it must be an estimator)."""

    target: Any
    name: str
    from_file: bool = False


def resolve_override(predictor: object, *, timeout: float) -> HttpTransport | InProcessTarget:
    """What a model override names (``--predictor``, ``run_analysis(predictor=...)``, ``local_predictor``): an
    HTTP model for an ``http(s)://`` URL, else the in-process object of a model file, a ``module:callable`` or
    the object itself. Every analysis kind resolves overrides here; each then wraps the object its own way."""
    if not isinstance(predictor, str):
        return InProcessTarget(predictor, object_name(predictor))
    if predictor.startswith(("http://", "https://")):
        return HttpTransport(predictor, timeout=timeout)
    path = Path(predictor)
    if path.suffix in MODEL_FILE_SUFFIXES or path.is_file():
        if not path.is_file():
            raise PredictorConfigError(f"predictor model file {predictor!r} does not exist")
        return InProcessTarget(load_model_file(path), f"model file {path.name}", from_file=True)
    if ":" in predictor:
        return InProcessTarget(import_target(predictor), predictor)
    raise PredictorConfigError(
        f"predictor {redact_text(predictor)!r} is neither an http(s):// URL, a module:callable nor a "
        "joblib/pickle file"
    )


def transport_for_override(
    predictor: object, feature_names: list[str], *, timeout: float, callables_take_body: bool = False
) -> Transport:
    """The transport of a tabular model override (see :func:`resolve_override`). A callable receives what its
    first parameter declares (:func:`callable_input_kind`); with ``callables_take_body`` (the time-series kind,
    whose models read JSON) every callable receives the request body."""
    resolved = resolve_override(predictor, timeout=timeout)
    if isinstance(resolved, HttpTransport):
        return resolved
    if resolved.from_file:
        return EstimatorTransport(resolved.target, feature_names, resolved.name)
    return _object_transport(resolved.target, feature_names, resolved.name, callables_take_body)


def _object_transport(
    target: Any, feature_names: list[str], name: str, callables_take_body: bool
) -> Transport:
    if hasattr(target, "predict_proba") or hasattr(target, "predict"):
        return EstimatorTransport(target, feature_names, f"in-process model {name}")
    if callable(target):
        description = f"in-process callable {name}"
        if callables_take_body:
            return CallableTransport(target, description)
        kind = callable_input_kind(target)
        if kind == "bytes" or kind == "str":
            return CallableTransport(target, description, kind)
        return TypedCallableTransport(target, feature_names, description, kind)
    raise PredictorConfigError(
        f"predictor {name!r} is not callable and has no predict_proba/predict: pass an estimator, or a function "
        "taking the records (a pandas.DataFrame; a numpy.ndarray when its first parameter is annotated so) or "
        "the request body (its first parameter annotated bytes or str, or named body)"
    )
