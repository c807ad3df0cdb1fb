"""Predicted labels (reference §5.3) and score vectors (§5.4) from parsed model outputs."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.predictors import (
    ModelInvocationError,
    OutputInterpreter,
    RecordOutput,
)


def test_predicted_label_rules_in_order():
    scalar = OutputInterpreter(has_label=True, has_probability=True)
    assert scalar.predicted_label(RecordOutput(label="dog", probability=[0.1, 0.9])) == "dog"  # rule 1
    assert (
        scalar.predicted_label(RecordOutput(label=["cat", "dog"], probability=[0.7, 0.3])) == "cat"
    )  # rule 2
    headers = OutputInterpreter(label_headers=["no", "yes"], has_probability=True)
    assert headers.predicted_label(RecordOutput(probability=[0.2, 0.8])) == "yes"  # rule 3
    assert headers.predicted_label(RecordOutput(probability=[0.5, 0.5])) == "no"  # tie → first index
    binary = OutputInterpreter(probability_threshold=0.6, has_probability=True)
    assert binary.predicted_label(RecordOutput(probability=0.6)) == 0  # rule 4: strictly greater
    assert binary.predicted_label(RecordOutput(probability=0.61)) == 1
    nothing = OutputInterpreter()
    assert nothing.predicted_label(RecordOutput(raw=0.7)) == 1  # rule 5: whole CSV output is one score


def test_several_scores_without_names_is_an_error():
    with pytest.raises(ModelInvocationError, match="label_headers"):
        OutputInterpreter().predicted_label(RecordOutput(raw=[0.2, 0.8]))


def test_score_vector_sources_and_target_names():
    assert OutputInterpreter(has_label=True).score_vector(RecordOutput(label=3.5)) == [3.5]
    assert OutputInterpreter().score_vector(RecordOutput(raw=[0.1, 0.9])) == [0.1, 0.9]
    assert OutputInterpreter(label_headers=["a", "b"]).target_names(2) == ["a", "b"]
    assert OutputInterpreter().target_names(1, "Target") == ["Target"]
    assert OutputInterpreter().target_names(2, "Target") == ["label0", "label1"]


def test_a_nan_score_or_label_is_an_error_naming_the_record():
    binary = OutputInterpreter(has_probability=True)
    outputs = [RecordOutput(probability=0.7), RecordOutput(probability=float("nan"))]
    with pytest.raises(
        ModelInvocationError, match=r"holds NaN; a score must be a number .*\(for record 2 of the"
    ):
        binary.predicted_labels(outputs)
    named = OutputInterpreter(label_headers=["no", "yes"], has_probability=True)
    with pytest.raises(ModelInvocationError, match=r"holds NaN.*\(for row 7\)"):
        named.predicted_labels([RecordOutput(probability=[0.2, float("nan")])], lambda i: f"row {i + 7}")
    labels = OutputInterpreter(has_label=True)
    with pytest.raises(
        ModelInvocationError, match=r"NaN as the predicted label.*\(for record 1 of the request\)"
    ):
        labels.predicted_labels([RecordOutput(label=float("nan"))])
    with pytest.raises(ModelInvocationError, match="holds NaN"):
        OutputInterpreter().score_vector(RecordOutput(raw=[0.2, float("nan")]))


def test_threshold_scores_outside_zero_one_are_compared_as_they_are_with_one_warning(caplog):
    binary = OutputInterpreter(probability_threshold=0.5)
    caplog.set_level(logging.WARNING, logger="airflow_provider_clarify.engine.predictors")
    assert binary.predicted_labels([RecordOutput(raw=0.2), RecordOutput(raw=3.5), RecordOutput(raw=-1)]) == [
        0,
        1,
        0,
    ]
    assert binary.predicted_labels([RecordOutput(raw=7.0)]) == [1]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings  # once per model, not once per request
    assert "outside [0, 1]" in warnings[0] and "2 of 3 record(s)" in warnings[0]
    assert "the first 3.5 for record 2 of the request" in warnings[0] and "set predictor.label" in warnings[0]
    caplog.clear()
    OutputInterpreter(has_probability=True).predicted_labels([RecordOutput(probability=1.0)])
    assert not caplog.records  # 0 and 1 are probabilities


def test_nan_model_scores_fail_the_bias_run_naming_the_record_not_the_label_values(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": [0.1 * i for i in range(20)], "g": [i % 2 for i in range(20)],
                  "y": ["yes", "no"] * 10}).to_csv(path, index=False)  # fmt: skip

    def model(body: bytes) -> str:
        rows = body.decode().splitlines()
        return "\n".join("nan" if row.startswith("0.5") else "0.9" for row in rows)

    config = {"dataset_type": "text/csv", "label": "y", "label_values_or_threshold": ["yes"],
              "facet": [{"name_or_index": "g", "value_or_threshold": [1]}],
              "predictor": {"content_type": "text/csv"},
              "methods": {"post_training_bias": {"methods": ["DPPL"]}}}  # fmt: skip
    with pytest.raises(AnalysisError) as raised:
        run_analysis(load_config(config), path, predictor=model)
    message = str(raised.value)
    assert "holds NaN" in message and "record 6 of the request (x=0.5, g=1)" in message, message
    assert "No Label values" not in message
