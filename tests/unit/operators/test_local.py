"""LocalClarifyOperator's own argument checks: the output location and the engine options, refused before the
engine runs or anything is written (the engine runs are in tests/integration/test_local_operator.py)."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine import EngineOptions
from airflow_provider_clarify.exceptions import ClarifyInvalidConfigError
from airflow_provider_clarify.operators.local import LocalClarifyOperator, checked_output_uri, engine_options

CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI"]}},
}


def test_output_location_is_normalised(tmp_path):
    assert checked_output_uri(" s3://bucket/run/ ") == "s3://bucket/run"
    assert checked_output_uri(f"{tmp_path}/out/") == f"{tmp_path}/out"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        (None, "output_uri is missing"),
        ("  ", "output_uri is missing"),
        ("s3:///no-bucket", "output_uri has no bucket name"),
        ("gs://bucket/x", "give a local directory or an s3:// prefix"),
    ],
)
def test_bad_output_locations_name_the_fix(uri, message):
    with pytest.raises(ClarifyInvalidConfigError, match=message):
        checked_output_uri(uri)


def test_output_location_that_is_a_file_is_refused(tmp_path):
    a_file = tmp_path / "analysis.json"
    a_file.write_text("{}")
    with pytest.raises(ClarifyInvalidConfigError, match="is a file; give a directory"):
        checked_output_uri(str(a_file))


def test_engine_options_from_a_dict_or_the_object():
    assert engine_options(None) == EngineOptions()
    assert engine_options({"batch_size": 7}).batch_size == 7
    given = EngineOptions(chunk_rows=10)
    assert engine_options(given) is given
    with pytest.raises(
        ClarifyInvalidConfigError, match=r"engine_options: .*unexpected keyword argument 'batch'"
    ):
        engine_options({"batch": 7})
    with pytest.raises(
        ClarifyInvalidConfigError,
        match=r"engine_options: EngineOptions.shap_algorithm 'trees' is not one of 'kernel', 'tree', 'auto'",
    ):
        engine_options({"shap_algorithm": "trees"})
    with pytest.raises(ClarifyInvalidConfigError, match="must be an EngineOptions or a dict, got list"):
        engine_options([7])


def test_bad_engine_options_fail_before_any_output(tmp_path):
    output = tmp_path / "out"
    operator = LocalClarifyOperator(
        task_id="bias",
        config=CONFIG,
        dataset_uri=str(tmp_path / "data.csv"),
        output_uri=str(output),
        engine_options={"no_such_option": 1},
    )
    with pytest.raises(ClarifyInvalidConfigError, match="no_such_option"):
        operator.execute({})
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------- confidence intervals (argument)


def test_confidence_argument_joins_the_engine_options():
    from airflow_provider_clarify.engine.bias.intervals import IntervalSettings
    from airflow_provider_clarify.operators.local import with_confidence

    options = with_confidence(EngineOptions(batch_size=3), {"level": "0.9", "replicates": "1000"})
    assert options.confidence == IntervalSettings(level=0.9, replicates=1000) and options.batch_size == 3
    assert with_confidence(EngineOptions(), None) == EngineOptions()
    assert with_confidence(EngineOptions(), '{"seed": 4}').confidence == IntervalSettings(seed=4)
    with pytest.raises(ClarifyInvalidConfigError, match="confidence is given twice"):
        with_confidence(EngineOptions(confidence={"seed": 1}), {"seed": 2})


@pytest.mark.parametrize(
    ("operator_arguments", "message", "paths"),
    [
        ({"confidence": {"level": 95}}, "confidence.level: .*did you mean 0.95", ["confidence.level"]),
        ({"confidence": {"replicates": 10, "methd": "bca"}}, "confidence.methd", None),
        ({"engine_options": {"confidence": {"seed": -1}}}, "confidence.seed", ["confidence.seed"]),
    ],
)
def test_bad_confidence_fails_before_any_output_naming_the_key(tmp_path, operator_arguments, message, paths):
    operator = LocalClarifyOperator(
        task_id="bias",
        config=CONFIG,
        dataset_uri=str(tmp_path / "data.csv"),
        output_uri=str(tmp_path / "out"),
        **operator_arguments,
    )
    assert "confidence" in operator.template_fields
    with pytest.raises(ClarifyInvalidConfigError, match=message) as caught:
        operator.execute({})
    if paths is not None:
        assert [problem.path for problem in caught.value.problems] == paths


def test_a_deeply_nested_rendered_param_is_a_config_error_not_retried(tmp_path):
    """``"headers": "{{ params.columns }}"`` rendered from a hostile Param: a config error (AirflowFailException,
    no retries), not a RecursionError that Airflow would retry as transient; nothing is read or written."""
    from airflow_provider_clarify.compat import AirflowFailException

    deep = "[" * 100_000 + "]" * 100_000
    operator = LocalClarifyOperator(
        task_id="bias",
        config={**CONFIG, "headers": deep},
        dataset_uri=str(tmp_path / "data.csv"),
        output_uri=str(tmp_path / "out"),
    )
    with pytest.raises(
        ClarifyInvalidConfigError, match=r"headers: the value is nested more than 32"
    ) as caught:
        operator.execute({})
    assert isinstance(caught.value, AirflowFailException)
    assert list(tmp_path.iterdir()) == []
