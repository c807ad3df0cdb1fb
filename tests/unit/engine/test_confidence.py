"""The ``confidence`` option as users give it: dicts, JSON text, rendered templates; bad settings name their key."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import ClarifyConfigError
from airflow_provider_clarify.engine.bias.intervals import IntervalSettings
from airflow_provider_clarify.engine.confidence import interval_settings
from airflow_provider_clarify.engine.options import EngineOptions


def test_a_dict_a_json_text_and_a_python_literal_give_the_same_settings():
    wanted = IntervalSettings(level=0.9, replicates=3000, seed=7, method="bca")
    assert interval_settings({"level": 0.9, "replicates": 3000, "seed": 7, "method": "bca"}) == wanted
    assert interval_settings('{"level": 0.9, "replicates": 3000, "seed": 7, "method": "bca"}') == wanted
    assert interval_settings("{'level': 0.9, 'replicates': 3000, 'seed': 7, 'method': 'bca'}") == wanted
    assert interval_settings(wanted) is wanted


def test_rendered_numeric_strings_are_numbers_and_empty_params_take_the_defaults():
    settings = interval_settings(
        {"level": "0.9", "replicates": "3000", "seed": " 7 ", "method": "percentile"}
    )
    assert settings == IntervalSettings(level=0.9, replicates=3000, seed=7, method="percentile")
    assert interval_settings({"level": "", "replicates": "None", "seed": None}) == IntervalSettings()
    assert interval_settings({}) == IntervalSettings(level=0.95, replicates=2000, seed=0, method="percentile")


@pytest.mark.parametrize(
    ("value", "paths", "hint"),
    [
        ({"level": 95}, ["confidence.level"], "did you mean 0.95"),
        ({"level": 1.0}, ["confidence.level"], "strictly between 0 and 1"),
        ({"replicates": 999}, ["confidence.replicates"], "1,000 to 100,000"),
        ({"replicates": 100_001}, ["confidence.replicates"], "1,000 to 100,000"),
        ({"level": 0.999, "replicates": 2000}, ["confidence.replicates"], "use at least 20,000"),
        ({"replicates": "many"}, ["confidence.replicates"], "whole number"),
        ({"seed": -1}, ["confidence.seed"], "≥ 0"),
        ({"method": "BCA"}, ["confidence.method"], "did you mean 'bca'"),
        ({"replicats": 2000}, ["confidence.replicats"], "did you mean 'replicates'"),
        ({"level": 2, "seed": 1.5}, ["confidence.level", "confidence.seed"], "strictly between"),
    ],
)
def test_bad_settings_name_every_key_and_what_is_valid(value, paths, hint):
    with pytest.raises(ClarifyConfigError) as caught:
        interval_settings(value)
    assert sorted(caught.value.paths) == sorted(paths)
    assert hint in str(caught.value)


@pytest.mark.parametrize("text", ["0.95", "[0.95, 2000]", "level=0.95", ""])
def test_text_that_is_not_an_object_is_refused(text):
    with pytest.raises(ClarifyConfigError, match="must be a JSON object") as caught:
        interval_settings(text)
    assert caught.value.paths == ["confidence"]


def test_engine_options_validate_the_option_when_built():
    options = EngineOptions(confidence={"level": 0.9, "replicates": 1000})
    assert options.confidence == IntervalSettings(level=0.9, replicates=1000)
    assert options.interval_settings == IntervalSettings(level=0.9, replicates=1000)
    assert EngineOptions().interval_settings is None
    with pytest.raises(ClarifyConfigError) as caught:
        EngineOptions(confidence={"level": 0})
    assert caught.value.paths == ["confidence.level"]
