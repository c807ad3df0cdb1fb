"""Asymmetric Shapley values, checked against values known by construction and against brute force.

- A forecaster linear in its inputs has, for every admissible ordering, the marginal contribution
  ``coefficient · (value − baseline)`` for each input: so for every direction and granularity the scores are
  exactly those products (timewise: summed over the series of a step).
- A small non-linear forecaster is compared with an independent brute force: every admissible ordering is
  enumerated here with itertools, the model is called on arrays (not through the wire) and the marginal
  contributions are averaged.
- Efficiency: offset + Σ scores equals the forecast of the actual input, for every item and horizon step.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.timeseries import (
    RunStatistics,
    asymmetric,
    explanation_lines,
)
from airflow_provider_clarify.engine.timeseries.asymmetric import Players, plan_item
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    Item,
    LinearForecaster,
    analysis_config,
    nonlinear,
    run_time_series,
    write_dataset,
)

STATIC_BASELINE = {"store-1": [2], "store-2": [0], "42": [5]}
WIDE_ITEMS = [  # three related series: a block holds 4 cells, so fine-grained explanations are sampled
    Item(
        "w1",
        [1, 2, 3, 4],
        [1.0, 2.0, 0.5, None],
        [[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0], [2.0, 2.0, 1.0, 0.0]],
        [1, 4],
    ),
    Item("w2", [7, 8, 9], [4.0, -1.0, 2.0], [[0.5, 0.5, 0.5], [1.0, 0.0, 2.0], [3.0, 1.0, 0.0]], [0, 2]),
]
WIDE_BASELINE = {"w1": [0, 1], "w2": [2, 2]}


def run(tmp_path: Path, model, items=ITEMS, options=None, **config_options):
    config = analysis_config(**config_options)
    dataset = write_dataset(tmp_path, "timestamp_records", items)
    stats = RunStatistics()
    entry = run_time_series(
        config, dataset, tmp_path / "out", predictor=model, options=options, statistics=stats
    )
    lines = list(explanation_lines(entry["asymmetric_shapley_value"]["explanation_results_path"]))
    return lines, stats


def baselines(item: Item, kind: str):
    target = np.array([v for v in item.target if v is not None])
    related = np.array(item.related, float).reshape(len(item.related), -1)
    if kind == "mean":
        return np.full_like(target, target.mean()), np.repeat(
            related.mean(axis=1, keepdims=True), related.shape[1], 1
        )
    return np.zeros_like(target), np.zeros_like(related)


def actual(item: Item):
    target = np.array([v for v in item.target if v is not None])
    return target, np.array(item.related, float).reshape(len(item.related), -1), np.array(item.statics, float)


CASES = [
    ("chronological", "timewise", "zero", ITEMS, STATIC_BASELINE, None),
    ("anti_chronological", "timewise", "mean", ITEMS, STATIC_BASELINE, None),
    ("bidirectional", "timewise", "mean", ITEMS, None, None),
    ("chronological", "fine_grained", "zero", ITEMS, STATIC_BASELINE, 10),  # exact (few cells per step)
    ("chronological", "fine_grained", "mean", WIDE_ITEMS, WIDE_BASELINE, 2),  # sampled (4 cells per step)
]


@pytest.mark.parametrize(("direction", "granularity", "kind", "items", "statics", "samples"), CASES)
def test_linear_forecaster_scores_are_coefficient_times_distance_to_baseline(
    tmp_path, direction, granularity, kind, items, statics, samples
):
    related, static_count = len(items[0].related), len(items[0].statics)
    model = LinearForecaster(horizon=3, related=related, statics=static_count)
    baseline = {"target_time_series": kind, "related_time_series": kind}
    if statics is not None:
        baseline["static_covariates"] = statics
    lines, stats = run(
        tmp_path,
        model,
        items,
        direction=direction,
        granularity=granularity,
        num_samples=samples,
        baseline=baseline,
        related=related,
        statics=static_count,
    )
    fine = granularity == "fine_grained"
    assert (stats.sampled_items > 0) == (items is WIDE_ITEMS)
    for item, line in zip(items, lines, strict=True):
        target, rel, stat = actual(item)
        base_target, base_rel = baselines(item, kind)
        base_stat = np.array(statics[str(item.item_id)], float) if fine else stat
        a, b = model.target_weights(len(target)), model.related_weights(rel.shape[1])
        target_part = a * (target - base_target)  # (H, T)
        related_part = b * (rel - base_rel)  # (H, R, N)
        assert line["item_id"] == item.item_id
        np.testing.assert_allclose(line["offset"], model.predict(base_target, base_rel, base_stat), atol=1e-9)
        entries = line["explanations"]
        if not fine:
            expected = related_part.sum(axis=1)
            expected[:, : len(target)] += target_part
            assert [e["timestamp"] for e in entries] == item.timestamps
            np.testing.assert_allclose(np.array([e["scores"] for e in entries]).T, expected, atol=1e-9)
        else:
            names = ["sales"] * len(target) + [
                f"rel{r}" for r in range(rel.shape[0]) for _ in item.timestamps
            ]
            names += [f"stat{s}" for s in range(len(stat))]
            assert [e["feature_name"] for e in entries] == names
            got = np.array([e["scores"] for e in entries])
            T, N, R = len(target), rel.shape[1], rel.shape[0]
            np.testing.assert_allclose(got[:T].T, target_part, atol=1e-9)
            np.testing.assert_allclose(
                got[T : T + R * N].reshape(R, N, -1).transpose(2, 0, 1), related_part, atol=1e-9
            )
            np.testing.assert_allclose(got[T + R * N :].T, model.c * (stat - base_stat), atol=1e-9)
            assert all("timestamp" not in e for e in entries[T + R * N :])


def brute_force(item: Item, model: Forecaster, direction: str, granularity: str, static_baseline) -> tuple:
    """Average marginal contributions over every admissible ordering, enumerated here (never via the engine)."""
    target, rel, stat = actual(item)
    T, R, N, S = len(target), rel.shape[0], rel.shape[1], len(stat)
    fine = granularity == "fine_grained"
    base_stat = np.array(static_baseline, float) if fine else stat
    if fine:
        cells = [("s", s) for s in range(S)]
        per_step = [[("y", t)] * (t < T) + [("x", r, t) for r in range(R)] for t in range(N)]
        players = cells + [cell for step in per_step for cell in step]
        blocks = ([cells] if S else []) + per_step
        orderings = [
            [cell for block in combo for cell in block]
            for combo in itertools.product(*(itertools.permutations(block) for block in blocks))
        ]
    else:
        players = list(range(N))
        forward = list(range(N))
        orderings = {"chronological": [forward], "anti_chronological": [forward[::-1]]}.get(direction)
        orderings = orderings or [forward, forward[::-1]]

    def value(coalition: set) -> np.ndarray:
        y = np.array([target[t] if (("y", t) in coalition or t in coalition) else 0.0 for t in range(T)])
        x = np.array(
            [
                [rel[r, t] if (("x", r, t) in coalition or t in coalition) else 0.0 for t in range(N)]
                for r in range(R)
            ]
        )
        s = np.array([stat[k] if (not fine or ("s", k) in coalition) else base_stat[k] for k in range(S)])
        return model.predict(y, x.reshape(R, N), s)

    totals = {player: 0.0 for player in players}
    for ordering in orderings:
        coalition: set = set()
        before = value(coalition)
        for player in ordering:
            coalition.add(player)
            after = value(coalition)
            totals[player] = totals[player] + (after - before)
            before = after
    scores = {player: total / len(orderings) for player, total in totals.items()}
    return value(set()), scores, len(orderings)


@pytest.mark.parametrize(
    ("direction", "granularity"),
    [
        ("chronological", "timewise"),
        ("anti_chronological", "timewise"),
        ("bidirectional", "timewise"),
        ("chronological", "fine_grained"),
    ],
)
def test_nonlinear_forecaster_matches_brute_force_over_admissible_orderings(tmp_path, direction, granularity):
    model = Forecaster(nonlinear)
    fine = granularity == "fine_grained"
    lines, stats = run(
        tmp_path,
        model,
        direction=direction,
        granularity=granularity,
        num_samples=10 if fine else None,
        baseline={"static_covariates": STATIC_BASELINE} if fine else None,
    )
    assert stats.sampled_items == 0
    for item, line in zip(ITEMS, lines, strict=True):
        offset, scores, orderings = brute_force(
            item, model, direction, granularity, STATIC_BASELINE[str(item.item_id)]
        )
        if fine:
            assert orderings == 2 ** min(len([v for v in item.target if v is not None]), len(item.timestamps))
        np.testing.assert_allclose(line["offset"], offset, atol=1e-9)
        entries = line["explanations"]
        if not fine:
            expected = [scores[t] for t in range(len(item.timestamps))]
        else:
            T = len([v for v in item.target if v is not None])
            expected = [scores[("y", t)] for t in range(T)]
            expected += [scores[("x", 0, t)] for t in range(len(item.timestamps))]
            expected += [scores[("s", 0)]]
        np.testing.assert_allclose([e["scores"] for e in entries], expected, atol=1e-9)


def random_items(count: int, seed: int) -> list[Item]:
    rng = np.random.default_rng(seed)
    items = []
    for number in range(count):
        length = int(rng.integers(2, 7))
        future = int(rng.integers(0, 3))
        target = [float(v) for v in rng.normal(size=length)] + [None] * future
        related = [[float(v) for v in rng.normal(size=length + future)]]
        items.append(
            Item(
                f"item-{number}",
                list(range(100, 100 + length + future)),
                target,
                related,
                [int(rng.integers(0, 5))],
            )
        )
    return items


@pytest.mark.parametrize(
    ("granularity", "direction", "samples"),
    [
        ("timewise", "chronological", None),
        ("timewise", "bidirectional", None),
        ("fine_grained", "chronological", 10),
        ("fine_grained", "chronological", 1),
    ],
)
def test_efficiency_for_every_item_and_horizon_step(tmp_path, granularity, direction, samples):
    items = random_items(25, seed=3)
    model = Forecaster(nonlinear)
    baseline = {"target_time_series": "mean", "static_covariates": {item.item_id: [1] for item in items}}
    lines, stats = run(
        tmp_path,
        model,
        items,
        granularity=granularity,
        direction=direction,
        num_samples=samples,
        baseline=baseline,
    )
    if samples == 1:
        assert (
            stats.sampled_items > 0
        )  # one sample is cheaper than the exact blocks: the sampled estimator runs
    for item, line in zip(items, lines, strict=True):
        forecast = model.predict(*actual(item))
        total = np.array(line["offset"]) + np.sum([e["scores"] for e in line["explanations"]], axis=0)
        np.testing.assert_allclose(total, forecast, rtol=0, atol=1e-9)


def test_sampled_orderings_are_admissible_seeded_and_independent_of_item_order(tmp_path):
    players = Players("fine_grained", history=3, length=4, related=3, statics=2)
    plan = plan_item(players, "chronological", num_samples=3, seed=7, item_id="w1")
    assert not plan.exact
    blocks = players.blocks()
    for row in plan.coalitions:  # every coalition holds all earlier blocks before any cell of a later block
        started = [bool(row[block].any()) for block in blocks]
        complete = [bool(row[block].all()) for block in blocks]
        last = max((i for i, s in enumerate(started) if s), default=0)
        assert all(complete[:last])
    again = plan_item(players, "chronological", num_samples=3, seed=7, item_id="w1")
    other = plan_item(players, "chronological", num_samples=3, seed=8, item_id="w1")
    assert np.array_equal(plan.coalitions, again.coalitions) and np.array_equal(plan.weights, again.weights)
    assert not np.array_equal(plan.coalitions, other.coalitions)

    model = Forecaster(nonlinear)
    common = {
        "granularity": "fine_grained",
        "num_samples": 2,
        "baseline": {"static_covariates": WIDE_BASELINE},
        "related": 3,
        "statics": 2,
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    forward, _ = run(tmp_path / "a", model, WIDE_ITEMS, **common)
    backward, _ = run(tmp_path / "b", model, WIDE_ITEMS[::-1], options=EngineOptions(batch_size=7), **common)
    assert forward == backward[::-1]


def test_many_samples_approach_the_exact_values(monkeypatch):
    players = Players("fine_grained", history=2, length=2, related=3, statics=0)
    exact = plan_item(players, "chronological", num_samples=10_000, seed=0, item_id="x")
    monkeypatch.setattr(asymmetric, "MAX_EXACT_BLOCK", 0)  # force the sampled estimator
    sampled = plan_item(players, "chronological", num_samples=3000, seed=0, item_id="x")
    assert exact.exact and not sampled.exact
    rng = np.random.default_rng(1)
    weights = rng.normal(size=players.count)

    def game(plan):  # v(S) = (Σ_{i∈S} w_i)^2: interactions make the ordering matter
        values = (plan.coalitions @ weights) ** 2
        return plan.weights @ values

    np.testing.assert_allclose(game(sampled), game(exact), atol=0.15)


def test_all_coalitions_of_many_items_share_requests(tmp_path):
    model = Forecaster(nonlinear)
    lines, stats = run(tmp_path, model, random_items(12, seed=9), options=EngineOptions(batch_size=40))
    assert (
        stats.model_records
        == model.records
        == sum(len(json.loads(json.dumps(line))["explanations"]) + 1 for line in lines)
    )
    assert model.calls == stats.requests == -(-stats.model_records // 40)  # full batches across items
