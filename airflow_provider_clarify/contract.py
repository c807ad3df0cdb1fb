"""The Clarify job contract shared by every layer: file and folder names, MIME types, container paths, S3 URIs
and the way ``analysis.json`` writes infinities.

Why one module: the managed container, the local engine, the operators, the gates and the tests all have to agree
on these strings byte for byte (a reader looking for ``analysis.json`` under the wrong prefix sees "no result",
not an error). Each fact is stated here once and imported everywhere else. This module imports nothing of the
provider and nothing outside the standard library, so any layer may use it.
"""

from __future__ import annotations

import math
from typing import Any, Final, TypeAlias

# ------------------------------------------------------------------------------------------------ JSON values
JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
"""Any value a JSON document holds (the analysis config, analysis.json): what every layer reads and writes."""
JSONObject: TypeAlias = dict[str, JSONValue]
"""A JSON object, e.g. the analysis config document or a section of analysis.json."""

# --------------------------------------------------------------------------------------------- output files
ANALYSIS_FILE: Final = "analysis.json"
"""The result document: the last data file of a run. Without a manifest (the managed job writes none) its
presence marks a complete output (reference §8)."""
MANIFEST_FILE: Final = "_manifest.json"
"""The run manifest (:mod:`airflow_provider_clarify.outputs`): written first as "running" and last as "complete",
listing every file of the run (relative path, size, sha256) and the run id. Readers trust only what a complete
manifest lists; the managed Clarify job writes none, so its output falls back to the ``analysis.json`` rule."""
CONFIG_FILE: Final = "analysis_config.json"
"""The analysis configuration as the container reads it (reference §1)."""
FAILURE_FILE: Final = "failure"
"""A failed engine CLI run writes its one-line ``ClientError: <reason>`` here (the container's convention)."""
SHAP_DIR: Final = "explanations_shap"
LOCAL_SHAP_CSV: Final = "out.csv"
LOCAL_SHAP_JSONL: Final = "out.jsonl"
LOCAL_SHAP_ERRORS_CSV: Final = "out_standard_errors.csv"
"""Sampling errors of the local Kernel SHAP values, laid out like out.csv (an engine option, not the container's)."""
BASELINE_CSV: Final = "baseline.csv"
REPORT_EXTENSIONS: Final = ("ipynb", "html", "pdf")
DEFAULT_REPORT_NAME: Final = "report"
CONSTRAINT_VIOLATIONS_FILE: Final = "constraint_violations.json"

# ------------------------------------------------------------------- confidence intervals and segments (provider)
# Keys this provider adds to analysis.json only when confidence intervals are asked for (docs/intervals.md), and
# the per-segment file it writes beside analysis.json when ``segment_config`` is set (docs/segments.md). Without
# either, analysis.json is exactly the managed job's.
CONFIDENCE_INTERVAL_KEY: Final = "confidence_interval"
"""On each bias metric object: ``[low, high]`` (±∞ as the infinity strings; ``[null, null]`` without interval)."""
CONFIDENCE_NOTES_KEY: Final = "confidence_interval_notes"
"""On a bias metric object, only when there is something to say: ±∞ / undefined replicates, fallbacks, why none."""
CONFIDENCE_SETTINGS_KEY: Final = "confidence_interval_settings"
"""Once per bias section and SHAP target: ``{"level", "replicates", "method", "seed"}``."""
SHAP_INTERVALS_KEY: Final = "global_shap_confidence_intervals"
"""Beside ``global_shap_values``: feature → ``[low, high]`` of its global SHAP value."""
SEGMENTS_DIR: Final = "segments"
SEGMENTS_FILE: Final = "analysis_segments.json"
"""Per-segment metrics of ``segment_config``, at ``segments/analysis_segments.json`` beside analysis.json."""
SEGMENTS_PATH: Final = f"{SEGMENTS_DIR}/{SEGMENTS_FILE}"
# ------------------------------------------------------------------------------- end of intervals and segments

# ----------------------------------------------------------------------------------------- container layout
CONTAINER_ROOT: Final = "/opt/ml/processing"
DATASET_INPUT_NAME: Final = "dataset"
CONFIG_INPUT_NAME: Final = "analysis_config"
OUTPUT_NAME: Final = "analysis_result"
DATASET_LOCAL_PATH: Final = f"{CONTAINER_ROOT}/input/data"
CONFIG_LOCAL_PATH: Final = f"{CONTAINER_ROOT}/input/config"
OUTPUT_LOCAL_PATH: Final = f"{CONTAINER_ROOT}/output"

# -------------------------------------------------------------------------------------------------- MIME types
CSV: Final = "text/csv"
JSON_LINES: Final = "application/jsonlines"
JSON: Final = "application/json"
PARQUET: Final = "application/x-parquet"
IMAGE: Final = "application/x-image"
SAGEMAKER_CAPTURE_JSON: Final = "application/sagemakercapturejson"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
NPY: Final = "application/x-npy"

IMAGE_CONTENT_TYPES: Final = (JPEG, PNG, NPY)
"""Request bodies a computer-vision model can receive (``predictor.content_type`` for image datasets)."""

TABULAR_DATASET_TYPES: Final = (CSV, JSON_LINES, JSON, PARQUET)
"""Dataset types whose records are rows of columns (everything but images)."""
JSON_DATASET_TYPES: Final = (JSON_LINES, JSON)
"""Dataset types whose roles (label, features, ...) are JMESPath expressions rather than column names."""

# ------------------------------------------------------------------------------------------------------ S3 URIs
S3_SCHEME: Final = "s3://"


class InvalidS3Uri(ValueError):
    """A value that should be an ``s3://bucket/key`` URI is not one; the message names where it came from."""


def is_s3_uri(value: object) -> bool:
    """Whether ``value`` is a string in the ``s3://`` scheme (the test every reader/writer branches on)."""
    return isinstance(value, str) and value.startswith(S3_SCHEME)


def split_s3_uri(uri: object, *, what: str = "the S3 URI") -> tuple[str, str]:
    """``s3://bucket/a/b`` → ``("bucket", "a/b")``.

    ``what`` names the argument or field in the error (``"output_uri"``, ``"methods.shap.baseline"``), so the
    user learns which value to fix.
    """
    if not is_s3_uri(uri):
        raise InvalidS3Uri(f"{what} must be an S3 URI like 's3://bucket/prefix', got {uri!r}")
    assert isinstance(uri, str)
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise InvalidS3Uri(f"{what} has no bucket name: {uri!r}; expected s3://bucket/key-or-prefix")
    return bucket, key


def s3_uri(bucket: str, key: str) -> str:
    """The URI of an object: the inverse of :func:`split_s3_uri`."""
    return f"{S3_SCHEME}{bucket}/{key}"


def join_uri(prefix: str, *names: str) -> str:
    """``prefix`` + ``/`` + each name with exactly one slash between parts (S3 URIs and POSIX paths alike).

    The SageMaker SDK writes ``<output>//analysis_config.json`` when the output ends in ``/``; a doubled slash is
    a different S3 key, so joining normalises it.
    """
    result = prefix.rstrip("/") if prefix not in ("", "/") else prefix
    for name in names:
        result = f"{result.rstrip('/')}/{name.lstrip('/')}"
    return result


# ------------------------------------------------------------------------------------------- numbers in JSON
POSITIVE_INFINITY_TEXT: Final = "Infinity"
NEGATIVE_INFINITY_TEXT: Final = "-Infinity"
_POSITIVE_INFINITY_SPELLINGS = frozenset({"Infinity", "+Infinity", "inf", "+inf"})
_NEGATIVE_INFINITY_SPELLINGS = frozenset({"-Infinity", "-inf"})
_NAN_SPELLINGS = frozenset({"NaN", "nan"})


def json_ready(value: Any) -> Any:
    """A JSON-able copy as ``analysis.json`` holds it: ±inf → ``"Infinity"``/``"-Infinity"``, NaN → ``None``,
    numpy scalars → Python numbers, tuples → lists, keys → strings (reference §8.1: strict JSON has no infinity,
    and the container writes these strings)."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return POSITIVE_INFINITY_TEXT if value > 0 else NEGATIVE_INFINITY_TEXT
    return value


def encode_number(value: float | None) -> float | str | None:
    """One float as ``analysis.json`` writes it (see :func:`json_ready`)."""
    encoded: float | str | None = json_ready(value)
    return encoded


def decode_number(value: object) -> float | None:
    """A number read from ``analysis.json`` → float: the infinity strings → ±inf, null → ``None``.

    Raises ``ValueError`` for anything else, so a malformed document is reported rather than read as zero.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, null or 'Infinity'/'-Infinity', got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, str):
        text = value.strip()
        if text in _POSITIVE_INFINITY_SPELLINGS:
            return math.inf
        if text in _NEGATIVE_INFINITY_SPELLINGS:
            return -math.inf
        if text in _NAN_SPELLINGS:
            return None
    raise ValueError(f"expected a number, null or 'Infinity'/'-Infinity', got {value!r}")
