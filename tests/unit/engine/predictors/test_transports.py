"""In-process models without a text round trip, the column order a scikit-learn model declares
(feature_names_in_), and the concurrency bound of the model client."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from airflow_provider_clarify.config import AnalysisConfig, load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.predictors import (
    InvocationSettings,
    ModelInvoker,
    PredictorConfigError,
    RequestSerializer,
    ResponseParser,
    build_model,
)
from airflow_provider_clarify.engine.predictors.transports import (
    EstimatorTransport,
    typed_frame,
    typed_input_kind,
)
from tests.unit.engine.compas_like import bias_config, write_compas

RECORDS = pd.DataFrame(
    {
        "age": [25, 38, 52, 61, 19, 44, 33, 70],
        "income": [1.5, 2.25, np.nan, 0.1, 3.3333333333333335, 1e-7, 12345.678, 0.0],
        "city": ["Lyon", "Paris", "Nice", None, "Paris", "Lyon", "Nice", "Paris"],
        "flag": [True, False, True, True, False, False, True, False],
    }
)
TARGET = [0, 1, 1, 0, 0, 1, 1, 0]


def _config(predictor: dict[str, object]) -> AnalysisConfig:
    return load_config({"dataset_type": "text/csv", "methods": {"shap": {}}, "predictor": predictor})


def _pipeline():
    return make_pipeline(
        make_column_transformer(
            (SimpleImputer(), ["age", "income"]),
            (make_pipeline(SimpleImputer(strategy="constant", fill_value="?"), OneHotEncoder()), ["city"]),
            ("passthrough", ["flag"]),
        ),
        LogisticRegression(),
    ).fit(RECORDS, TARGET)


def test_typed_and_text_paths_give_identical_scores():
    """The same estimator behind the text/csv wire (body written, parsed back) and typed: the same bits."""
    estimator = _pipeline()
    names = list(RECORDS.columns)
    transport = EstimatorTransport(estimator, names, "pipeline")
    transport.dtypes = {"city": str}
    invoker = ModelInvoker(
        RequestSerializer("text/csv", names),
        ResponseParser("text/csv"),
        transport,
        InvocationSettings(batch_size=3),
    )
    records = RECORDS.astype(object).where(RECORDS.notna(), None).to_numpy().tolist()
    text = np.concatenate(invoker.invoke_batches(records, invoker.parser.parse_numeric_csv))
    typed = transport.predict_array(RECORDS)
    np.testing.assert_array_equal(typed, text)
    model = build_model(_config({"probability": 1}), predictor=estimator)
    np.testing.assert_array_equal(model.predict_scores(RECORDS)[:, 0], text[:, 1])
    assert model.predict_labels(RECORDS).tolist() == [int(p > 0.5) for p in text[:, 1]]


def test_typed_frame_is_what_the_csv_reader_would_give():
    frame = pd.DataFrame(
        {
            0: [1, 2],
            1: pd.array([1, None], dtype="Int64"),
            2: [7, "x"],  # mixed object column: strings, as CSV would make them
            3: pd.Categorical(["u", "v"]),
        }
    )
    typed = typed_frame(frame, ["n", "nullable", "mixed", "category"])
    assert list(typed.columns) == ["n", "nullable", "mixed", "category"]
    assert typed["n"].dtype == np.int64
    assert typed["nullable"].dtype == np.float64 and np.isnan(typed["nullable"][1])
    assert typed["mixed"].tolist() == ["7", "x"]
    assert typed["category"].tolist() == ["u", "v"]


def takes_a_frame(records: pd.DataFrame) -> np.ndarray:
    seen.append(records)
    return records["age"].to_numpy() / 100


def takes_an_array(records: np.ndarray) -> list[float]:
    seen.append(records)
    return [0.25] * len(records)


def takes_a_body(body):
    return b"\n".join(b"0.5" for _ in body.splitlines())


seen: list[object] = []


def test_annotated_callables_get_typed_records_others_the_request_body():
    assert typed_input_kind(takes_a_frame) == "frame"
    assert typed_input_kind(takes_an_array) == "array"
    assert typed_input_kind(takes_a_body) is None
    config = _config({})
    seen.clear()
    scores = build_model(config, predictor=takes_a_frame).predict_scores(RECORDS)
    np.testing.assert_allclose(scores[:, 0], RECORDS["age"] / 100)
    assert isinstance(seen[0], pd.DataFrame) and list(seen[0].columns) == list(RECORDS.columns)
    assert build_model(config, predictor=takes_an_array).predict_scores(RECORDS)[:, 0].tolist() == [0.25] * 8
    assert isinstance(seen[1], np.ndarray) and seen[1].shape == (8, 4)
    assert build_model(config, predictor=takes_a_body).predict_scores(RECORDS)[:, 0].tolist() == [0.5] * 8


def test_a_typed_callable_returning_the_wrong_count_is_named():
    def short(records: pd.DataFrame) -> list[float]:
        return [0.5]

    model = build_model(_config({}), predictor=short)
    with pytest.raises(Exception, match=r"returned outputs of shape \(1, 1\) for 8 records"):
        model.predict_scores(RECORDS)


class _InFlight:
    """A remote-looking transport that records how many requests it serves at once."""

    description = "slow model"
    remote = True

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current = 0
        self.peak = 0

    def invoke(self, body, content_type, accept_type):
        with self.lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
        time.sleep(0.01)
        with self.lock:
            self.current -= 1
        return b"\n".join(line.split(b",")[0] for line in body.split(b"\n"))


def test_overlapping_calls_stay_within_max_concurrency():
    transport = _InFlight()
    invoker = ModelInvoker(
        RequestSerializer("text/csv", ["a", "b"]),
        ResponseParser("text/csv"),
        transport,
        InvocationSettings(batch_size=2, max_concurrency=3),
    )
    results: dict[int, list] = {}

    def call(slot: int) -> None:
        results[slot] = invoker.invoke([[slot * 100 + i, 0] for i in range(40)])

    threads = [threading.Thread(target=call, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert transport.peak == 3  # 3 calls × up to 3 workers each, but never more than 3 requests at once
    for slot in range(3):
        assert [o.raw for o in results[slot]] == [slot * 100 + i for i in range(40)]


class _Labeller:
    """An estimator whose predict returns strings (some of them look like numbers)."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.where(frame["age"] > 40, "yes", np.where(frame["age"] > 30, "1", "no")).astype(object)


def test_non_numeric_outputs_are_read_as_their_csv_text_would_be():
    names = list(RECORDS.columns)
    transport = EstimatorTransport(_Labeller(), names, "labeller")
    parser = ResponseParser("text/csv", label=0)
    body = RequestSerializer("text/csv", names).serialize(
        RECORDS.astype(object).where(RECORDS.notna(), None).to_numpy().tolist()
    )
    text = [
        output.label for output in parser.parse(transport.invoke(body, "text/csv", "text/csv"), len(RECORDS))
    ]
    model = build_model(_config({"label": 0}), predictor=_Labeller())
    typed = model.predict_labels(RECORDS).tolist()
    assert typed == text == ["no", 1, "yes", "yes", "no", "yes", 1, "yes"]  # "1" reads as the number 1


# ----------------------------------------------------------------------------- declared column order


def fitted(columns: list[str]) -> LinearRegression:
    """y = 3 a + 5 b + 1 exactly, fitted on a frame whose columns come in ``columns`` order."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    return LinearRegression().fit(frame[columns], 3 * frame["a"] + 5 * frame["b"] + 1)


def test_records_reach_the_estimator_in_its_declared_order():
    transport = EstimatorTransport(fitted(["b", "a"]), ["a", "b"], "in-process model LinearRegression")
    transport.follow_declared_order()
    assert transport.model_order == ["b", "a"]
    # the request keeps the dataset order (a, b); the estimator gets its columns by name
    answer = transport.invoke(b"1,2\n0,0\n", "text/csv", "text/csv").decode().splitlines()
    assert [float(line) for line in answer] == pytest.approx([3 * 1 + 5 * 2 + 1, 1.0])


def test_an_estimator_without_declared_names_or_in_the_same_order_is_fed_as_is():
    same = EstimatorTransport(fitted(["a", "b"]), ["a", "b"], "m")
    same.follow_declared_order()
    assert same.model_order is None
    rng = np.random.default_rng(1)
    unnamed = EstimatorTransport(
        LinearRegression().fit(rng.normal(size=(9, 2)), rng.normal(size=9)), ["a", "b"], "m"
    )
    unnamed.follow_declared_order()
    assert unnamed.model_order is None


def test_declared_names_that_are_not_the_model_features_are_an_error_naming_them():
    transport = EstimatorTransport(fitted(["b", "a"]), ["A", "b", "c"], "in-process model LinearRegression")
    with pytest.raises(PredictorConfigError) as caught:
        transport.follow_declared_order()
    message = str(caught.value)
    assert message.startswith(
        "predictor: in-process model LinearRegression was fitted with the features ['b', 'a'] (feature_names_in_), "
        "but the model features of this dataset are ['A', 'b', 'c']"
    )
    assert (
        "Missing from the data: ['a']; not known to the model: ['A', 'c']; for 'a' did you mean 'A'?"
        in message
    )
    assert message.endswith(
        "Rename the columns, or list the ones the model does not take in excluded_columns"
    )


# ------------------------------------------------------------------------------------- through run_analysis


def test_a_model_fitted_with_another_column_order_gets_its_order_and_nothing_is_lost(tmp_path, caplog):
    data, frame = write_compas(tmp_path, rows=200)
    frame = frame[["age", "priors_count", "race", "two_year_recid", "predicted"]]
    frame.to_csv(data, index=False)
    target = 0.5 * frame["age"] + 2 * frame["priors_count"]
    model = LinearRegression().fit(frame[["priors_count", "age"]], target)  # the other order
    document = bias_config(
        predicted_label="predicted",
        excluded_columns=["race"],
        methods={
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": {"baseline": [[30, 5]], "num_samples": 10, "seed": 0},
        },
    )
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    analysis = run_analysis(load_config(document), data, tmp_path / "out", predictor=model)
    assert analysis["post_training_bias_metrics"]["facets"]["race"][0]["metrics"][0]["name"] == "DPPL"
    (target_name,) = analysis["explanations"]["kernel_shap"]
    # A linear model against one baseline row: φ_j = w_j (x_j − b_j), averaged in absolute value.
    expected = {
        "age": float(np.mean(np.abs(0.5 * (frame["age"] - 30)))),
        "priors_count": float(np.mean(np.abs(2 * (frame["priors_count"] - 5)))),
    }
    assert analysis["explanations"]["kernel_shap"][target_name]["global_shap_values"] == pytest.approx(
        expected
    )
    assert "declares its input order (feature_names_in_)" in caplog.text


def test_a_mismatch_fails_before_any_row_is_read(tmp_path, caplog):
    data, frame = write_compas(tmp_path, rows=200)
    fitted_on = frame[["priors_count"]].assign(Age=frame["age"])  # a column spelt differently
    model = LinearRegression().fit(fitted_on, frame["two_year_recid"])
    document = bias_config(
        predicted_label="predicted",
        excluded_columns=["id", "sex", "race", "decile_score"],
        methods={"post_training_bias": {"methods": ["DPPL"]}, "shap": {"baseline": [[30, 5]]}},
    )
    caplog.set_level(logging.INFO, logger="airflow_provider_clarify.engine")
    with pytest.raises(AnalysisError) as caught:
        run_analysis(load_config(document), data, tmp_path / "out", predictor=model)
    assert caught.value.reason.startswith(
        "predictor: in-process model LinearRegression was fitted with the features ['priors_count', 'Age']"
    )
    assert "; for 'Age' did you mean 'age'?" in caught.value.reason
    assert "Read " not in caplog.text  # no data row was streamed: the bias section never started
