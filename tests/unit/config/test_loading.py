"""load_config: every accepted source, exact round-trip of user documents, typed views, one error type."""

from __future__ import annotations

import copy
import json

import pytest

from airflow_provider_clarify.config import AnalysisConfig, ClarifyConfigError, ConfigProblem, load_config

CSV_BIAS = {
    "dataset_type": "text/csv",
    "headers": ["age", "sex", "income", "target"],
    "label": "target",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
    "methods": {"pre_training_bias": {"methods": "all"}},
}


def test_dict_round_trips_exactly_and_is_copied():
    document = copy.deepcopy(CSV_BIAS)
    config = load_config(document)
    assert config.to_dict() == CSV_BIAS
    # Neither the caller's dict nor the returned dict can change the config.
    document["label"] = "changed"
    config.to_dict()["methods"]["pre_training_bias"]["methods"] = ["CI"]
    assert config.to_dict() == CSV_BIAS


def test_no_defaults_are_injected_and_case_is_preserved():
    document = {**CSV_BIAS, "dataset_type": "TEXT/CSV", "methods": {"pre_training_bias": {"methods": "ALL"}}}
    config = load_config(document)
    assert config.to_dict() == document
    assert "version" not in config.to_dict() and "probability_threshold" not in config.to_dict()
    # The typed views speak the canonical spelling.
    assert config.dataset_type == "text/csv"
    assert config.methods.pre_training_bias.metric_names == (
        "CI",
        "DPL",
        "KL",
        "JS",
        "LP",
        "TVD",
        "KS",
        "CDDL",
    )


def test_json_string_and_json_file_and_pathlike(tmp_path):
    text = json.dumps(CSV_BIAS)
    assert load_config(text).to_dict() == CSV_BIAS
    file = tmp_path / "analysis_config.json"
    file.write_text(text, encoding="utf-8")
    assert load_config(file).to_dict() == CSV_BIAS
    assert load_config(str(file)).to_dict() == CSV_BIAS


def test_analysis_config_passes_through():
    config = load_config(CSV_BIAS)
    assert load_config(config) is config
    assert isinstance(config, AnalysisConfig)
    assert config == load_config(copy.deepcopy(CSV_BIAS))


def test_utf8_document_with_non_ascii_text(tmp_path):
    document = {
        **CSV_BIAS,
        "headers": ["âge", "sex", "income", "target"],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "report": {"name": "r", "title": "Bericht für Ärzte"},
        },
    }
    file = tmp_path / "c.json"
    file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert load_config(file).to_dict() == document
    assert "Ärzte" in load_config(file).to_json()


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("/no/such/file.json", "neither a JSON object nor the path"),
        (42, "cannot read an analysis config from a int"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_unreadable_sources_raise_our_error(source, fragment):
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(source)
    assert fragment in str(caught.value)
    assert all(isinstance(problem, ConfigProblem) for problem in caught.value.problems)


def test_non_utf8_file_is_a_config_error(tmp_path):
    file = tmp_path / "latin1.json"
    file.write_bytes('{"dataset_type": "text/csv", "headers": ["\xe2ge"]}'.encode("latin-1"))
    with pytest.raises(ClarifyConfigError, match="not UTF-8"):
        load_config(file)


def test_error_is_a_value_error_with_paths_and_readable_text():
    with pytest.raises(ValueError) as caught:
        load_config({**CSV_BIAS, "probability_threshold": 1})
    error = caught.value
    assert isinstance(error, ClarifyConfigError)
    assert error.paths == ["probability_threshold"]
    assert str(error).startswith("invalid analysis config (1 problem)")
    assert "probability_threshold: must be a float" in str(error)


def test_analysis_config_is_only_made_by_load_config():
    with pytest.raises(ClarifyConfigError, match=r"call load_config\(document\)"):
        AnalysisConfig({"dataset_type": "text/csv"})


def test_config_pickles_and_deep_copies():
    import pickle

    config = load_config(CSV_BIAS)
    assert pickle.loads(pickle.dumps(config)) == config
    assert copy.deepcopy(config).to_dict() == CSV_BIAS


def test_schema_copies_cannot_change_validation():
    from airflow_provider_clarify.config import analysis_config_schema

    analysis_config_schema()["properties"].clear()
    assert load_config(CSV_BIAS).to_dict() == CSV_BIAS


def test_error_pickles_with_its_problems():
    import pickle

    with pytest.raises(ClarifyConfigError) as caught:
        load_config({**CSV_BIAS, "probability_threshold": 1, "facet": []})
    copy_of_error = pickle.loads(pickle.dumps(caught.value))
    assert copy_of_error.problems == caught.value.problems
    assert str(copy_of_error) == str(caught.value)


def _counting_validation(monkeypatch) -> list[object]:
    """Count the calls of the one document validator, through the module attribute loading uses."""
    from airflow_provider_clarify.config import validation

    calls: list[object] = []
    original = validation.validate_document

    def counted(document):
        calls.append(document)
        return original(document)

    monkeypatch.setattr(validation, "validate_document", counted)
    return calls


def test_each_way_in_validates_the_document_exactly_once(monkeypatch, tmp_path):
    from airflow_provider_clarify.config import BiasConfig, DataConfig

    calls = _counting_validation(monkeypatch)
    file = tmp_path / "c.json"
    file.write_text(json.dumps(CSV_BIAS))
    sources = [
        (CSV_BIAS, False),
        (json.dumps(CSV_BIAS), False),
        (file, False),
        (CSV_BIAS, True),
        (repr(CSV_BIAS), True),  # a dict Jinja printed without | tojson
        ([DataConfig(label="target", headers=["sex", "target"]), BiasConfig([1], "sex")], False),
    ]
    for source, rendered in sources:
        before = len(calls)
        config = load_config(source, rendered=rendered)
        assert len(calls) == before + 1, source
        # Handing the typed config on validates nothing again.
        assert load_config(config) is config
        assert len(calls) == before + 1


def test_a_rejected_document_is_validated_once_too(monkeypatch):
    calls = _counting_validation(monkeypatch)
    with pytest.raises(ClarifyConfigError):
        load_config({**CSV_BIAS, "probability_threshold": 1})
    assert len(calls) == 1


def test_builder_combination_problems_come_first_with_the_documents_own():
    from airflow_provider_clarify.config import BiasConfig, DataConfig, SHAPConfig

    with pytest.raises(ClarifyConfigError) as caught:
        load_config([DataConfig(label="y"), BiasConfig([1], []), SHAPConfig(num_samples=0)])
    assert caught.value.paths[0] == "facet"
    assert "methods.shap.num_samples" in caught.value.paths


def _nested_list(depth: int) -> list:
    """``[[[...]]]`` ``depth`` levels deep, built without recursion."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [40, 300, 5000])
@pytest.mark.parametrize("form", ["rendered string", "python literal", "native value", "json document"])
def test_a_deeply_nested_value_is_a_config_error_not_a_recursion_error(depth, form):
    """A list field rendered from a deeply nested Param must be refused like any bad value (never retried)."""
    if form == "rendered string":
        source: object = {**CSV_BIAS, "headers": "[" * depth + "]" * depth}
    elif form == "python literal":  # as Jinja prints a list without | tojson
        source = {**CSV_BIAS, "headers": "[" * depth + "'age'" + "]" * depth}
    elif form == "native value":  # render_template_as_native_obj=True
        source = {**CSV_BIAS, "headers": _nested_list(depth)}
    else:
        body = json.dumps({key: value for key, value in CSV_BIAS.items() if key != "headers"})
        source = body[:-1] + ', "headers": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ClarifyConfigError) as caught:
        load_config(source, rendered=True)
    # JSON text too deep for the JSON parser itself cannot say which field it was.
    wanted = ["$"] if form == "json document" and depth == 5000 else ["headers"]
    assert caught.value.paths == wanted, caught.value
    assert "nested more than 32 levels deep" in str(caught.value)
    with pytest.raises(ClarifyConfigError) as caught:  # unrendered: a string is no list (nothing is parsed)
        load_config(source, rendered=False)
    assert caught.value.paths == wanted if form in ("native value", "json document") else ["headers"]


def test_nesting_within_the_limit_is_left_to_validation():
    with pytest.raises(ClarifyConfigError) as caught:
        load_config({**CSV_BIAS, "headers": "[[[1]]]"}, rendered=True)
    assert "headers[0]" in caught.value.paths  # "must be a string, got a list": validation's own words
    assert "nested" not in str(caught.value)
