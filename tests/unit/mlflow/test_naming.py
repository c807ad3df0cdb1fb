"""MLflow names of a Clarify result: stable keys in MLflow's allowed characters, the config as params."""

from __future__ import annotations

import hashlib
import math
import posixpath
import re

import pytest

from airflow_provider_clarify.mlflow.naming import (
    MAX_KEY_CHARS,
    MAX_PARAM_VALUE_CHARS,
    config_params,
    key,
    key_part,
    result_metrics,
    truncated,
)
from airflow_provider_clarify.results import ClarifyResult
from tests.unit.results import analysis_samples as samples

# What MLflow accepts on every platform (its own check, with the colon that Windows servers refuse left out).
MLFLOW_NAME = re.compile(r"^[/\w.\- ]*$")


def _valid(name: str) -> bool:
    return bool(MLFLOW_NAME.match(name)) and posixpath.normpath(name) == name and len(name) <= MAX_KEY_CHARS


def test_plain_parts_are_kept_and_others_get_the_hash_of_the_original():
    assert key_part("Female") == "Female"
    assert key_part("age 40-68") == "age 40-68"
    sha = hashlib.sha1(b"(40, 68]").hexdigest()[:8]
    assert key_part("(40, 68]") == f"_40_ 68_-{sha}"
    assert key_part("[40, 68)") != key_part("(40, 68]")  # no collision after sanitising
    assert key_part("") == f"_-{hashlib.sha1(b'').hexdigest()[:8]}"
    assert key_part("..").startswith("__-")


@pytest.mark.parametrize("part", ["a/b", "..", ".", "", "x\ny", "ünï", "a:b", "//", "ok"])
def test_every_key_is_valid_for_mlflow(part):
    assert _valid(key("bias", "pre_training", "CI", part, part))


def test_long_keys_are_cut_with_the_hash_of_the_whole():
    long = key("bias", "x" * 300)
    assert len(long) == MAX_KEY_CHARS and _valid(long)
    assert long != key("bias", "x" * 299 + "y")


def test_metrics_of_a_result_by_construction():
    result = ClarifyResult.from_analysis(samples.combined())
    metrics, failed = result_metrics(result)
    expected = {
        f"bias/{row.stage}/{row.metric}/{row.facet}/{key_part(row.facet_value)}": row.value
        for row in result.rows()
        if row.value is not None
    }
    for target, summary in result.shap.items():
        expected.update({f"shap/{target}/{f}": v for f, v in summary.global_shap_values.items()})
        expected[f"shap_expected_value/{target}"] = summary.expected_value
    assert metrics == expected
    assert failed == []
    assert metrics["bias/pre_training/CI/sex/Female"] == 0.3384
    assert all(_valid(name) for name in metrics)


def test_failed_metrics_are_listed_not_logged_and_infinities_stay():
    result = ClarifyResult.from_analysis(samples.ERRORS_AND_INFINITIES)
    metrics, failed = result_metrics(result)
    nulls = [row for row in result.rows() if row.value is None]
    assert len(failed) == len(nulls) > 0
    assert not set(failed) & set(metrics)
    assert any(math.isinf(v) for v in metrics.values())


def test_the_config_flattens_by_key_and_by_index_of_objects():
    params = config_params(
        {
            "label": "income",
            "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
            "methods": {"shap": {"baseline": [[1, 2]], "num_samples": 64, "use_logit": False}},
            "joinsource_name_or_index": None,
            "headers": [],
        }
    )
    assert params == {
        "config/label": "income",
        "config/facet/0/name_or_index": "sex",
        "config/facet/0/value_or_threshold": '["Female"]',
        "config/methods/shap/baseline": "[[1,2]]",
        "config/methods/shap/num_samples": "64",
        "config/methods/shap/use_logit": "false",
        "config/joinsource_name_or_index": "null",
        "config/headers": "[]",
    }


def test_long_values_are_cut_visibly_within_the_limit():
    value = "v" * 10_000
    cut = truncated(value, MAX_PARAM_VALUE_CHARS)
    assert len(cut) <= MAX_PARAM_VALUE_CHARS
    kept = cut.index("...[+")
    assert cut == "v" * kept + f"...[+{10_000 - kept} chars]"
    assert truncated("short", 10) == "short"
    assert len(config_params({"text": value})["config/text"]) <= MAX_PARAM_VALUE_CHARS
