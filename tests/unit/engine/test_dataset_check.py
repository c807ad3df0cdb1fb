"""check_dataset (``config validate --dataset``): the config against the data's header and first rows, without
running the analysis. Expected counts come from pandas over the frame the test wrote."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import DatasetCheck, check_dataset
from tests.unit.engine.compas_like import ROWS, bias_config, compas_frame, write_compas


def checked(
    tmp_path, sample_rows: int | None = None, header: bool = True, **fields
) -> tuple[DatasetCheck, object]:
    data, frame = write_compas(tmp_path, header=header)
    return check_dataset(load_config(bias_config(**fields)), data, sample_rows=sample_rows), frame


def test_a_config_that_fits_states_how_each_column_is_read(tmp_path):
    check, frame = checked(tmp_path, facet=[{"name_or_index": "race", "value_or_threshold": ["African-American"]},
                                            {"name_or_index": "sex"}])  # fmt: skip
    assert check.ok and check.complete and check.rows_read == ROWS
    assert check.errors == [] and check.warnings == []
    positive = int((frame["two_year_recid"] == 1).sum())
    d = int((frame["race"] == "African-American").sum())
    assert check.readings == [
        "model features, in the order a model receives them: ['id', 'sex', 'age', 'race', 'priors_count', "
        "'decile_score', 'predicted']",
        f"label 'two_year_recid': integer column, 2 distinct values, 0.1% of {ROWS} rows; read as categorical, "
        f"because fewer than 5% of its values are distinct; positive = value in [1]: {positive} of {ROWS} rows "
        "positive",
        f"facet[0] 'race': text column, 4 distinct values, 0.2% of {ROWS} rows; read as categorical, because it is "
        f"a text column; facet d = race in ['African-American']: {d} of {ROWS} rows",
        f"facet[1] 'sex': text column, 2 distinct values, 0.1% of {ROWS} rows; no value_or_threshold: one-vs-rest "
        "over 2 values ['Female', 'Male']",
    ]
    assert check.lines()[0].startswith("reading: model features")


def test_a_score_named_as_predicted_label_is_a_warning(tmp_path):
    check, frame = checked(
        tmp_path, predicted_label="decile_score", methods={"post_training_bias": {"methods": ["DI"]}}
    )
    assert check.ok
    (warning,) = check.warnings
    assert warning.startswith(
        "predicted_label: column 'decile_score' holds 10 distinct values [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] but "
        "label 'two_year_recid' holds [0, 1]"
    )
    ones = int((frame["decile_score"] == 1).sum())
    assert (
        f"predicted_label 'decile_score': integer column, 10 distinct values, 0.5% of {ROWS} rows; {ones} of "
        f"{ROWS} rows predicted positive"
    ) in check.readings
    assert check.lines()[-1] == f"WARNING: {warning}"


def test_the_categorical_reading_of_a_numeric_facet_is_stated_and_warned(tmp_path):
    check, frame = checked(tmp_path, facet=[{"name_or_index": "age", "value_or_threshold": [40]}])
    assert check.ok
    equal = int((frame["age"] == 40).sum())
    assert (
        f"facet[0] 'age': integer column, 65 distinct values, 3.2% of {ROWS} rows; read as categorical, because "
        f"fewer than 5% of its values are distinct; facet d = age in [40]: {equal} of {ROWS} rows"
    ) in check.readings
    (warning,) = check.warnings
    assert warning.startswith("facet[0].value_or_threshold: [40] is read as the category age == 40")


def test_a_continuous_facet_reading_names_its_interval(tmp_path):
    data, frame = write_compas(tmp_path)
    frame.assign(age=frame["age"].astype(float)).to_csv(data, index=False, float_format="%.1f")
    document = bias_config(facet=[{"name_or_index": "age", "value_or_threshold": [40]}])
    check = check_dataset(load_config(document), data)
    above = int((frame["age"] > 40).sum())
    assert (
        f"facet[0] 'age': float column, 65 distinct values, 3.2% of {ROWS} rows; read as continuous, because it is "
        f"a float column; facet d = age > 40 (the interval (40.0, 82.0]): {above} of {ROWS} rows"
    ) in check.readings


def test_label_and_facet_values_that_never_occur_are_errors_with_did_you_mean(tmp_path):
    check, _ = checked(
        tmp_path,
        label_values_or_threshold=["yes"],
        facet=[{"name_or_index": "race", "value_or_threshold": ["African American"]}],
    )
    assert not check.ok and check.warnings == []
    label, facet = check.errors
    assert label.startswith("label_values_or_threshold: no row of label column 'two_year_recid' is positive")
    assert label.endswith("did you mean [1]?")
    assert facet.startswith("facet[0].value_or_threshold: no row of facet column 'race'")
    assert facet.endswith("did you mean ['African-American']?")


def test_predictions_that_are_never_positive_are_an_error(tmp_path):
    data, frame = write_compas(tmp_path)
    frame.assign(predicted=0).to_csv(data, index=False)
    document = bias_config(predicted_label="predicted", methods={"post_training_bias": {"methods": ["DI"]}})
    check = check_dataset(load_config(document), data)
    (error,) = check.errors
    assert error.startswith("predicted_label: No Label values are present in the predicted Label Column")
    assert "predicted_label column 'predicted' holds [0]" in error


def test_every_misnamed_column_is_listed_at_once(tmp_path):
    check, _ = checked(
        tmp_path, facet=[{"name_or_index": "Race"}], excluded_columns=["ID"], group_variable="Sex"
    )
    assert [error.split(":")[0] for error in check.errors] == [
        "facet[0].name_or_index",
        "group_variable",
        "excluded_columns[0]",
    ]
    assert [error.rsplit("; ", 1)[-1] for error in check.errors] == [
        "did you mean 'race'?",
        "did you mean 'sex'?",
        "did you mean 'id'?",
    ]
    assert check.rows_read == 0  # nothing beyond the header was read
    assert check.readings == [f"columns of the data: {list(compas_frame().columns)}"]


def test_a_header_less_csv_gets_the_hint_to_set_headers(tmp_path):
    check, _ = checked(tmp_path, header=False)
    assert len(check.errors) == 2  # the label and the facet
    assert all("The data has no header row" in error and "set headers" in error for error in check.errors)
    fixed = check_dataset(
        load_config(bias_config(headers=list(compas_frame().columns))), tmp_path / "compas_noheader.csv"
    )
    assert fixed.ok


def test_a_predicted_label_dataset_without_predicted_label(tmp_path):
    data, frame = write_compas(tmp_path)
    frame[["id", "decile_score"]].to_csv(tmp_path / "scores.csv", index=False)
    frame.drop(columns=["decile_score"]).to_csv(data, index=False)
    document = bias_config(
        predicted_label_dataset_uri=str(tmp_path / "scores.csv"),
        joinsource_name_or_index="id",
        methods={"post_training_bias": {"methods": ["DI"]}},
    )
    (error,) = check_dataset(load_config(document), data).errors
    assert error.startswith("predicted_label: not set, so the predicted-label column is the one named")
    assert error.endswith("set predicted_label to the name or index of the column that holds the predictions; "
                          "here that is probably 'decile_score'")  # fmt: skip


def test_only_the_sample_is_read_and_the_check_says_so(tmp_path):
    check, frame = checked(tmp_path, sample_rows=300)
    assert (check.rows_read, check.complete) == (300, False)
    positive = int((frame["two_year_recid"].head(300) == 1).sum())
    assert any(f"{positive} of 300 rows positive" in reading for reading in check.readings)
    assert check.readings[-1].startswith("only the first 300 rows were read")


def test_predictions_from_a_model_are_not_checked(tmp_path):
    document = bias_config(
        methods={"post_training_bias": {"methods": ["DI"]}}, predictor={"endpoint_name": "scores"}
    )
    data, _ = write_compas(tmp_path)
    check = check_dataset(load_config(document), data)
    assert check.ok
    assert "predicted labels come from the model: not checked (no model is called)" in check.readings


@pytest.mark.parametrize("content", ["", "a,b\n"])
def test_an_empty_dataset_is_an_error(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    check = check_dataset(load_config(bias_config(label="a", facet=[{"name_or_index": "b"}])), path)
    assert not check.ok and "empty" in check.errors[0]


def test_no_dataset_is_an_error():
    check = check_dataset(load_config(bias_config()))
    assert check.errors == ["dataset_uri: no dataset given; pass the dataset to check or set dataset_uri"]
