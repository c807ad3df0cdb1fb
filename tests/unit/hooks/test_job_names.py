"""Deterministic job names: stable per task instance, distinct across instances, valid and within 63 chars."""

from __future__ import annotations

import hashlib
import re

import pytest

from airflow_provider_clarify.hooks.job_names import (
    attempt_name,
    attempt_of,
    explicit_family,
    job_family,
    sanitise_prefix,
)
from airflow_provider_clarify.hooks.job_request import default_job_name_prefix

SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def test_family_is_prefix_plus_digest_of_the_task_instance():
    digest = hashlib.sha256(b"dag\x1ftask\x1fmanual__2024-01-01T00:00:00+00:00\x1f-1").hexdigest()[:10]
    assert job_family("Clarify-Bias", "dag", "task", "manual__2024-01-01T00:00:00+00:00", -1) == (
        f"Clarify-Bias-{digest}"
    )


def test_same_task_instance_same_family_and_others_differ():
    base = ("Clarify-Bias", "dag", "task", "run-1", -1)
    assert job_family(*base) == job_family(*base)
    variants = {
        job_family("Clarify-Bias", "dag2", "task", "run-1", -1),
        job_family("Clarify-Bias", "dag", "task2", "run-1", -1),
        job_family("Clarify-Bias", "dag", "task", "run-2", -1),
        job_family("Clarify-Bias", "dag", "task", "run-1", 0),
        job_family("Clarify-Bias", "dag", "task", "run-1", 1),
    }
    assert len(variants) == 5 and job_family(*base) not in variants
    assert job_family("Clarify-Bias", "dag", "task", "run-1", None) == job_family(*base)


def test_long_and_odd_prefixes_give_valid_names_within_63_characters():
    family = job_family("my_team.clarify analysis/" + "x" * 100, "d" * 200, "t" * 200, "r" * 250, 12345)
    for attempt in (1, 9, 10, 9999):
        name = attempt_name(family, attempt)
        assert len(name) <= 63, name
        assert SAGEMAKER_NAME.match(name), name
    assert family.startswith("my-team-clarify-analysis-xxx")


def test_sanitise_prefix_falls_back_to_clarify():
    assert sanitise_prefix("___", 40) == "Clarify"
    assert sanitise_prefix("-a--b-", 40) == "a-b"


def test_attempt_of_recognises_only_its_own_family():
    family = "Clarify-Bias-0123456789"
    assert attempt_of(family, "Clarify-Bias-0123456789-1") == 1
    assert attempt_of(family, "Clarify-Bias-0123456789-12") == 12
    assert attempt_of(family, "Clarify-Bias-0123456789") is None
    assert attempt_of(family, "Clarify-Bias-0123456789-1-1") is None
    assert attempt_of(family, "X-Clarify-Bias-0123456789-1") is None


def test_explicit_job_name_must_leave_room_for_the_attempt_suffix():
    assert explicit_family("nightly-bias") == "nightly-bias"
    assert explicit_family("a" * 58) == "a" * 58
    with pytest.raises(ValueError, match="at most 58"):
        explicit_family("a" * 59)
    with pytest.raises(ValueError, match="not a valid"):
        explicit_family("-starts-with-hyphen")


@pytest.mark.parametrize(
    ("methods", "prefix"),
    [
        ({"pre_training_bias": {}}, "Clarify-Pretraining-Bias"),
        ({"post_training_bias": {}}, "Clarify-Posttraining-Bias"),
        ({"pre_training_bias": {}, "post_training_bias": {}}, "Clarify-Bias"),
        ({"shap": {}}, "Clarify-Explainability"),
        ({"pdp": {}, "report": {}}, "Clarify-Explainability"),
        ({"pre_training_bias": {}, "shap": {}}, "Clarify-Bias-And-Explainability"),
    ],
)
def test_default_prefixes_are_the_sdks(methods, prefix):
    assert default_job_name_prefix(set(methods)) == prefix
