"""``explain_time_series`` as a whole: what it sends to the model (record counts and chunked requests worked out
by hand), what it reports, determinism under ``seed``, the order of items, and the method step a failure names."""

from __future__ import annotations

import json
import logging

import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.errors import AnalysisError
from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.timeseries import RunStatistics, explanation_lines
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    analysis_config,
    nonlinear,
    run_time_series,
    write_dataset,
)

STATIC_BASELINE = {"static_covariates": {"store-1": [0], "store-2": [1], "42": [2]}}


class Counting(Forecaster):
    """The nonlinear forecaster, noting how many records each request carried."""

    def __init__(self) -> None:
        super().__init__(nonlinear)
        self.sizes: list[int] = []

    def __call__(self, body: bytes) -> str:
        self.sizes.append(len(json.loads(body)["instances"]))
        return super().__call__(body)


def explain(tmp_path, model, *, options=None, seed=0, **config_options):
    statistics = RunStatistics()
    dataset = write_dataset(tmp_path, "timestamp_records")
    entry = run_time_series(
        analysis_config(**config_options),
        dataset,
        tmp_path / "out",
        predictor=model,
        options=options,
        statistics=statistics,
        seed=seed,
    )
    lines = list(explanation_lines(entry["asymmetric_shapley_value"]["explanation_results_path"]))
    return lines, statistics


# ITEMS have 4, 3 and 2 time steps (store-1's last step is a known-future step with a related value only).
@pytest.mark.parametrize(
    ("direction", "records"),
    [
        ("chronological", 5 + 4 + 3),  # timewise, one ordering: the N + 1 prefixes of each item
        ("anti_chronological", 5 + 4 + 3),  # the N + 1 suffixes
        ("bidirectional", 8 + 6 + 4),  # prefixes and suffixes share only the empty and the full coalition: 2N
    ],
)
def test_records_sent_per_item_are_the_distinct_coalitions(tmp_path, direction, records):
    model = Counting()
    lines, statistics = explain(tmp_path, model, direction=direction)
    assert model.records == statistics.model_records == records
    assert statistics.items == len(lines) == 3
    assert (statistics.exact_items, statistics.sampled_items) == (3, 0)
    assert statistics.requests == model.calls and statistics.seconds > 0


def test_items_go_to_the_model_in_chunks_of_whole_items(tmp_path):
    # batch_size 2, one request at a time: a chunk holds about 2 × 1 × 4 = 8 records. store-1 needs 5; store-2
    # (4 more) would make 9, so store-1 goes alone: requests of 2, 2, 1. store-2 and item 42 (4 + 3 = 7) go
    # together: 2, 2, 2, 1. A request never mixes the records of two chunks.
    model = Counting()
    explain(tmp_path, model, options=EngineOptions(batch_size=2, max_concurrency=1))
    assert model.sizes == [2, 2, 1, 2, 2, 2, 1]


@pytest.mark.parametrize(
    ("samples", "exact", "sampled", "records"),
    [
        # Blocks per item (statics first, then the cells of each step): store-1 [1, 2, 2, 2, 1], store-2
        # [1, 2, 2, 2], item 42 [1, 2, 2]. Exact needs Σ 2^n − (blocks − 1) coalitions: 12, 11, 8. Sampling k
        # orderings needs k·Σ(n − 1) + blocks + 1: with k = 1 that is 9, 8, 6 (cheaper: sampled); with k = 2 it
        # is 12, 11, 8 (exact is no dearer: exact, 31 records in all).
        (1, 0, 3, None),
        (2, 3, 0, 12 + 11 + 8),
    ],
)
def test_fine_grained_items_are_exact_when_that_is_no_dearer_than_sampling(
    tmp_path, samples, exact, sampled, records
):
    model = Counting()
    _, statistics = explain(
        tmp_path, model, granularity="fine_grained", num_samples=samples, baseline=STATIC_BASELINE
    )
    assert (statistics.exact_items, statistics.sampled_items) == (exact, sampled)
    if records is not None:
        assert statistics.model_records == records


def test_sampled_explanations_depend_only_on_the_seed(tmp_path):
    runs = {}
    for name, seed in (("first", 3), ("again", 3), ("other", 4)):
        (tmp_path / name).mkdir()
        runs[name], _ = explain(
            tmp_path / name,
            Forecaster(nonlinear),
            seed=seed,
            granularity="fine_grained",
            num_samples=1,
            baseline=STATIC_BASELINE,
        )
    assert runs["first"] == runs["again"]
    assert runs["first"] != runs["other"]
    for lines in runs.values():  # offset + Σ scores = forecast whatever the orderings drawn
        for line, item in zip(lines, ITEMS, strict=True):
            observed = [v for v in item.target if v is not None]
            forecast = Forecaster(nonlinear).predict(observed, item.related, item.statics)
            totals = [sum(entry["scores"][h] for entry in line["explanations"]) for h in range(3)]
            assert [o + t for o, t in zip(line["offset"], totals, strict=True)] == pytest.approx(
                forecast.tolist(), abs=1e-9
            )


def test_lines_follow_the_items_first_appearance(tmp_path):
    lines, _ = explain(tmp_path, Forecaster(nonlinear))
    assert [line["item_id"] for line in lines] == ["store-1", "store-2", 42]
    assert [len(line["explanations"]) for line in lines] == [4, 3, 2]


def test_explanation_lines_skips_blank_lines(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"item_id": "a"}\n\n{"item_id": 2}\n')
    assert list(explanation_lines(path)) == [{"item_id": "a"}, {"item_id": 2}]


def test_an_output_folder_and_a_time_series_config_are_required(tmp_path):
    dataset = write_dataset(tmp_path, "timestamp_records")
    with pytest.raises(AnalysisError, match="and an output directory, are required"):
        run_analysis(load_config(analysis_config()), dataset, None, predictor=Forecaster(nonlinear))


# ------------------------------------------------------------------------------------------- method steps
def error_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The engine's ERROR records (other tests may have left INFO records propagating)."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name.startswith("airflow_provider_clarify.engine")
    ]


def test_a_failed_model_call_logs_the_method_and_what_completed(tmp_path, caplog):
    def broken(body: bytes) -> str:
        return "not json"

    dataset = write_dataset(tmp_path, "timestamp_records")
    output = tmp_path / "out"
    earlier = run_analysis(load_config(analysis_config()), dataset, output, predictor=Forecaster(nonlinear))
    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    with pytest.raises(AnalysisError, match="not JSON"):
        run_analysis(load_config(analysis_config()), dataset, output, predictor=broken)
    (line,) = error_lines(caplog)
    assert line.startswith("asymmetric_shapley_value failed: ")
    assert "the model response is not JSON" in line
    assert "Completed before the failure: nothing; not run: nothing. The run fails as a whole" in line
    # the earlier run is still the published one
    assert json.loads((output / "analysis.json").read_text()) == earlier


def test_bad_data_is_reported_before_the_method_starts(tmp_path, caplog):
    dataset = tmp_path / "data.json"
    dataset.write_text(json.dumps([{"item": "a", "time": "someday", "sales": 1.0, "rel0": 0, "stat0": 1}]))
    caplog.set_level(logging.ERROR, logger="airflow_provider_clarify.engine")
    with pytest.raises(AnalysisError, match="'someday' is not a timestamp"):
        run_analysis(
            load_config(analysis_config()), dataset, tmp_path / "out", predictor=Forecaster(nonlinear)
        )
    assert error_lines(caplog) == []
