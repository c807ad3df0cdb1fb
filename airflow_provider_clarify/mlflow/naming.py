"""How a Clarify result is named in MLflow: metric keys, the config as params, and MLflow's limits.

Neither MLflow nor Airflow is imported here: the names are pure functions of the result and the config, so they
are the same on every run (MLflow's charts join runs by metric key) and unit-tested without a server.

**Metric keys** are ``/``-separated paths:

- ``bias/<stage>/<metric>/<facet>/<facet value>`` — every bias metric with a value, e.g.
  ``bias/post_training/DI/sex/0`` (stage ``pre_training`` or ``post_training``);
- ``shap/<target>/<feature>`` — every global SHAP value, e.g. ``shap/label0/age``;
- ``shap_expected_value/<target>`` — the SHAP expected (base) value of a target.

Each part is kept as written when it uses only characters every MLflow server accepts (ASCII letters, digits,
``_ - .`` and space); otherwise each other character becomes ``_`` and ``-`` plus the first 8 hex digits of the
SHA-1 of the original part is appended, so ``(40, 68]`` and ``[40, 68)`` stay two keys
(``_40_ 68_-1a2b3c4d``-like). A part that is empty, ``.`` or ``..`` (a path MLflow would normalise away) is treated
the same way. A key longer than MLflow's 250 characters is cut and gets the hash of the whole key. A metric whose
value is null (it failed) is not logged; the ``clarify.failed_metrics`` tag lists those keys.

**Params** are the analysis config flattened to ``config/<path>``: nested objects by key, lists of objects by
index (``config/facet/0/name_or_index``), other lists and values as JSON text (strings as they are). Keys are
sanitised like metric parts; values longer than MLflow's 6000 characters are cut and end in ``...[+N chars]``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_clarify.contract import json_ready
from airflow_provider_clarify.results import ClarifyResult

MAX_KEY_CHARS = 250
MAX_PARAM_VALUE_CHARS = 6000
MAX_TAG_VALUE_CHARS = 8000
HASH_CHARS = 8
BIAS_PREFIX = "bias"
SHAP_PREFIX = "shap"
SHAP_EXPECTED_PREFIX = "shap_expected_value"
CONFIG_PREFIX = "config"
FAILED_METRICS_TAG = "clarify.failed_metrics"

_NOT_PORTABLE = re.compile(r"[^A-Za-z0-9_.\- ]")


def key_part(raw: object) -> str:
    """One path part of a metric or param key, in characters every MLflow server accepts (see module doc)."""
    text = str(raw)
    if text not in ("", ".", "..") and _NOT_PORTABLE.search(text) is None:
        return text
    cleaned = _NOT_PORTABLE.sub("_", text)
    if cleaned in ("", ".", ".."):
        cleaned = cleaned.replace(".", "_") or "_"
    return f"{cleaned}-{_digest(text)}"


def key(*parts: object) -> str:
    """A metric or param key from raw parts: each part sanitised, joined by ``/``, at most 250 characters."""
    joined = "/".join(key_part(part) for part in parts)
    if len(joined) <= MAX_KEY_CHARS:
        return joined
    return f"{joined[: MAX_KEY_CHARS - HASH_CHARS - 1]}-{_digest(joined)}"


def bias_metric_key(stage: str, metric: str, facet: str, facet_value: str) -> str:
    return key(BIAS_PREFIX, stage, metric, facet, facet_value)


def shap_metric_key(target: str, feature: str) -> str:
    return key(SHAP_PREFIX, target, feature)


def shap_expected_value_key(target: str) -> str:
    return key(SHAP_EXPECTED_PREFIX, target)


def result_metrics(result: ClarifyResult) -> tuple[dict[str, float], list[str]]:
    """(every metric key → value, keys of the bias metrics that failed and are not logged).

    ±∞ is logged as ±∞ (MLflow's stores keep it as the largest double). Raises ``ValueError`` if two entries map
    to one key (it cannot happen with the hashing scheme unless the result holds one entry twice).
    """
    metrics: dict[str, float] = {}
    failed: list[str] = []
    for row in result.rows():
        name = bias_metric_key(row.stage, row.metric, row.facet, row.facet_value)
        if row.value is None:
            failed.append(name)
            continue
        _put(metrics, name, row.value)
    for target, summary in result.shap.items():
        for feature, value in summary.global_shap_values.items():
            if not math.isnan(value):
                _put(metrics, shap_metric_key(target, feature), value)
        if summary.expected_value is not None and not math.isnan(summary.expected_value):
            _put(metrics, shap_expected_value_key(target), summary.expected_value)
    return metrics, failed


def config_params(config: Mapping[str, Any]) -> dict[str, str]:
    """The analysis config as MLflow params (see the module docstring), in document order."""
    params: dict[str, str] = {}
    _flatten(json_ready(dict(config)), [CONFIG_PREFIX], params)
    return params


def truncated(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, the cut visible: ``...[+N chars]``."""
    if len(value) <= limit:
        return value
    keep = limit - len(f"...[+{len(value)} chars]")  # the marker of the longest possible cut
    return f"{value[:keep]}...[+{len(value) - keep} chars]"


# ------------------------------------------------------------------------------------------------ internals


def _flatten(value: Any, path: list[str], into: dict[str, str]) -> None:  # value: any JSON value
    if isinstance(value, dict) and value:
        for name, item in value.items():
            _flatten(item, [*path, str(name)], into)
        return
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(item, [*path, str(index)], into)
        return
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    into[key(*path)] = truncated(text, MAX_PARAM_VALUE_CHARS)


def _put(metrics: dict[str, float], name: str, value: float) -> None:
    if name in metrics:
        raise ValueError(f"two Clarify values map to the MLflow metric {name!r}")
    metrics[name] = float(value)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:HASH_CHARS]
