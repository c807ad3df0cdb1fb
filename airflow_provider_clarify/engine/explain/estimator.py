"""The Kernel SHAP estimator (reference §6.1, §6.2): coalition designs, the constrained weighted least squares, and an
estimate of its sampling error. Pure numpy; it knows nothing about models, records or text.

It is the estimator of Lundberg & Lee (2017) as ``shap.KernelExplainer`` implements it, written here from the
algorithm so that the engine can (1) draw every record's coalitions from its own random stream — a record's values
then never depend on chunking, batching, concurrency, record order or sharding — and (2) score the synthetic rows
of many records in one model call. The algorithm:

- Shapley-kernel weights: a coalition of size s among M players weighs (M − 1) / (C(M, s) · s · (M − s)); the
  mass of a size class (all C(M, s) coalitions, plus their complements of size M − s) is proportional to
  (M − 1) / (s · (M − s)), doubled when the complement class is distinct.
- Size classes are enumerated completely, smallest first (with their complements), while the sample budget
  covers them at their kernel mass; the budget left is spent on random coalitions: a size class drawn by its
  remaining mass, then a uniformly random coalition of that size, and its complement with it. A coalition drawn
  again adds one to its weight instead of a new row. The sampled weights are rescaled to the kernel mass of the
  sizes not enumerated.
- φ solves the weighted least squares of v(z) − v(∅) ≈ Σ_j z_j φ_j under the efficiency constraint
  Σ_j φ_j = v(full) − v(∅), by eliminating the last player.

With ``num_samples ≥ 2^M − 2`` every coalition is enumerated and φ are the exact Shapley values.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

MAX_EXACT_PLAYERS = 30  # above this, 2^M − 2 does not bound the sample count (and would not fit in memory)
DRAW_ROUNDS_FACTOR = 4  # at most 4 × (samples left) random draws, as in shap's KernelExplainer
_ENUMERATION_TOLERANCE = 1e-8


def sample_count(num_samples: int | None, players: int) -> int:
    """reference §6.2: min(num_samples or 2M + 2048, 2^M − 2) coalitions for M players (no cap above 30 players)."""
    requested = int(num_samples) if num_samples else 2 * players + 2048
    if players <= MAX_EXACT_PLAYERS:
        return max(0, min(requested, (1 << players) - 2))
    return max(0, requested)


def record_rng(seed: int | None, index: int) -> np.random.Generator:
    """The random stream of record ``index`` under ``seed``: independent of every other record's stream, and the
    same whichever process, batch or order explains the record. ``seed`` None draws fresh entropy."""
    if seed is None:
        return np.random.default_rng()
    entropy = int(seed) & (2**64 - 1)  # negative seeds map to distinct non-negative entropy
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(int(index),)))


def _empty_pairs() -> np.ndarray:
    return np.zeros((0, 2), dtype=np.intp)


def _empty_draws() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class CoalitionDesign:
    """The coalitions one record is evaluated at, and their regression weights.

    ``masks`` (S, M) bool, True = player present; never the empty or the full coalition. ``weights`` (S,).
    The sampled part (for the sampling-error estimate): ``sampled_pairs`` (C, 2) holds, per distinct drawn
    coalition, its row in ``masks`` and the row of its complement (−1 when the complement is not in the design);
    ``sampled_draws`` (C,) how many random draws landed on it; ``sampled_mass`` the total weight of those rows.
    Enumerated rows have no sampling error.
    """

    masks: np.ndarray
    weights: np.ndarray
    sampled_pairs: np.ndarray = field(default_factory=_empty_pairs)
    sampled_draws: np.ndarray = field(default_factory=_empty_draws)
    sampled_mass: float = 0.0

    @property
    def players(self) -> int:
        return int(self.masks.shape[1])

    @property
    def exact(self) -> bool:
        """Every coalition (but the empty and the full one) is in the design: φ are exact Shapley values."""
        return (
            len(self.sampled_draws) == 0
            and self.players <= MAX_EXACT_PLAYERS
            and (len(self.masks) == 2**self.players - 2)
        )


@lru_cache(maxsize=256)
def _size_classes(players: int) -> tuple[int, int, np.ndarray]:
    """(number of size classes, number of them with a distinct complement class, normalised kernel mass)."""
    sizes = players // 2  # sizes 1 .. ceil((M − 1) / 2)
    paired = (players - 1) // 2  # sizes below M / 2: their complements form a different class
    mass = np.array([(players - 1) / (s * (players - s)) for s in range(1, sizes + 1)], dtype=float)
    mass[:paired] *= 2
    mass /= mass.sum()
    mass.flags.writeable = False
    return sizes, paired, mass


@lru_cache(maxsize=64)
def _enumerated(players: int, samples: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The fully enumerated size classes for a budget: (masks, weights, number of classes enumerated). The same
    for every record with this many players and samples, so it is computed once (read-only arrays)."""
    sizes, paired, mass = _size_classes(players)
    remaining = mass.copy()
    left = float(samples)
    masks: list[np.ndarray] = []
    weights: list[float] = []
    enumerated = 0
    for size in range(1, sizes + 1):
        count = math.comb(players, size) * (2 if size <= paired else 1)
        if left * remaining[size - 1] / count < 1.0 - _ENUMERATION_TOLERANCE:
            break
        enumerated += 1
        left -= count
        if remaining[size - 1] < 1.0:
            remaining /= 1.0 - remaining[size - 1]
        weight = mass[size - 1] / math.comb(players, size) / (2 if size <= paired else 1)
        for members in itertools.combinations(range(players), size):
            mask = np.zeros(players, dtype=bool)
            mask[list(members)] = True
            masks.append(mask)
            weights.append(weight)
            if size <= paired:
                masks.append(~mask)
                weights.append(weight)
    mask_array = np.array(masks, dtype=bool).reshape(len(masks), players)
    weight_array = np.array(weights, dtype=float)
    mask_array.flags.writeable = False
    weight_array.flags.writeable = False
    return mask_array, weight_array, enumerated


def _random_subsets(rng: np.random.Generator, sizes: np.ndarray, players: int) -> np.ndarray:
    """One uniformly random coalition per entry of ``sizes``: the players ranked first by random keys."""
    order = np.argsort(rng.random((len(sizes), players)), axis=1)
    chosen = np.arange(players)[None, :] < sizes[:, None]
    masks = np.zeros((len(sizes), players), dtype=bool)
    np.put_along_axis(masks, order, chosen, axis=1)
    return masks


def _row_keys(masks: np.ndarray) -> np.ndarray:
    """A hashable, comparable key per mask row (its bits packed into bytes)."""
    packed = np.ascontiguousarray(np.packbits(masks, axis=1))
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def coalition_design(players: int, num_samples: int | None, rng: np.random.Generator) -> CoalitionDesign:
    """The coalitions and weights for ``players`` players and ``sample_count(num_samples, players)`` samples;
    random draws come from ``rng`` only."""
    budget = sample_count(num_samples, players)
    if players < 2 or budget == 0:
        return CoalitionDesign(np.zeros((0, players), dtype=bool), np.zeros(0, dtype=float))
    fixed_masks, fixed_weights, enumerated = _enumerated(players, budget)
    sizes, paired, mass = _size_classes(players)
    left = budget - len(fixed_masks)
    if enumerated == sizes or left <= 0:
        return CoalitionDesign(fixed_masks, fixed_weights)

    draw_mass = mass.copy()
    draw_mass[:paired] /= 2  # a draw of a paired size also adds its complement
    draw_mass = draw_mass[enumerated:] / draw_mass[enumerated:].sum()
    limit = DRAW_ROUNDS_FACTOR * left
    drawn = np.zeros((0, players), dtype=bool)
    filled = False
    while not filled and len(drawn) < limit:
        batch = min(max(left, 16), limit - len(drawn))
        sizes_drawn = rng.choice(len(draw_mass), size=batch, p=draw_mass) + enumerated + 1
        drawn = np.concatenate([drawn, _random_subsets(rng, sizes_drawn, players)])
        used, filled, first, inverse = _draws_used(drawn, paired, left)

    # distinct coalitions among the draws used, in the order they were first drawn, and their draw counts
    taken = np.nonzero(first < used)[0]
    taken = taken[np.argsort(first[taken])]
    distinct = drawn[first[taken]]
    rank = np.full(len(first), -1)
    rank[taken] = np.arange(len(taken))
    draws = np.bincount(rank[inverse[:used]], minlength=len(taken)).astype(np.int64)
    with_complement = distinct.sum(axis=1) <= paired
    if with_complement.sum() + len(distinct) > left:
        with_complement[-1] = False  # the budget ran out before the last complement (as in KernelExplainer)

    # rows: each distinct coalition, then its complement when it has one (the order KernelExplainer adds them)
    selected = np.stack([np.ones(len(distinct), dtype=bool), with_complement], axis=1)  # (C, 2)
    candidates = np.stack([distinct, ~distinct], axis=1)  # (C, 2, M)
    sampled_masks = candidates[selected]
    sampled_weights = np.repeat(draws.astype(float), selected.sum(axis=1))
    pairs = np.where(selected, np.cumsum(selected.ravel()).reshape(-1, 2) - 1 + len(fixed_masks), -1)
    sampled_mass = float(mass[enumerated:].sum())
    sampled_weights *= sampled_mass / sampled_weights.sum()
    return CoalitionDesign(
        masks=np.concatenate([fixed_masks, sampled_masks]),
        weights=np.concatenate([fixed_weights, sampled_weights]),
        sampled_pairs=pairs.astype(np.intp),
        sampled_draws=draws,
        sampled_mass=sampled_mass,
    )


def _draws_used(drawn: np.ndarray, paired: int, left: int) -> tuple[int, bool, np.ndarray, np.ndarray]:
    """How many of the draws the budget consumes and whether they fill it (each new coalition costs one row, two
    with its complement; repeats cost nothing; drawing stops at the draw that fills the budget), plus the first
    draw of each distinct coalition and each draw's distinct coalition."""
    _, first, inverse = np.unique(_row_keys(drawn), return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    is_first = np.zeros(len(drawn), dtype=bool)
    is_first[first] = True
    cost = np.where(is_first, np.where(drawn.sum(axis=1) <= paired, 2, 1), 0)
    full = np.nonzero(np.cumsum(cost) >= left)[0]
    used, filled = (int(full[0]) + 1, True) if len(full) else (len(drawn), False)
    return used, filled, first, inverse


def _eliminated(
    design: CoalitionDesign, values: np.ndarray, null: np.ndarray, full: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The regression after eliminating the last player through the efficiency constraint: (X, y, total)."""
    masks = design.masks.astype(float)
    total = np.asarray(full, dtype=float) - np.asarray(null, dtype=float)
    target = np.asarray(values, dtype=float) - np.asarray(null, dtype=float)[None, :]
    target = target - masks[:, -1:] * total[None, :]
    return masks[:, :-1] - masks[:, -1:], target, total


def solve_shapley(
    design: CoalitionDesign, values: np.ndarray, null: np.ndarray, full: np.ndarray
) -> np.ndarray:
    """φ (M, T) from v at the design's coalitions (``values`` (S, T)), v(∅) = ``null`` (T,) and v(full) = ``full``
    (T,); Σ_j φ_j = full − null exactly. A singular system (fewer samples than players) falls back to the
    minimum-norm least-squares solution, as KernelExplainer does."""
    players = design.players
    total = np.asarray(full, dtype=float) - np.asarray(null, dtype=float)
    targets = total.shape[0]
    if players == 0:
        return np.zeros((0, targets))
    if players == 1:
        single: np.ndarray = total[None, :].copy()
        return single
    x, y, total = _eliminated(design, values, null, full)
    weighted = x * design.weights[:, None]
    try:
        head = np.linalg.solve(weighted.T @ x, weighted.T @ y)
    except np.linalg.LinAlgError:
        root = np.sqrt(design.weights)[:, None]
        head = np.linalg.lstsq(root * x, root * y, rcond=None)[0]
    return np.vstack([head, total[None, :] - head.sum(axis=0, keepdims=True)])


def standard_errors(
    design: CoalitionDesign, values: np.ndarray, null: np.ndarray, full: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """An estimate (M, T) of the standard error of ``phi`` due to the random coalitions (0 when everything was
    enumerated; NaN when a single draw leaves nothing to estimate it from).

    φ is a smooth function of the draw averages in the normal equations; to first order its error is
    A⁻¹ · α · (mean over draws of g_d − its expectation), where g_d = Σ x_r · residual_r over the rows a draw added
    (the coalition and its complement), A the weighted normal matrix and α the weight per draw. The covariance of
    g_d is estimated from the draws themselves (the sandwich estimator of the regression, clustered by draw).
    """
    players = design.players
    targets = np.asarray(null).shape[0]
    pairs, draws = design.sampled_pairs, design.sampled_draws
    if players < 2 or len(draws) == 0:
        return np.zeros((players, targets))
    total_draws = int(draws.sum())
    if total_draws < 2:
        return np.full((players, targets), np.nan)
    x, y, _ = _eliminated(design, values, null, full)
    residual = y - x @ phi[:-1]  # (S, T)
    per_row = x[:, :, None] * residual[:, None, :]  # (S, M-1, T)
    cluster = per_row[pairs[:, 0]]
    has_complement = pairs[:, 1] >= 0
    cluster[has_complement] += per_row[pairs[has_complement, 1]]
    weights = draws.astype(float)
    centred = cluster - (weights[:, None, None] * cluster).sum(axis=0) / total_draws
    rows_per_draw = np.where(has_complement, 2, 1)
    alpha = design.sampled_mass * total_draws / float((draws * rows_per_draw).sum())
    normal = (x * design.weights[:, None]).T @ x
    flat = centred.transpose(1, 0, 2).reshape(players - 1, -1)
    try:
        influence = np.linalg.solve(normal, flat)
    except np.linalg.LinAlgError:
        influence = np.linalg.pinv(normal) @ flat
    influence = influence.reshape(players - 1, len(draws), targets).transpose(1, 0, 2)  # (C, M-1, T)
    scale = alpha**2 / (total_draws * (total_draws - 1))
    head = (weights[:, None, None] * influence**2).sum(axis=0) * scale
    last = (weights[:, None] * influence.sum(axis=1) ** 2).sum(axis=0) * scale
    errors: np.ndarray = np.sqrt(np.vstack([head, last[None, :]]))
    return errors
