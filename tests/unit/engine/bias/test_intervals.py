"""Bootstrap and analytic intervals on contingency tables: settings, the record of ±∞/undefined replicates,
determinism, BCa against an independent row-level computation, and the Newcombe routing.

Exactness against the enumerated sampling distribution is in test_intervals_exact.py, coverage in
test_intervals_coverage.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from airflow_provider_clarify.config.errors import ClarifyConfigError
from airflow_provider_clarify.engine.bias.intervals import (
    INTERVAL_METRICS,
    IntervalSettings,
    ReplicateSummary,
    compute_intervals,
    jackknife_acceleration,
    leave_one_out_counts,
    replicate_tables,
    resample_counts,
)
from airflow_provider_clarify.engine.bias.metric_values import evaluated
from airflow_provider_clarify.engine.bias.posttraining import (
    POST_TRAINING_BATCH_FUNCTIONS,
    POST_TRAINING_FUNCTIONS,
)
from airflow_provider_clarify.engine.bias.pretraining import PRE_TRAINING_BATCH_FUNCTIONS
from airflow_provider_clarify.engine.bias.proportions import newcombe_interval
from airflow_provider_clarify.engine.bias.tables import LabelTable, PredictionTable

from .formulas import posttraining


def prediction_table(cells: dict[tuple[int, int, int], int], has_group: bool = False) -> PredictionTable:
    """cells[(d, y, ŷ)] = count, one group."""
    n = np.zeros((1, 2, 2, 2), dtype=np.int64)
    for (d, y, yhat), count in cells.items():
        n[0, d, y, yhat] = count
    return PredictionTable(n, has_group)


def label_table_of(table: PredictionTable) -> LabelTable:
    return LabelTable(table.n.sum(axis=3), table.has_group_variable)


# A moderately sized table: facet a 600 rows, facet d 150 rows.
TABLE = prediction_table(
    {
        (0, 1, 1): 240, (0, 1, 0): 60, (0, 0, 1): 60, (0, 0, 0): 240,
        (1, 1, 1): 40, (1, 1, 0): 20, (1, 0, 1): 15, (1, 0, 0): 75,
    }
)  # fmt: skip


def order_statistics(
    values: np.ndarray, low_probability: float, high_probability: float
) -> tuple[float, float]:
    """Test-side statement of the documented endpoint rule: v₍⌊(m+1)p₁⌋₎, v₍⌈(m+1)p₂⌉₎ (1-based, clipped)."""
    ordered = sorted(values.tolist())
    m = len(ordered)
    low = min(max(math.floor((m + 1) * low_probability), 1), m)
    high = min(max(math.ceil((m + 1) * high_probability), 1), m)
    return ordered[low - 1], ordered[high - 1]


# ------------------------------------------------------------------------------------------------ settings


def test_settings_defaults_and_a_full_object():
    assert IntervalSettings.from_dict({}) == IntervalSettings(0.95, 2000, 0, "percentile")
    settings = IntervalSettings.from_dict({"level": 0.9, "replicates": 5000, "seed": 7, "method": "bca"})
    assert settings.as_dict() == {"level": 0.9, "replicates": 5000, "seed": 7, "method": "bca"}


@pytest.mark.parametrize(
    ("value", "path", "fragment"),
    [
        ({"level": 0}, "confidence.level", "strictly between 0 and 1"),
        ({"level": 1}, "confidence.level", "strictly between 0 and 1"),
        ({"level": 95}, "confidence.level", "did you mean 0.95"),
        ({"level": "0.95"}, "confidence.level", "got '0.95'"),
        ({"level": True}, "confidence.level", "got True"),
        ({"level": float("nan")}, "confidence.level", "got nan"),
        ({"replicates": 999}, "confidence.replicates", "from 1,000 to 100,000"),
        ({"replicates": 100_001}, "confidence.replicates", "from 1,000 to 100,000"),
        ({"replicates": 2000.0}, "confidence.replicates", "whole number"),
        ({"level": 0.99, "replicates": 1000}, "confidence.replicates", "use at least 2,000"),
        ({"seed": -1}, "confidence.seed", "whole number ≥ 0"),
        ({"seed": "7"}, "confidence.seed", "got '7'"),
        ({"method": "BCA"}, "confidence.method", "did you mean 'bca'?"),
        ({"method": "percentil"}, "confidence.method", "did you mean 'percentile'?"),
        ({"method": "wald"}, "confidence.method", "valid: percentile, bca, newcombe"),
        ({"replicate": 2000}, "confidence.replicate", "did you mean 'replicates'?"),
    ],
)
def test_bad_settings_name_the_key_and_what_is_valid(value, path, fragment):
    with pytest.raises(ClarifyConfigError) as caught:
        IntervalSettings.from_dict(value)
    assert [problem.path for problem in caught.value.problems] == [path]
    assert fragment in caught.value.problems[0].message


def test_every_bad_setting_is_reported_at_once_under_the_callers_path():
    with pytest.raises(ClarifyConfigError) as caught:
        IntervalSettings.from_dict({"level": 2, "replicates": 5, "seed": -3, "method": "x"}, path="intervals")
    assert sorted(problem.path for problem in caught.value.problems) == [
        "intervals.level",
        "intervals.method",
        "intervals.replicates",
        "intervals.seed",
    ]
    with pytest.raises(ClarifyConfigError, match="must be an object"):
        IntervalSettings.from_dict([0.95])
    with pytest.raises(ClarifyConfigError, match=r"confidence\.level"):
        IntervalSettings(level=1.5)


def test_a_ninety_nine_percent_interval_needs_two_thousand_replicates():
    assert IntervalSettings.from_dict({"level": 0.99, "replicates": 2000}).replicates == 2000


# ------------------------------------------------------------------------------------------------ the API


def test_one_interval_per_metric_in_the_order_asked():
    settings = IntervalSettings(replicates=1000, seed=3)
    metrics = ["TE", "DPL", "CI", "DI"]
    results = compute_intervals(label_table_of(TABLE), TABLE, metrics, settings)
    assert list(results) == metrics
    for name, interval in results.items():
        assert interval.metric == name and interval.level == 0.95 and interval.replicates == 1000
        assert interval.method == "percentile" and interval.note is None
        assert interval.low <= interval.estimate <= interval.high
    assert results["DI"].estimate == POST_TRAINING_FUNCTIONS["DI"](TABLE)
    assert results["TE"].as_dict()["low"] == results["TE"].interval[0]


def test_all_twenty_count_based_metrics_have_intervals():
    assert len(INTERVAL_METRICS) == 20 and "FT" not in INTERVAL_METRICS
    groups = np.stack([TABLE.n[0], TABLE.n[0] // 2 + 1])
    table = PredictionTable(groups, True)
    results = compute_intervals(
        label_table_of(table), table, INTERVAL_METRICS, IntervalSettings(replicates=1000)
    )
    assert all(interval.interval is not None for interval in results.values())


def test_metric_names_are_checked():
    settings = IntervalSettings(replicates=1000)
    with pytest.raises(ValueError, match="did you mean 'DI'"):
        compute_intervals(None, TABLE, ["DII"], settings)
    with pytest.raises(ValueError, match="FT has no confidence interval"):
        compute_intervals(None, TABLE, ["FT"], settings)
    with pytest.raises(ValueError, match="DPL is a pre-training metric: its interval needs the label table"):
        compute_intervals(None, TABLE, ["DPL"], settings)
    with pytest.raises(ValueError, match="AD is a post-training metric"):
        compute_intervals(label_table_of(TABLE), None, ["AD"], settings)


# ------------------------------------------------------------------------------------------------ resampling


def test_resampling_keeps_the_total_and_averages_to_the_observed_table():
    counts = TABLE.n
    draws = resample_counts(counts, 20_000, np.random.default_rng(1))
    assert draws.shape == (20_000, *counts.shape)
    assert (draws.sum(axis=(1, 2, 3, 4)) == counts.sum()).all()
    total = counts.sum()
    p = counts / total
    standard_error = np.sqrt(total * p * (1 - p) / 20_000)
    assert (np.abs(draws.mean(axis=0) - counts) <= 5 * standard_error + 1e-12).all()
    # Facet sizes vary between replicates (the total is fixed, the groups are not).
    assert draws[:, 0, 1].sum(axis=(1, 2)).std() > 5


def test_the_per_cell_jackknife_is_the_row_jackknife():
    counts = np.array([[[3, 0], [2, 1]], [[0, 4], [1, 0]]])
    tables, weights = leave_one_out_counts(counts)
    # Row level: list every row, leave each out in turn, re-count.
    rows = np.repeat(np.arange(counts.size), counts.reshape(-1))
    by_rows: dict[bytes, int] = {}
    for position in range(len(rows)):
        kept = np.delete(rows, position)
        recounted = np.bincount(kept, minlength=counts.size).reshape(counts.shape)
        by_rows[recounted.tobytes()] = by_rows.get(recounted.tobytes(), 0) + 1
    by_cells = {
        table.astype(np.int64).tobytes(): int(weight) for table, weight in zip(tables, weights, strict=True)
    }
    assert by_cells == by_rows
    assert weights.sum() == counts.sum()


# ------------------------------------------------------------------------------------------------ ±∞ and undefined


def test_endpoints_are_the_documented_order_statistics():
    # 2,000 distinct values 1..2000 in random order: v₍⌊2001·0.025⌋₎ = v₍50₎ and v₍⌈2001·0.975⌉₎ = v₍1951₎.
    values = np.random.default_rng(0).permutation(np.arange(1.0, 2001.0))
    summary = ReplicateSummary(evaluated(values, []), 0.95)
    assert summary.bounds(*summary.percentile_probabilities()) == (50.0, 1951.0)
    # 49 values below the interval and 49 above: symmetric, 4.9 % outside.
    assert ReplicateSummary(evaluated(values[:1999], []), 0.9).bounds(0.05, 0.95) == order_statistics(
        values[:1999], 0.05, 0.95
    )


def test_infinities_sort_to_the_ends_and_undefined_values_are_left_out():
    values = np.concatenate([np.arange(1.0, 1901.0), np.full(60, np.inf), np.full(40, -np.inf)])
    undefined = np.zeros(2000, dtype=bool)
    undefined[:30] = True  # 30 of the finite values are undefined (their check failed)
    summary = ReplicateSummary(evaluated(values, [(undefined, "Facet set is empty")]), 0.95)
    assert (summary.positive_infinite, summary.negative_infinite, summary.undefined) == (60, 40, 30)
    assert summary.undefined_reasons == {"Facet set is empty": 30}
    # 1,970 defined values: −∞ ×40, 31..1900, +∞ ×60; ranks ⌊1971·0.025⌋ = 49 and ⌈1971·0.975⌉ = 1922.
    assert summary.bounds(0.025, 0.975) == (39.0, math.inf)


@pytest.mark.parametrize(("undefined", "too_many"), [(50, False), (51, True)])
def test_more_than_half_the_outside_share_undefined_means_no_interval(undefined, too_many):
    failed = np.arange(2000) < undefined
    summary = ReplicateSummary(evaluated(np.arange(2000.0), [(failed, "No positive labels in set")]), 0.95)
    assert summary.too_many_undefined() is too_many


def test_infinite_replicates_are_counted_and_sort_to_the_ends():
    # One false positive in each facet: a replicate without it makes FN/FP infinite on that side.
    table = prediction_table(
        {
            (0, 1, 1): 60,
            (0, 1, 0): 20,
            (0, 0, 1): 1,
            (0, 0, 0): 19,
            (1, 1, 1): 60,
            (1, 1, 0): 20,
            (1, 0, 1): 1,
            (1, 0, 0): 19,
        }
    )
    replicates = 4000
    te = compute_intervals(None, table, ["TE"], IntervalSettings(replicates=replicates, seed=5))["TE"]
    total = 200
    no_fp_d = (1 - 1 / total) ** total  # P(FP_d* = 0)
    no_fp_either = (1 - 2 / total) ** total  # both zero: ∞ − ∞ = 0 by the both-∞ rule
    expected = replicates * (no_fp_d - no_fp_either)  # +∞ (−∞ symmetrically); FN* = 0 has probability < 1e-8
    tolerance = 5 * math.sqrt(replicates * (no_fp_d - no_fp_either))
    assert abs(te.positive_infinite - expected) <= tolerance
    assert abs(te.negative_infinite - expected) <= tolerance
    assert te.undefined == 0
    assert te.interval == (-math.inf, math.inf)


def test_undefined_replicates_are_left_out_counted_and_the_interval_says_so():
    # Facet d has 5 of 400 rows: a replicate without facet d (probability (1 − 5/400)^400 ≈ 0.65 %) has no DI.
    table = prediction_table({(0, 1, 1): 200, (0, 0, 0): 195, (1, 1, 1): 3, (1, 0, 0): 2})
    settings = IntervalSettings(replicates=20_000, seed=2)
    di = compute_intervals(None, table, ["DI"], settings)["DI"]
    p_empty = (1 - 5 / 400) ** 400
    assert abs(di.undefined - 20_000 * p_empty) <= 5 * math.sqrt(20_000 * p_empty)
    assert di.undefined > 0 and di.undefined_reasons == {"Facet set is empty": di.undefined}
    # The bounds are the order statistics of the defined replicates only.
    values = POST_TRAINING_BATCH_FUNCTIONS["DI"](replicate_tables(table, settings))
    assert np.isnan(values.values).sum() == di.undefined
    assert di.interval == order_statistics(values.values[~np.isnan(values.values)], 0.025, 0.975)


def test_too_many_undefined_replicates_give_no_interval_and_say_why():
    # Facet d has 2 of 400 rows: about 13.5 % of the replicates have no facet d, more than (1 − 0.95)/2.
    table = prediction_table({(0, 1, 1): 199, (0, 0, 0): 199, (1, 1, 1): 1, (1, 0, 0): 1})
    di = compute_intervals(None, table, ["DI"], IntervalSettings(replicates=2000, seed=1))["DI"]
    assert di.interval is None and di.low is None and di.high is None
    assert di.estimate == 1.0
    assert abs(di.undefined - 2000 * (1 - 2 / 400) ** 400) <= 5 * math.sqrt(2000 * 0.135)
    assert di.note.startswith(f"no interval: the metric is undefined in {di.undefined} of 2000 replicates")
    assert di.note.endswith("mostly because: Facet set is empty")


def test_a_metric_undefined_on_the_data_has_no_interval_and_keeps_its_error():
    table = prediction_table({(0, 1, 1): 5, (0, 0, 0): 5})
    di = compute_intervals(None, table, ["DI"], IntervalSettings(replicates=1000))["DI"]
    assert di.estimate is None and di.interval is None and di.replicates == 0
    assert di.note == "no interval: the metric is undefined on the data (Facet set is empty)"


# ------------------------------------------------------------------------------------------------ determinism


def test_intervals_depend_only_on_the_table_and_the_settings():
    settings = IntervalSettings(replicates=1000, seed=11)
    label = label_table_of(TABLE)
    alone = compute_intervals(None, TABLE, ["DI"], settings)["DI"]
    np.random.seed(123)
    np.random.random(1000)
    everything = compute_intervals(label, TABLE, list(reversed(INTERVAL_METRICS)), settings)
    assert everything["DI"] == alone
    assert compute_intervals(label, None, ["DPL"], settings)["DPL"] == everything["DPL"]
    assert compute_intervals(label, TABLE, ["DI"], IntervalSettings(replicates=1000, seed=12))["DI"] != alone


# ------------------------------------------------------------------------------------------------ BCa


def test_bca_matches_an_independent_computation_from_the_rows():
    # A small, skewed case: DI with few predicted positives in facet d.
    table = prediction_table(
        {
            (0, 1, 1): 30,
            (0, 1, 0): 10,
            (0, 0, 1): 10,
            (0, 0, 0): 50,
            (1, 1, 1): 4,
            (1, 1, 0): 6,
            (1, 0, 1): 2,
            (1, 0, 0): 28,
        }
    )
    settings = IntervalSettings(replicates=4000, seed=9, method="bca")
    result = compute_intervals(None, table, ["DI"], settings)["DI"]
    assert result.method == "bca" and result.note is None
    estimate = posttraining("DI", table.n.tolist(), False)
    # Bias correction from the same replicates, with SciPy's normal quantile.
    values = POST_TRAINING_BATCH_FUNCTIONS["DI"](replicate_tables(table, settings)).values
    values = values[~np.isnan(values)]
    bias = norm.ppf((np.sum(values < estimate) + 0.5 * np.sum(values == estimate)) / len(values))
    # Acceleration from the N-row jackknife, each leave-one-out table re-stated from the rows.
    rows = np.repeat(np.arange(table.n.size), table.n.reshape(-1))
    leave_one_out = []
    for position in range(len(rows)):
        counts = np.bincount(np.delete(rows, position), minlength=table.n.size).reshape(table.n.shape)
        leave_one_out.append(posttraining("DI", counts.tolist(), False))
    theta = np.array(leave_one_out)
    deviation = theta.mean() - theta
    acceleration = np.sum(deviation**3) / (6 * np.sum(deviation**2) ** 1.5)
    assert jackknife_acceleration(POST_TRAINING_BATCH_FUNCTIONS["DI"], table) == pytest.approx(
        acceleration, rel=1e-9
    )
    assert abs(acceleration) > 1e-3
    tails = [norm.cdf(bias + (bias + z) / (1 - acceleration * (bias + z))) for z in norm.ppf([0.025, 0.975])]
    assert result.interval == order_statistics(values, *tails)
    percentile = compute_intervals(None, table, ["DI"], IntervalSettings(replicates=4000, seed=9))["DI"]
    assert percentile.interval != result.interval


def test_bca_falls_back_to_the_percentile_interval_where_it_is_not_defined():
    settings = IntervalSettings(replicates=1000, seed=4, method="bca")
    # A single false positive in facet d: leaving it out makes TE infinite.
    one_fp = prediction_table(
        {
            (0, 1, 1): 50,
            (0, 1, 0): 20,
            (0, 0, 1): 20,
            (0, 0, 0): 50,
            (1, 1, 1): 50,
            (1, 1, 0): 20,
            (1, 0, 1): 1,
            (1, 0, 0): 50,
        }
    )
    te = compute_intervals(None, one_fp, ["TE"], settings)["TE"]
    assert te.method == "percentile"
    assert te.note == "BCa not defined here (the metric is infinite when one row is left out): percentile"
    assert (
        te.interval
        == compute_intervals(None, one_fp, ["TE"], IntervalSettings(replicates=1000, seed=4))["TE"].interval
    )
    # No false positive in facet d: TE itself is +∞.
    no_fp = prediction_table(
        {(0, 1, 1): 50, (0, 1, 0): 20, (0, 0, 1): 20, (0, 0, 0): 50, (1, 1, 0): 5, (1, 0, 0): 50}
    )
    te = compute_intervals(None, no_fp, ["TE"], settings)["TE"]
    assert te.estimate == math.inf and te.method == "percentile" and "the estimate is infinite" in te.note


# ------------------------------------------------------------------------------------------------ Newcombe


def test_newcombe_gives_the_analytic_interval_for_dpl_and_dppl_and_the_bootstrap_elsewhere():
    settings = IntervalSettings(replicates=1000, seed=1, method="newcombe")
    results = compute_intervals(label_table_of(TABLE), TABLE, ["DPL", "DPPL", "AD"], settings)
    # facet a: 300 of 600 positive labels, 300 of 600 positive predictions; facet d: 60 and 55 of 150.
    assert results["DPL"].interval == newcombe_interval(300, 600, 60, 150, 0.95)
    assert results["DPPL"].interval == newcombe_interval(300, 600, 55, 150, 0.95)
    assert results["DPL"].method == results["DPPL"].method == "newcombe"
    assert results["DPL"].replicates == 0 and results["DPL"].estimate == 300 / 600 - 60 / 150
    assert results["AD"].method == "percentile" and results["AD"].replicates == 1000
    assert results["AD"].note == "newcombe applies to DPL and DPPL only: percentile bootstrap"
    assert (
        results["AD"].interval
        == compute_intervals(None, TABLE, ["AD"], IntervalSettings(replicates=1000, seed=1))["AD"].interval
    )


def test_every_formula_registry_entry_is_reachable():
    assert set(INTERVAL_METRICS) == {*PRE_TRAINING_BATCH_FUNCTIONS, *POST_TRAINING_BATCH_FUNCTIONS}
