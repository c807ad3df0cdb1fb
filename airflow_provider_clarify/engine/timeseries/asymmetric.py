"""Asymmetric Shapley values of a forecast (Frye, Rowat & Feige 2020) as a plan of model calls and a linear map.

The Shapley value of a player averages its marginal contribution ``v(S ∪ {i}) − v(S)`` over all orderings of
the players; the asymmetric Shapley value averages only over the orderings a causal (here: temporal) structure
admits. ``v(S)`` is the forecast when the inputs of the players in ``S`` keep their values and all others are
replaced by the baseline. Every horizon step is one game (``v`` is a vector; everything below is linear in it).

Players (Clarify docs, "Asymmetric Shapley values" and the ``granularity`` parameter):

- ``timewise``: one player per time step (all series at that step, target and related together); static
  covariates keep their values in every coalition, so they are not explained and need no baseline.
- ``fine_grained``: one player per (series, step) cell, target and every related series separately, plus one per
  static covariate.

Admissible orderings (``direction``): ``chronological`` adds information from the first time step on;
``anti_chronological`` from the last step back; ``bidirectional`` gives each of the two directions weight ½. For
timewise the orderings are those one or two sequences of steps. For fine_grained (chronological only) the
orderings add the static covariates first (they are not caused by the series; Frye et al.'s "distal causes
first"), then step after step, with any order among the cells of one step: every ordering of that form is
admissible.

Because the admissible orderings are "blocks in a fixed order, any order inside a block", the value of a player is
the ordinary Shapley value of its block's game played on top of all earlier blocks. That gives the exact value
from ``Σ_b 2^{n_b}`` coalitions instead of ``Π_b n_b!`` orderings. When even that is more model calls than
sampling ``num_samples`` orderings (one random permutation per block each), orderings are sampled instead, from a
random stream seeded per item (so results do not depend on batching or item order).

A plan is the set of distinct coalitions to evaluate plus the matrix ``W`` with ``scores = W @ F`` for the
forecasts ``F`` of those coalitions. Every ordering runs from the empty to the full coalition, so the rows of
``W`` sum to ``e_full − e_empty``: scores add up to ``forecast − offset`` (efficiency).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import AnalysisError
from .baseline import ItemBaseline
from .requests import TimeSeriesRecord
from .series import ItemSeries

MAX_EXACT_BLOCK = 16
"""Largest block enumerated exactly (2^16 coalitions); larger blocks are always sampled."""


@dataclass(frozen=True)
class Players:
    """The players of one item. Fine-grained order: statics, then per step the target cell (while observed) and
    the related cells; timewise: one player per step."""

    granularity: str
    history: int  # T
    length: int  # N
    related: int  # R
    statics: int  # S

    @classmethod
    def of(cls, item: ItemSeries, granularity: str) -> Players:
        return cls(granularity, item.history_length, item.length, item.related_count, item.static_count)

    @property
    def fine(self) -> bool:
        return self.granularity == "fine_grained"

    @cached_property
    def target_index(self) -> np.ndarray:
        """Player of each target cell (fine-grained), shape (T,)."""
        index: np.ndarray = self._cell_index[0][: self.history]
        return index

    @cached_property
    def related_index(self) -> np.ndarray:
        """Player of each related cell (fine-grained), shape (R, N)."""
        return self._cell_index[1:]

    @cached_property
    def _cell_index(self) -> np.ndarray:
        index = np.full((1 + self.related, self.length), -1, dtype=np.int64)
        player = self.statics
        for step in range(self.length):
            for series in range(1 + self.related):
                if series == 0 and step >= self.history:
                    continue
                index[series, step] = player
                player += 1
        return index

    @property
    def count(self) -> int:
        if not self.fine:
            return self.length
        return self.statics + self.history + self.related * self.length

    def blocks(self) -> list[np.ndarray]:
        """Fine-grained blocks in chronological order: the statics, then the cells of each step."""
        blocks = [np.arange(self.statics)] if self.statics else []
        cells = self._cell_index
        for step in range(self.length):
            column = cells[:, step]
            blocks.append(column[column >= 0])
        return blocks


@dataclass(frozen=True)
class Plan:
    """Distinct coalitions (rows, one column per player) and ``scores = weights @ forecasts``."""

    coalitions: np.ndarray  # (C, P) bool
    weights: np.ndarray  # (P, C)
    empty: int
    full: int
    exact: bool


def plan_item(
    players: Players, direction: str, *, num_samples: int | None, seed: int, item_id: object
) -> Plan:
    """The coalitions and weights of one item's asymmetric Shapley values (exact plans depend only on the shape of
    the item, so they are computed once per shape; sampled ones are drawn per item)."""
    if not players.fine:
        return _exact_plan(players, direction)
    if direction != "chronological":
        raise AnalysisError(
            "methods.asymmetric_shapley_value: fine_grained explanations support only the chronological direction"
        )
    samples = max(int(num_samples or 1), 1)
    if _exact_is_cheaper(players.blocks(), samples):
        return _exact_plan(players, direction)
    rng = np.random.default_rng(item_seed(seed, item_id))
    orderings = [
        np.concatenate([rng.permutation(block) for block in players.blocks()]) for _ in range(samples)
    ]
    return _from_orderings(players.count, orderings, exact=False)


@functools.lru_cache(maxsize=256)
def _exact_plan(players: Players, direction: str) -> Plan:
    """The exact plan of an item shape, shared by every item of that shape (its arrays are read-only)."""
    plan = _build_exact_plan(players, direction)
    plan.coalitions.flags.writeable = False
    plan.weights.flags.writeable = False
    return plan


def _build_exact_plan(players: Players, direction: str) -> Plan:
    if not players.fine:
        steps = np.arange(players.length)
        orderings = {
            "chronological": [steps],
            "anti_chronological": [steps[::-1]],
            "bidirectional": [steps, steps[::-1]],
        }.get(direction)
        if orderings is None:
            raise AnalysisError(f"methods.asymmetric_shapley_value.direction {direction!r} is not supported")
        return _from_orderings(players.count, orderings, exact=True)
    return _exact_blocks(players.count, players.blocks())


def item_seed(seed: int, item_id: object) -> np.random.SeedSequence:
    """A random stream per (seed, item id): the same item gets the same orderings in any batch or order."""
    digest = hashlib.sha256(json.dumps(item_id).encode("utf-8")).digest()
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int.from_bytes(digest[:8], "big"),))


def _exact_is_cheaper(blocks: list[np.ndarray], samples: int) -> bool:
    """Exact when it needs no more distinct coalitions than sampling ``samples`` orderings would."""
    sizes = [len(block) for block in blocks]
    if max(sizes, default=0) > MAX_EXACT_BLOCK:
        return False
    exact = sum(1 << size for size in sizes) - (len(sizes) - 1)
    sampled = samples * sum(max(size - 1, 0) for size in sizes) + len(sizes) + 1
    return bool(exact <= sampled)


def _from_orderings(count: int, orderings: list[np.ndarray], *, exact: bool) -> Plan:
    """Average marginal contributions along each ordering (equal weight): prefix coalitions, deduplicated."""
    weight = 1.0 / len(orderings)
    rows, players, targets, sources = [], [], [], []
    for number, order in enumerate(orderings):
        rank = np.empty(count, dtype=np.int64)
        rank[order] = np.arange(count)
        rows.append(
            rank[None, :] < np.arange(count + 1)[:, None]
        )  # prefix k = first k players of the ordering
        offset = number * (count + 1)
        players.append(order)
        targets.append(offset + np.arange(1, count + 1))
        sources.append(offset + np.arange(count))
    stacked = np.concatenate(rows)
    coalitions, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    weights = np.zeros((count, len(coalitions)))
    player_index = np.concatenate(players)
    np.add.at(weights, (player_index, inverse[np.concatenate(targets)]), weight)
    np.add.at(weights, (player_index, inverse[np.concatenate(sources)]), -weight)
    return Plan(coalitions, weights, int(inverse[0]), int(inverse[count]), exact)


def _exact_blocks(count: int, blocks: list[np.ndarray]) -> Plan:
    """Shapley values of each block's game on top of the earlier blocks, from all subsets of the block."""
    rows: list[np.ndarray] = []
    coefficients: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (players, row numbers, weights)
    prefix = np.zeros(count, dtype=bool)
    for block in blocks:
        size = len(block)
        masks = np.arange(2**size)
        members = ((masks[:, None] >> np.arange(size)[None, :]) & 1).astype(bool)  # (2^n, n)
        block_rows = np.repeat(prefix[None, :], len(masks), axis=0)
        block_rows[:, block] = members
        start = int(sum(len(r) for r in rows))
        rows.append(block_rows)
        sizes = members.sum(axis=1)
        factorial = [math.factorial(k) for k in range(size + 1)]
        for position, player in enumerate(block):
            without = np.flatnonzero(~members[:, position])
            shapley = np.array(
                [factorial[s] * factorial[size - s - 1] / factorial[size] for s in sizes[without]]
            )
            with_player = without | (1 << position)
            coefficients.append((np.full(len(without), player), start + with_player, shapley))
            coefficients.append((np.full(len(without), player), start + without, -shapley))
        prefix = prefix.copy()
        prefix[block] = True
    stacked = np.concatenate(rows) if rows else np.zeros((1, count), dtype=bool)
    coalitions, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    weights = np.zeros((count, len(coalitions)))
    for player_index, row_index, value in coefficients:
        np.add.at(weights, (player_index, inverse[row_index]), value)
    empty = int(np.flatnonzero(~coalitions.any(axis=1))[0])
    full = int(np.flatnonzero(coalitions.all(axis=1))[0])
    return Plan(coalitions, weights, empty, full, True)


def coalition_records(
    item: ItemSeries, baseline: ItemBaseline, players: Players, coalitions: np.ndarray
) -> list[TimeSeriesRecord]:
    """One model record per coalition: present inputs keep their values, the others take the baseline."""
    if players.fine:
        target_on = coalitions[:, players.target_index]
        related_on = coalitions[:, players.related_index]
    else:
        target_on = coalitions[:, : players.history]
        related_on = np.broadcast_to(
            coalitions[:, None, :], (len(coalitions), players.related, players.length)
        )
    targets = np.where(target_on, item.target, baseline.target).tolist()
    related = np.where(related_on, item.related, baseline.related).tolist()
    if players.fine and players.statics:
        assert baseline.statics is not None  # item_baseline gives fine-grained statics their baseline
        statics = [
            [
                value if on else base
                for value, base, on in zip(item.statics, baseline.statics, row, strict=True)
            ]
            for row in coalitions[:, : players.statics].tolist()
        ]
    else:
        statics = [list(item.statics)] * len(coalitions)
    start = item.timestamps[0]
    return [
        TimeSeriesRecord(start, target, rel, static)
        for target, rel, static in zip(targets, related, statics, strict=True)
    ]
