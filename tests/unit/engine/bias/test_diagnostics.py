"""Configurations that Clarify reads in a surprising way: the numbers stay Clarify's, and the run says what it read,
what it found and what to change (reference §3.5, §3.6, §4, §16). Each test is one case observed on COMPAS-shaped
data, with the message fragments a user sees asserted and every expected count computed with pandas."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.bias.diagnostics import (
    ValuesNotFound,
    categorical_reading,
    metric_failures,
    percent,
    rows_matching,
    scores_as_labels,
)
from airflow_provider_clarify.engine.bias.encoding import CategoricalEncoder, ContinuousEncoder
from airflow_provider_clarify.engine.bias.profile import ColumnProfile
from tests.unit.engine.bias.reference import metric_values, posttraining, pretraining
from tests.unit.engine.compas_like import ROWS, bias_config, write_compas


def profile_of(name: str, values: list) -> ColumnProfile:
    profile = ColumnProfile(name, cap=1000)
    profile.update(pa.array(values))
    return profile


def run(tmp_path: Path, document: dict, data: Path, name: str = "out") -> tuple[dict, list[str]]:
    warnings: list[str] = []
    analysis = run_analysis(load_config(document), data, tmp_path / name, warnings=warnings)
    return analysis, warnings


def one(warnings: list[str], start: str) -> str:
    matching = [w for w in warnings if w.startswith(start)]
    assert len(matching) == 1, warnings
    return matching[0]


# ------------------------------------------------------------------------ a score named as the predicted label


def test_a_score_named_as_predicted_label_keeps_clarifys_numbers_and_warns(tmp_path):
    data, frame = write_compas(tmp_path)
    document = bias_config(
        predicted_label="decile_score", methods={"post_training_bias": {"methods": ["DI", "DPPL"]}}
    )
    analysis, warnings = run(tmp_path, document, data)
    # Clarify's reading: only the score 1 is a positive prediction.
    expected = posttraining(
        frame["race"] == "African-American", frame["two_year_recid"] == 1, frame["decile_score"] == 1
    )
    values = metric_values(analysis["post_training_bias_metrics"], "race")
    assert values == pytest.approx({"DI": expected["DI"], "DPPL": expected["DPPL"]})
    message = one(warnings, "predicted_label: column 'decile_score'")
    ones = int((frame["decile_score"] == 1).sum())
    for fragment in (
        "predicted_label: column 'decile_score' holds 10 distinct values [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] but "
        "label 'two_year_recid' holds [0, 1]",
        f"with label_values_or_threshold [1] only a prediction equal to 1 counts as positive ({ones} of {ROWS} "
        "rows) and every other value ([2, 3, 4, 5, 6, 7, 8, 9, 10]) as negative",
        "map it to the label's values first (e.g. a column that is 1 when decile_score is above your cut-off, "
        "else 0) and name that column in predicted_label",
    ):
        assert fragment in message


def test_predicted_labels_that_use_the_labels_values_give_no_warning(tmp_path):
    data, _ = write_compas(tmp_path)
    document = bias_config(predicted_label="predicted", methods={"post_training_bias": {"methods": ["DI"]}})
    _, warnings = run(tmp_path, document, data)
    assert not [w for w in warnings if w.startswith("predicted_label")]


def test_scores_as_labels_needs_values_the_label_never_takes():
    label = profile_of("y", [0, 1, 1, 0])
    encoder = CategoricalEncoder((1,))
    assert scores_as_labels(label, profile_of("p", [1, 0, 0, 1]), [1], encoder) is None
    assert "holds 3 distinct values [0, 1, 2]" in (
        scores_as_labels(label, profile_of("p", [2, 0, 1, 1]), [1], encoder) or ""
    )
    # No prediction positive at all: the job error speaks, not this warning.
    assert scores_as_labels(label, profile_of("p", [2, 3, 4, 5]), [1], encoder) is None


# ------------------------------------------------------------- one value on a many-valued integer facet


def test_one_value_on_a_many_valued_integer_facet_is_a_category_and_the_warning_says_so(tmp_path):
    data, frame = write_compas(tmp_path)
    document = bias_config(facet=[{"name_or_index": "age", "value_or_threshold": [40]}])
    analysis, warnings = run(tmp_path, document, data)
    y = frame["two_year_recid"] == 1
    values = metric_values(analysis["pre_training_bias_metrics"], "age")
    assert values == pytest.approx({k: pretraining(frame["age"] == 40, y)[k] for k in ("CI", "DPL")})
    equal, above = int((frame["age"] == 40).sum()), int((frame["age"] > 40).sum())
    message = one(warnings, "facet[0].value_or_threshold: [40]")
    for fragment in (
        f"facet[0].value_or_threshold: [40] is read as the category age == 40 ({equal} of {ROWS} rows), not as "
        "a threshold: 'age' is an integer column with 65 distinct values",
        f"categorical when fewer than 5% of its values are distinct (65 of {ROWS} = 3.2%)",
        f"If you meant the threshold age > 40 ({above} rows), list the 42 values above it in "
        "facet[0].value_or_threshold ([41, 42, 43, 44, 45, 46, 47, 48, 49, …, 82])",
        "or store the column as decimals (e.g. 40.0), which Clarify reads as continuous",
    ):
        assert fragment in message


def test_both_fixes_the_warning_offers_give_the_threshold_reading(tmp_path):
    data, frame = write_compas(tmp_path)
    threshold = {k: pretraining(frame["age"] > 40, frame["two_year_recid"] == 1)[k] for k in ("CI", "DPL")}
    listed = bias_config(facet=[{"name_or_index": "age", "value_or_threshold": list(range(41, 83))}])
    analysis, warnings = run(tmp_path, listed, data, "listed")
    assert metric_values(analysis["pre_training_bias_metrics"], "age") == pytest.approx(threshold)
    assert not [w for w in warnings if "is read as the category" in w]
    as_float = tmp_path / "float.csv"
    frame.assign(age=frame["age"].astype(float)).to_csv(as_float, index=False, float_format="%.1f")
    decimals = bias_config(facet=[{"name_or_index": "age", "value_or_threshold": [40]}])
    analysis, warnings = run(tmp_path, decimals, as_float, "float")
    section = analysis["pre_training_bias_metrics"]
    assert (
        section["facets"]["age"][0]["value_or_threshold"] == "(40.0, 82.0]"
    )  # pandas prints the interval in float
    assert metric_values(section, "age") == pytest.approx(threshold)
    assert not [w for w in warnings if "is read as the category" in w]


def test_categorical_reading_only_for_one_number_on_a_many_valued_integer_column():
    ages = profile_of("age", [20 + i % 30 for i in range(1000)])
    encoder = CategoricalEncoder((40,))
    assert categorical_reading("f", ages, [40], encoder) is not None
    assert (
        categorical_reading("f", ages, [40, 41], CategoricalEncoder((40, 41))) is None
    )  # a list: categories
    few = profile_of("grade", [1 + i % 5 for i in range(1000)])
    assert categorical_reading("f", few, [3], CategoricalEncoder((3,))) is None  # few values: a category
    words = profile_of("city", [f"c{i % 30}" for i in range(1000)])
    assert categorical_reading("f", words, ["c3"], CategoricalEncoder(("c3",))) is None


# --------------------------------------------------------------------- label values that never occur


def test_a_label_value_that_never_occurs_is_blamed_on_label_values_or_threshold(tmp_path):
    data, _ = write_compas(tmp_path)
    document = bias_config(
        label_values_or_threshold=["yes"],
        predicted_label="predicted",
        methods={"post_training_bias": {"methods": ["DI"]}},
    )
    with pytest.raises(AnalysisError) as caught:
        run(tmp_path, document, data)
    reason = caught.value.reason
    assert reason.startswith(
        "label_values_or_threshold: no label and no prediction is positive for ['yes']: label 'two_year_recid' "
        "holds [0, 1] and predicted_label column 'predicted' holds [0, 1]"
    )
    assert "give the positive label value(s) as they appear in the label column; did you mean [1]?" in reason
    assert "No Label values are present in the predicted Label Column" in reason  # Clarify's words kept
    assert not (tmp_path / "out" / "analysis.json").exists()


def test_a_label_value_that_never_occurs_in_pre_training_warns_with_did_you_mean(tmp_path):
    data, _ = write_compas(tmp_path)
    analysis, warnings = run(tmp_path, bias_config(label_values_or_threshold=["yes"]), data)
    message = one(warnings, "label_values_or_threshold: no row of label column 'two_year_recid'")
    assert "is positive for ['yes'] (label values seen: [0, 1])" in message
    assert message.endswith("; did you mean [1]?")
    assert isinstance(message, ValuesNotFound)
    # Clarify computes on with no positive label: DPL is 0 - 0.
    assert metric_values(analysis["pre_training_bias_metrics"], "race")["DPL"] == 0.0


def test_predictions_without_a_positive_while_labels_have_one_blame_the_predicted_label(tmp_path):
    data, frame = write_compas(tmp_path)
    frame.assign(predicted=frame["decile_score"] + 10).to_csv(data, index=False)
    document = bias_config(predicted_label="predicted", methods={"post_training_bias": {"methods": ["DI"]}})
    with pytest.raises(AnalysisError) as caught:
        run(tmp_path, document, data)
    reason = caught.value.reason
    assert reason.startswith("predicted_label: No Label values are present in the predicted Label Column")
    assert "predicted_label column 'predicted' holds [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]" in reason
    assert "none of them in label_values_or_threshold [1] (label 'two_year_recid' holds [0, 1])" in reason


# ------------------------------------------------------------------------------ facet values not found


def test_a_facet_value_that_does_not_occur_gets_did_you_mean(tmp_path):
    data, _ = write_compas(tmp_path)
    document = bias_config(facet=[{"name_or_index": "race", "value_or_threshold": ["African American"]}])
    analysis, warnings = run(tmp_path, document, data)
    message = one(warnings, "facet[0].value_or_threshold: no row of facet column 'race'")
    assert (
        "has value(s) ['African American'] (values seen: ['African-American', 'Caucasian', 'Hispanic', "
        "'Other']); facet d is empty and its metrics are errors; did you mean ['African-American']?"
    ) in message
    errors = {
        m["name"]: m["error"] for m in analysis["pre_training_bias_metrics"]["facets"]["race"][0]["metrics"]
    }
    # each failed metric is a warning too, in the one wording results use (reference §10.2)
    assert (
        f"CI failed for facet race=African American: {errors['CI']} (its value is null in analysis.json)"
        in (warnings)
    )
    assert len([w for w in warnings if " failed for facet " in w]) == 2


def test_metric_failures_list_each_failed_entry():
    section = {
        "facets": {
            "g": [
                {"value_or_threshold": "a", "metrics": [{"name": "CI", "value": 0.1}]},
                {"value_or_threshold": "b", "metrics": [{"name": "CDDL", "value": None, "error": "boom"}]},
            ]
        }
    }
    assert list(metric_failures(section)) == [
        "CDDL failed for facet g=b: boom (its value is null in analysis.json)"
    ]


def test_rows_matching_counts_rows_not_values():
    profile = profile_of("g", ["a", "b", "a", "c", "a"])
    assert rows_matching(profile, CategoricalEncoder(("a", "c"))) == 4
    numbers = profile_of("x", [1.0, 5.0, 9.0, 9.0])
    assert rows_matching(numbers, ContinuousEncoder((4.0, 9.0))) == 3
    capped = ColumnProfile("x", cap=1)
    capped.update(pa.array([1, 2, 3]))
    assert rows_matching(capped, CategoricalEncoder((1,))) is None


def test_group_variable_failures_are_counted_warnings(tmp_path):
    data, _ = write_compas(tmp_path)
    analysis, warnings = run(
        tmp_path, bias_config(methods={"pre_training_bias": {"methods": ["CDDL"]}}), data
    )
    (entry,) = analysis["pre_training_bias_metrics"]["facets"]["race"][0]["metrics"]
    assert entry["value"] is None
    assert warnings == [
        f"CDDL failed for facet race=African-American: {entry['error']} (its value is null in analysis.json)"
    ]


def test_a_config_that_means_what_it_says_gives_no_warning(tmp_path):
    data, frame = write_compas(tmp_path)
    plain = bias_config(facet=[{"name_or_index": "sex", "value_or_threshold": ["Female"]}])
    analysis, warnings = run(tmp_path, plain, data)
    expected = pretraining(frame["sex"] == "Female", frame["two_year_recid"] == 1)
    assert metric_values(analysis["pre_training_bias_metrics"], "sex") == pytest.approx(
        {k: expected[k] for k in ("CI", "DPL")}
    )
    assert warnings == []


def test_shares_are_shown_so_they_compare_with_five_percent():
    assert [percent(share) for share in (0.0325, 0.05, 0.001, 65 / 1_000_000)] == [
        "3.2%",
        "5.0%",
        "0.1%",
        "0.0065%",
    ]


def test_model_predictions_that_never_use_the_labels_values_say_how_to_map_them(tmp_path):
    """reference §5.3: a single score becomes 0/1, which a word-valued label never equals."""
    data, _ = write_compas(tmp_path, rows=100)
    document = bias_config(
        label="sex",
        label_values_or_threshold=["Female"],
        excluded_columns=["race"],
        methods={"post_training_bias": {"methods": ["DI"]}},
    )
    with pytest.raises(AnalysisError) as caught:
        run_analysis(
            load_config(document),
            data,
            tmp_path / "out",
            predictor=lambda body: b"0.9\n" * len(body.splitlines()),
        )
    reason = caught.value.reason
    assert reason.startswith("predicted_label: No Label values are present in the predicted Label Column")
    assert (
        "the model's predicted labels hold [1], none of them in label_values_or_threshold ['Female']"
        in reason
    )
    assert reason.endswith("set predictor.label_headers or a label output")
