"""In-process models without a text round trip (estimators, and callables unless they declare they want the request
body), the column order a scikit-learn model declares (feature_names_in_), and the concurrency bound of the model
client."""

from __future__ import annotations

import io
import logging
import threading
import time
from pathlib import Path

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
    CallableTransport,
    InvocationSettings,
    ModelInvocationError,
    ModelInvoker,
    PredictorConfigError,
    RequestSerializer,
    ResponseParser,
    build_model,
)
from airflow_provider_clarify.engine.predictors.transports import (
    EstimatorTransport,
    TypedCallableTransport,
    callable_input_kind,
    typed_frame,
)
from tests.unit.engine import model_fixtures
from tests.unit.engine.compas_like import bias_config, write_compas

REPO = Path(__file__).resolve().parents[4]

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


def takes_anything(records):
    seen.append(records)
    return records["age"].to_numpy() / 100


def takes_an_array(records: np.ndarray) -> list[float]:
    seen.append(records)
    return [0.25] * len(records)


def takes_bytes(request: bytes) -> bytes:
    seen.append(request)
    return b"\n".join(b"0.5" for _ in request.splitlines())


def takes_text(request: str) -> str:
    seen.append(request)
    return "\n".join("0.75" for _ in request.splitlines())


def takes_a_body(body):
    seen.append(body)
    return b"\n".join(b"0.5" for _ in body.splitlines())


def named_body_but_typed(body: pd.DataFrame) -> np.ndarray:
    return body["age"].to_numpy() / 100


class BodyReader:
    """A callable object: its ``__call__`` declares what it takes, as a function's first parameter does."""

    def __call__(self, payload: bytes) -> bytes:
        return b"\n".join(b"0.5" for _ in payload.splitlines())


seen: list[object] = []


def test_what_a_callable_receives_is_what_its_first_parameter_declares():
    assert callable_input_kind(takes_a_frame) == "frame"
    assert callable_input_kind(takes_anything) == "frame"  # the default: typed records
    assert callable_input_kind(lambda records: records) == "frame"
    assert callable_input_kind(takes_an_array) == "array"
    assert callable_input_kind(takes_bytes) == "bytes"
    assert callable_input_kind(takes_text) == "str"
    assert callable_input_kind(takes_a_body) == "bytes"  # unannotated, named body
    assert callable_input_kind(lambda body: body) == "bytes"
    assert callable_input_kind(named_body_but_typed) == "frame"  # an annotation wins over the name
    assert callable_input_kind(BodyReader()) == "bytes"
    assert callable_input_kind(len) == "frame"  # a builtin: no declaration to read


def test_callables_get_typed_records_by_default_and_the_body_when_they_declare_it():
    config = _config({})
    seen.clear()
    scores = build_model(config, predictor=takes_anything).predict_scores(RECORDS)
    np.testing.assert_allclose(scores[:, 0], RECORDS["age"] / 100)
    pd.testing.assert_frame_equal(seen[-1], typed_frame(RECORDS, list(RECORDS.columns)))
    build_model(config, predictor=takes_a_frame).predict_scores(RECORDS)
    assert isinstance(seen[-1], pd.DataFrame) and list(seen[-1].columns) == list(RECORDS.columns)
    assert build_model(config, predictor=takes_an_array).predict_scores(RECORDS)[:, 0].tolist() == [0.25] * 8
    assert isinstance(seen[-1], np.ndarray) and seen[-1].shape == (8, 4)
    assert build_model(config, predictor=takes_bytes).predict_scores(RECORDS)[:, 0].tolist() == [0.5] * 8
    assert isinstance(seen[-1], bytes) and seen[-1].startswith(b"25,1.5,Lyon,")
    assert build_model(config, predictor=takes_text).predict_scores(RECORDS)[:, 0].tolist() == [0.75] * 8
    assert isinstance(seen[-1], str) and seen[-1].startswith("25,1.5,Lyon,")
    assert build_model(config, predictor=takes_a_body).predict_scores(RECORDS)[:, 0].tolist() == [0.5] * 8
    assert isinstance(seen[-1], bytes)
    assert build_model(config, predictor=BodyReader()).predict_scores(RECORDS)[:, 0].tolist() == [0.5] * 8


def test_the_document_form_follows_the_same_declaration():
    """``predictor.local_predictor: "module:callable"``: an unannotated function gets typed records, one that
    declares the body (annotated bytes, or named body) gets the CSV body; all three score alike."""
    frame = pd.DataFrame({"x1": [1, 4, 9], "x2": [0.5, 2.0, 7.25]})
    expected = ((frame["x1"] + frame["x2"]) / 10).tolist()
    model_fixtures.frame_sum_model.seen.clear()
    for name, transport_type in (
        ("frame_sum_model", TypedCallableTransport),
        ("csv_sum_model", CallableTransport),
        ("body_named_sum_model", CallableTransport),
    ):
        config = _config({"local_predictor": f"tests.unit.engine.model_fixtures:{name}"})
        model = build_model(config)
        assert model.predict_scores(frame)[:, 0].tolist() == pytest.approx(expected, abs=1e-15)
        (invoker,) = model._invokers.values()
        assert type(invoker.transport) is transport_type
    (received,) = model_fixtures.frame_sum_model.seen
    assert isinstance(received, pd.DataFrame) and list(received.columns) == ["x1", "x2"]


def test_a_body_function_given_typed_records_fails_with_how_to_declare_the_body():
    def legacy(request):  # reads the body, but does not say so
        return "\n".join("0.5" for _ in request.decode().splitlines())

    model = build_model(_config({}), predictor=legacy)
    with pytest.raises(ModelInvocationError) as caught:
        model.predict_scores(RECORDS)
    message = str(caught.value)
    assert (
        "in-process callable legacy failed on 8 records given as a pandas.DataFrame: AttributeError"
        in message
    )
    assert message.endswith(
        "declares it with its first parameter: annotated `bytes` (or `str`), or named `body`"
    )


def test_a_typed_callables_own_failure_is_not_reworded():
    def down(records):
        raise RuntimeError("the model is down")

    with pytest.raises(RuntimeError, match=r"^the model is down$"):
        build_model(_config({}), predictor=down).predict_scores(RECORDS)


def test_a_str_body_callable_gets_the_utf8_text():
    received: list[str] = []

    def answer(request: str) -> str:
        received.append(request)
        return "0.5"

    transport = CallableTransport(answer, "answer", "str")
    assert transport.invoke("Zürich,1".encode(), "text/csv", "text/csv") == b"0.5"
    assert received == ["Zürich,1"]


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


# ------------------------------------------------------------------- typed records and the text body agree


def _score(frame: pd.DataFrame) -> np.ndarray:
    """A model written once for both paths: numbers through log1p, strings by their length, missing values as a
    constant; a logistic link. The typed path hands it the frame; the text path parses the CSV body into one."""
    logit = np.zeros(len(frame))
    for position, (_, column) in enumerate(frame.items()):
        weight = 0.1 * (position + 1) * (-1) ** position
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            values = np.log1p(np.abs(column.astype(float).to_numpy()))
            logit += weight * np.where(np.isnan(values), -1.0, values)
        else:
            logit += weight * np.array([-1.0 if pd.isna(v) else len(str(v)) % 4 for v in column])
    return 1 / (1 + np.exp(1 - logit))


def _model_pair(columns: list[str], strings: list[str]):
    def typed_model(records):
        return _score(records)

    def text_model(body: bytes) -> str:
        frame = pd.read_csv(
            io.BytesIO(body),
            header=None,
            names=columns,
            dtype=dict.fromkeys(strings, str),
            keep_default_na=False,
            na_values={name: [""] for name in columns},
        )
        return "\n".join(map(repr, _score(frame).tolist()))

    return typed_model, text_model


def _run_both(tmp_path: Path, frame: pd.DataFrame, document: dict, strings: list[str]) -> list[dict]:
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    excluded = [document["label"], *document.get("excluded_columns", [])]
    columns = [name for name in frame.columns if name not in excluded]
    typed_model, text_model = _model_pair(columns, strings)
    outputs = []
    for name, model in (("typed", typed_model), ("text", text_model)):
        analysis = run_analysis(load_config(document), data, tmp_path / name, predictor=model)
        local = (tmp_path / name / "explanations_shap" / "out.csv").read_bytes()
        outputs.append({"analysis": analysis, "local": local})
    return outputs


def _without_run_details(analysis: dict) -> dict:
    return {key: value for key, value in analysis.items() if key not in ("version", "run")}


def test_typed_and_text_callables_give_identical_results_on_adult(tmp_path):
    """The full UCI Adult shipped in sample_data (strings, '?' values, large integers): Kernel SHAP and
    post-training bias with the same model function behind typed records and behind the CSV body."""
    adult = pd.read_csv(REPO / "sample_data" / "uci-adult" / "adult.csv.gz", nrows=150)
    adult["income"] = (adult["income"] == ">50K").astype(int)
    strings = [name for name in adult.columns if not pd.api.types.is_numeric_dtype(adult[name])]
    baseline = adult.drop(columns=["income", "split"]).iloc[[3, 40]].to_numpy().tolist()
    document = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
        "excluded_columns": ["split"],
        "methods": {
            "post_training_bias": {"methods": ["DPPL", "DI"]},
            "shap": {"baseline": baseline, "num_samples": 64, "seed": 3, "save_local_shap_values": True},
        },
        "predictor": {"probability": 0},
    }
    typed, text = _run_both(tmp_path, adult, document, [s for s in strings if s not in ("income", "split")])
    assert typed["local"] == text["local"]
    assert _without_run_details(typed["analysis"]) == _without_run_details(text["analysis"])
    (explained,) = typed["analysis"]["explanations"]["kernel_shap"].values()
    values = explained["global_shap_values"]
    assert len(values) == 14 and min(values.values()) > 0  # every feature moved the score: a real comparison
    assert typed["analysis"]["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"][0]["value"] != 0


def test_typed_and_text_callables_give_identical_results_with_missing_values(tmp_path):
    frame = RECORDS.assign(target=TARGET)
    document = {
        "dataset_type": "text/csv",
        "label": "target",
        "methods": {
            "shap": {
                "baseline": [[40, 0.5, "Nice", "False"]],
                "num_samples": 14,
                "seed": 0,
                "save_local_shap_values": True,
            }
        },
        "predictor": {"probability": 0},
    }
    typed, text = _run_both(tmp_path, frame, document, ["city"])
    assert typed["local"] == text["local"]
    assert _without_run_details(typed["analysis"]) == _without_run_details(text["analysis"])
    local = pd.read_csv(io.BytesIO(typed["local"]))
    assert (local.abs().sum(axis=0) > 0).all()
