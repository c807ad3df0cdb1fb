"""Predicted labels (SPEC §5.3) and score vectors (§5.4) from parsed model outputs."""

from __future__ import annotations

import pytest

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
