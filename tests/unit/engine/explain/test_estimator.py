"""The Kernel SHAP estimator core: designs, the constrained least squares, sampling errors.

Expected values come from outside the estimator: Shapley's formula over every coalition, games whose Shapley
values are known by construction (additive games), the kernel weight formula of reference §6.1, and shap's
KernelExplainer as an independent implementation of the same design rule.
"""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pytest

from airflow_provider_clarify.engine.explain.estimator import (
    CoalitionDesign,
    coalition_design,
    record_rng,
    sample_count,
    solve_shapley,
    standard_errors,
)


def _shapley_by_formula(value, players: int) -> np.ndarray:
    """φ_j = Σ_S |S|!(M−|S|−1)!/M! (v(S ∪ {j}) − v(S)), S over the coalitions without j."""
    phi = np.zeros((players, np.atleast_1d(value(frozenset())).shape[0]))
    for j in range(players):
        others = [i for i in range(players) if i != j]
        for size in range(players):
            weight = math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)
            for subset in itertools.combinations(others, size):
                phi[j] += weight * (value(frozenset(subset) | {j}) - value(frozenset(subset)))
    return phi


def _random_game(players: int, targets: int, seed: int):
    """A game with an arbitrary value for every coalition (no structure the estimator could exploit)."""
    rng = np.random.default_rng(seed)
    table = {
        frozenset(s): rng.normal(size=targets)
        for size in range(players + 1)
        for s in itertools.combinations(range(players), size)
    }
    return lambda coalition: table[frozenset(coalition)]


def _values(design: CoalitionDesign, game) -> np.ndarray:
    return np.array([game(frozenset(np.nonzero(mask)[0])) for mask in design.masks])


def test_sample_count_is_the_reference_rule():
    assert sample_count(None, 4) == 14  # 2M + 2048 capped at 2^M − 2
    assert sample_count(None, 12) == 2 * 12 + 2048
    assert sample_count(100, 12) == 100
    assert sample_count(100, 6) == 62
    assert sample_count(None, 40) == 2 * 40 + 2048  # no cap above 30 players
    assert sample_count(5, 1) == 0 and sample_count(None, 0) == 0


def test_record_streams_depend_on_seed_and_index_only():
    first = record_rng(42, 7).random(5)
    np.testing.assert_array_equal(first, record_rng(42, 7).random(5))
    assert not np.array_equal(first, record_rng(42, 8).random(5))
    assert not np.array_equal(first, record_rng(43, 7).random(5))
    assert not np.array_equal(record_rng(-1, 7).random(5), record_rng(1, 7).random(5))
    assert not np.array_equal(record_rng(None, 7).random(5), record_rng(None, 7).random(5))


@pytest.mark.parametrize("players", [2, 3, 4, 5, 6, 7, 8])
def test_enumeration_gives_exact_shapley_values_of_an_arbitrary_game(players):
    game = _random_game(players, targets=3, seed=players)
    design = coalition_design(players, 2**players - 2, record_rng(0, 0))
    assert design.exact and len(design.masks) == 2**players - 2
    assert len({tuple(m) for m in design.masks}) == 2**players - 2  # each coalition once
    phi = solve_shapley(design, _values(design, game), game(frozenset()), game(frozenset(range(players))))
    np.testing.assert_allclose(phi, _shapley_by_formula(game, players), atol=1e-10, rtol=0)


def test_enumerated_weights_follow_the_shapley_kernel():
    players = 6
    design = coalition_design(players, None, record_rng(1, 0))  # 2M + 2048 > 2^6 − 2: enumeration
    sizes = design.masks.sum(axis=1)
    kernel = (players - 1) / (np.array([math.comb(players, s) for s in sizes]) * sizes * (players - sizes))
    np.testing.assert_allclose(design.weights / design.weights.sum(), kernel / kernel.sum(), rtol=1e-12)


def test_sampled_design_never_holds_the_empty_or_full_coalition_and_pairs_complements():
    players, samples = 11, 150
    design = coalition_design(players, samples, record_rng(3, 5))
    assert len(design.masks) == samples
    sizes = design.masks.sum(axis=1)
    assert sizes.min() >= 1 and sizes.max() <= players - 1
    keys = {tuple(m) for m in design.masks}
    assert len(keys) == samples  # a coalition drawn twice adds weight, never a second row
    # every enumerated size class is complete, with its complement class
    for size in (1, players - 1):
        assert (sizes == size).sum() == math.comb(players, size)
    for row, complement in design.sampled_pairs:
        if complement >= 0:
            np.testing.assert_array_equal(design.masks[complement], ~design.masks[row])
            assert design.weights[complement] == design.weights[row]
    assert design.sampled_draws.min() >= 1
    assert design.sampled_mass == pytest.approx(design.weights[design.sampled_pairs[:, 0].min() :].sum())
    assert not design.exact


def test_the_same_stream_gives_the_same_design():
    one = coalition_design(9, 60, record_rng(11, 2))
    two = coalition_design(9, 60, record_rng(11, 2))
    np.testing.assert_array_equal(one.masks, two.masks)
    np.testing.assert_array_equal(one.weights, two.weights)


@pytest.mark.parametrize(("players", "samples"), [(5, 12), (7, 100), (8, 60), (10, 300), (12, 500)])
def test_design_matches_kernel_explainer_enumeration_and_budget(players, samples):
    """shap's KernelExplainer, an independent implementation of the same rule: same enumerated rows and
    weights, same number of rows, same total weight."""
    shap = pytest.importorskip("shap")
    logging.getLogger("shap").setLevel(logging.WARNING)
    explainer = shap.KernelExplainer(lambda x: x.sum(axis=1), np.zeros((1, players)))
    np.random.seed(0)
    explainer.shap_values(np.ones((1, players)), nsamples=samples, silent=True, l1_reg=False)
    theirs = explainer.maskMatrix[: explainer.nsamplesAdded].astype(bool)
    their_weights = explainer.kernelWeights[: explainer.nsamplesAdded]
    ours = coalition_design(players, samples, record_rng(0, 0))
    fixed = ours.sampled_pairs[:, 0].min() if len(ours.sampled_pairs) else len(ours.masks)
    assert len(ours.masks) == len(theirs)
    np.testing.assert_array_equal(ours.masks[:fixed], theirs[:fixed])
    np.testing.assert_allclose(ours.weights[:fixed], their_weights[:fixed], rtol=1e-12)
    assert ours.weights.sum() == pytest.approx(their_weights.sum(), rel=1e-12)


def test_sampled_values_of_an_additive_game_are_exact_and_efficient():
    players = 14
    contributions = np.random.default_rng(5).normal(size=(players, 2))
    design = coalition_design(players, 80, record_rng(9, 0))
    values = design.masks.astype(float) @ contributions + 3.0
    phi = solve_shapley(design, values, np.array([3.0, 3.0]), contributions.sum(axis=0) + 3.0)
    np.testing.assert_allclose(phi, contributions, atol=1e-10)


def test_efficiency_holds_for_a_sampled_nonlinear_game():
    players = 12
    design = coalition_design(players, 60, record_rng(2, 4))
    values = np.sin(design.masks.astype(float) @ np.arange(1.0, players + 1))[:, None]
    phi = solve_shapley(design, values, np.array([0.0]), np.array([np.sin(78.0)]))
    assert phi.sum() == pytest.approx(np.sin(78.0), abs=1e-12)


def test_one_and_zero_players():
    design = coalition_design(1, None, record_rng(0, 0))
    assert design.masks.shape == (0, 1)
    np.testing.assert_allclose(
        solve_shapley(design, np.zeros((0, 2)), np.array([1.0, 2.0]), np.array([4.0, 0.0])), [[3.0, -2.0]]
    )
    empty = coalition_design(0, 10, record_rng(0, 0))
    assert solve_shapley(empty, np.zeros((0, 1)), np.array([1.0]), np.array([1.0])).shape == (0, 1)


def test_fewer_samples_than_players_still_satisfy_efficiency():
    design = coalition_design(20, 6, record_rng(0, 1))
    values = design.masks.astype(float) @ np.arange(20.0)[:, None] ** 0.5
    phi = solve_shapley(design, values, np.array([0.0]), np.array([np.sum(np.arange(20.0) ** 0.5)]))
    assert np.isfinite(phi).all()
    assert phi.sum() == pytest.approx(np.sum(np.arange(20.0) ** 0.5), abs=1e-9)


def test_standard_errors_are_zero_when_enumerated():
    game = _random_game(5, targets=1, seed=1)
    design = coalition_design(5, None, record_rng(0, 0))
    values = _values(design, game)
    phi = solve_shapley(design, values, game(frozenset()), game(frozenset(range(5))))
    np.testing.assert_array_equal(
        standard_errors(design, values, game(frozenset()), game(frozenset(range(5))), phi), 0
    )


def test_standard_errors_match_the_spread_over_independent_streams():
    """The reported error of one estimate ≈ the standard deviation of the estimates over many streams."""
    players, samples, streams = 10, 100, 300
    weights = np.random.default_rng(0).normal(size=players)

    def value(masks: np.ndarray) -> np.ndarray:
        z = masks.astype(float)
        return (np.tanh(z @ weights) + 2 * z[:, 0] * z[:, 1] - z[:, 2] * z[:, 3] * z[:, 4])[:, None]

    null, full = value(np.zeros((1, players), bool))[0], value(np.ones((1, players), bool))[0]
    estimates, errors = [], []
    for index in range(streams):
        design = coalition_design(players, samples, record_rng(7, index))
        values = value(design.masks)
        phi = solve_shapley(design, values, null, full)
        estimates.append(phi[:, 0])
        errors.append(standard_errors(design, values, null, full, phi)[:, 0])
    spread = np.std(estimates, axis=0)
    reported = np.sqrt(np.mean(np.square(errors), axis=0))
    assert spread.min() > 0.01  # the game is far from additive: there is sampling error to estimate
    np.testing.assert_array_less(0.75 * spread, reported)
    np.testing.assert_array_less(reported, 1.33 * spread)
