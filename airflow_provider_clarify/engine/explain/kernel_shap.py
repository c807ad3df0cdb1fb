"""Kernel SHAP (SPEC §6) for records: synthetic rows, model scores, and the estimator of ``estimator.py``.

For record x with players P (explained features, text units), baseline rows b_1..b_K and coalition z, the synthetic
row h(z, b_k) takes x's value for present players and b_k's for absent ones; features that are not players keep
x's value (SPEC §6.1); a text column is rebuilt from its units, an absent unit replaced by b_k's text for the
column. v(z) = mean_k g(f(h(z, b_k))), g = logit under ``use_logit`` (applied to each synthetic row's score).

How the work is organised, and why:

- Every record's coalitions come from its own random stream ``record_rng(seed, record id)``, so its values are
  the same whatever the block size, model concurrency, processing order or shard it is explained in.
- Players whose value equals every baseline row's value (a feature x shares with all of B) are dummies with
  Shapley value 0; like KernelExplainer, the design covers only the others.
- Records are processed in blocks: the synthetic rows of many records go to the model in one call (the model
  client splits it into requests by its batch and payload limits, and keeps ``max_concurrency`` requests in
  flight). Within a block, identical synthetic rows are scored once — e.g. the empty coalition h(∅, b_k) = b_k is
  the same row for every record.
- A row is never materialised as Python objects: each column is an index into that column's values (baseline
  rows, then records), and only the distinct rows of a block are gathered into the DataFrame the model sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ExplanationError
from .estimator import coalition_design, record_rng, solve_shapley, standard_errors
from .estimator import sample_count as _sample_count
from .progress import Progress

LOGIT_EPSILON = 1e-7
DEFAULT_BLOCK_ROWS = 100_000  # synthetic rows built and scored at once: bounds memory, amortises model calls


@dataclass
class LocalShap:
    """Per-record results: ``values[i][p, t]`` for player p, target t; ``expected[i, t]`` = φ0 of record i;
    ``prediction[i, t]`` = g(f(x_i)); ``standard_errors[i][p, t]`` the estimated sampling error of
    ``values[i][p, t]`` (when asked for; 0 for exact values); ``algorithm`` which method computed them."""

    values: list[np.ndarray]
    expected: np.ndarray
    prediction: np.ndarray
    target_names: list[str] = field(default_factory=list)
    standard_errors: list[np.ndarray] | None = None
    algorithm: str = "kernel"


@dataclass(frozen=True)
class Unit:
    """One text unit of a record: characters [start, end) of the column's string."""

    text: str
    start: int
    end: int


def sample_count(num_samples: int | None, players: int) -> int:
    """SPEC §6.2: min(num_samples or 2M + 2048, 2^M − 2)."""
    return _sample_count(num_samples, players)


class ScoreFunction:
    """Model scores of synthetic records, on the logit scale when ``use_logit``; counts records sent."""

    def __init__(self, model: Any, use_logit: bool) -> None:
        self.model = model
        self.use_logit = use_logit
        self.records_scored = 0

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        scores = np.asarray(self.model.predict_scores(frame), dtype=float)
        self.records_scored += len(frame)
        if scores.ndim == 1:
            scores = scores.reshape(-1, 1)
        if self.use_logit:
            outside = scores[(scores < 0) | (scores > 1) | np.isnan(scores)]
            if outside.size:
                raise ExplanationError(
                    f"methods.shap.use_logit is true but the model returned the score {outside[0]!r}, outside "
                    "[0, 1]; use_logit needs probabilities (set use_logit to false for other scores)"
                )
            clipped = np.clip(scores, LOGIT_EPSILON, 1 - LOGIT_EPSILON)
            scores = np.log(clipped / (1 - clipped))
        return scores


@dataclass
class RecordPlayers:
    """The players of one record: explained feature positions, and per text column its units."""

    features: list[int]
    units: dict[int, list[Unit]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.features) + sum(len(units) for units in self.units.values())


def assemble_text(original: str, units: list[Unit], present: np.ndarray, replacement: str) -> str:
    """The record's text with absent units replaced (an empty replacement drops the unit)."""
    pieces = []
    cursor = 0
    for unit, keep in zip(units, present, strict=True):
        pieces.append(original[cursor : unit.start])
        pieces.append(unit.text if keep else replacement)
        cursor = unit.end
    pieces.append(original[cursor:])
    return "".join(pieces)


def explain_all_features(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    *,
    num_samples: int | None,
    seed: int | None,
    progress: Progress,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    with_standard_errors: bool = False,
    record_ids: Sequence[int] | None = None,
) -> LocalShap:
    """Every feature is a player (tabular data, no ``features_to_explain``)."""
    every = RecordPlayers(features=list(range(data.shape[1])))
    return explain_per_record(
        data,
        baseline,
        score,
        lambda i: every,
        num_samples=num_samples,
        seed=seed,
        progress=progress,
        block_rows=block_rows,
        with_standard_errors=with_standard_errors,
        record_ids=record_ids,
    )


def explain_per_record(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    players_of: Callable[[int], RecordPlayers],
    *,
    num_samples: int | None,
    seed: int | None,
    progress: Progress,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    with_standard_errors: bool = False,
    record_ids: Sequence[int] | None = None,
) -> LocalShap:
    """Kernel SHAP of every record of ``data`` with the players ``players_of(i)`` (features outside them keep the
    record's value, SPEC §6.1; text columns are rebuilt from their units).

    ``record_ids[i]`` (default i) names record i's random stream: pass the records' positions in the whole
    dataset when explaining a part of it, and the part's values equal the whole run's."""
    ids = list(range(len(data))) if record_ids is None else [int(r) for r in record_ids]
    if len(ids) != len(data):
        raise ValueError(f"record_ids has {len(ids)} entries for {len(data)} records")
    if len(baseline) == 0:
        raise ExplanationError("methods.shap.baseline holds no rows; give at least one row or leave it out")
    own = score(data) if len(data) else np.zeros((0, 1))  # g(f(x)) of every record, one batched call
    sources = _ColumnSources(data, baseline)
    values: list[np.ndarray] = []
    errors: list[np.ndarray] = []
    expected = np.zeros((len(data), own.shape[1]))
    block: list[_RecordWork] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending_rows
        if not block:
            return
        scores = _score_block(block, sources, score, own.shape[1])
        for work, record_scores in zip(block, scores, strict=True):
            phi, se, null = work.solve(record_scores, own[work.index], with_standard_errors)
            values.append(phi)
            if with_standard_errors:
                errors.append(se)
            expected[work.index] = null
        progress.advance(len(block))
        block.clear()
        pending_rows = 0

    for i in range(len(data)):
        players = players_of(i)
        work = _RecordWork.plan(i, players, sources, num_samples, record_rng(seed, ids[i]), data)
        block.append(work)
        pending_rows += work.row_count * len(baseline)
        if pending_rows >= block_rows:
            flush()
    flush()
    prediction = expected + np.array([v.sum(axis=0) for v in values]).reshape(len(data), own.shape[1])
    return LocalShap(
        values=values,
        expected=expected,
        prediction=prediction,
        standard_errors=errors if with_standard_errors else None,
    )


def _restore_dtype(values: np.ndarray, dtype: Any) -> Any:
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            return values
    return values


class _ColumnSources:
    """Per feature column, every value a tabular synthetic row can take there: the K baseline values, then the N
    records' values (so row r of the block is a vector of indices), and an integer code per value (equal values,
    equal codes) used to find dummy players and duplicate rows."""

    def __init__(self, data: pd.DataFrame, baseline: pd.DataFrame) -> None:
        self.columns = list(data.columns)
        self.baseline_rows = len(baseline)
        self.values: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.cardinality: list[int] = []
        for name in self.columns:
            base = baseline[name].to_numpy()
            own = data[name].to_numpy()
            if base.dtype != own.dtype:
                base, own = base.astype(object), own.astype(object)
            source = _restore_dtype(np.concatenate([base, own]), data[name].dtype)
            codes, uniques = pd.factorize(source, use_na_sentinel=False)
            self.values.append(source)
            self.codes.append(codes.astype(np.int64))
            self.cardinality.append(max(len(uniques), 1))
        self.baseline_text = baseline.to_numpy(dtype=object)
        k = self.baseline_rows
        self.varying = np.zeros((len(data), len(self.columns)), dtype=bool)
        for j, codes in enumerate(
            self.codes
        ):  # (N, F): some baseline row differs from the record in column j
            self.varying[:, j] = (codes[None, :k] != codes[k:, None]).any(axis=1)


@dataclass
class _RecordWork:
    """One record's design and the coalitions to evaluate: row 0 is the empty coalition, then the design's."""

    index: int
    players: int  # all players, dummies included
    active_features: list[int]  # positions (in the data) of the feature players that vary
    active_positions: np.ndarray  # their player indices, then the units' (text units always vary)
    text_units: dict[int, list[Unit]]
    present: np.ndarray  # (S + 1, active players) bool
    design: Any
    original_text: dict[int, str]

    @classmethod
    def plan(
        cls,
        index: int,
        players: RecordPlayers,
        sources: _ColumnSources,
        num_samples: int | None,
        rng: np.random.Generator,
        data: pd.DataFrame,
    ) -> _RecordWork:
        varying = [(p, j) for p, j in enumerate(players.features) if sources.varying[index, j]]
        unit_positions = list(range(len(players.features), players.count))
        active = [j for _, j in varying]
        positions = np.array([p for p, _ in varying] + unit_positions, dtype=np.intp)
        design = coalition_design(len(positions), num_samples, rng)
        present = np.vstack([np.zeros((1, len(positions)), dtype=bool), design.masks])
        texts = {
            j: _text(data.iat[index, j]) for j, units in players.units.items()
        }  # the record's own strings
        return cls(index, players.count, active, positions, dict(players.units), present, design, texts)

    @property
    def row_count(self) -> int:
        return len(self.present)  # per baseline row

    def absent_features(self, columns: int) -> np.ndarray:
        """(rows, columns) bool: which feature columns take the baseline row's value in each coalition."""
        absent = np.zeros((len(self.present), columns), dtype=bool)
        absent[:, self.active_features] = ~self.present[:, : len(self.active_features)]
        return absent

    def solve(
        self, scores: np.ndarray, full: np.ndarray, with_errors: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(φ, standard errors, φ0) over all players from v at row 0 (∅) and the design rows."""
        null, design_values = scores[0], scores[1:]
        targets = scores.shape[1]
        phi = np.zeros((self.players, targets))
        se = np.zeros((self.players, targets))
        active = solve_shapley(self.design, design_values, null, full)
        phi[self.active_positions] = active
        if with_errors:
            se[self.active_positions] = standard_errors(self.design, design_values, null, full, active)
        return phi, se, null


def _score_block(
    block: list[_RecordWork], sources: _ColumnSources, score: ScoreFunction, targets: int
) -> list[np.ndarray]:
    """v(z) (rows of ``present``, T) for every record of the block: build the synthetic rows as indices, score
    each distinct row once, average over the baseline rows."""
    k = sources.baseline_rows
    columns = len(sources.columns)
    counts = np.array([w.row_count for w in block])
    total = int(counts.sum()) * k
    # rows ordered (record, coalition, baseline row); a feature takes the record's value (index K + record)
    # unless it is an absent player of the row's coalition: then the baseline row's (index k)
    own_index = sources.baseline_rows + np.repeat(np.array([w.index for w in block]), counts * k)
    baseline_of_row = np.tile(np.arange(k), int(counts.sum()))
    absent = np.concatenate([np.repeat(w.absent_features(columns), k, axis=0) for w in block])

    def index_of(j: int) -> np.ndarray:
        return np.where(absent[:, j], baseline_of_row, own_index)

    text_values = {
        j: _text_column(block, sources, j, k, total)
        for j in sorted({j for work in block for j in work.text_units})
    }
    key = np.zeros(total, dtype=np.int64)
    bound = 1
    for j in range(columns):
        if j in text_values:
            codes, uniques = pd.factorize(text_values[j])
            cardinality = max(len(uniques), 1)
        else:
            codes, cardinality = sources.codes[j][index_of(j)], sources.cardinality[j]
        if bound * cardinality >= 2**62:  # re-compact the key before the mixed radix overflows
            compact, distinct_keys = pd.factorize(key)
            key, bound = compact.astype(np.int64), max(len(distinct_keys), 1)
        key = key * cardinality + codes
        bound *= cardinality
    row_codes, _ = pd.factorize(key)  # equal keys ⇔ equal rows; codes numbered by first appearance
    seen_before = np.maximum.accumulate(np.concatenate([[-1], row_codes[:-1]]))
    first = np.nonzero(row_codes > seen_before)[0]  # the first row of each distinct row, in code order
    frame = pd.DataFrame(
        {
            name: text_values[j][first] if j in text_values else sources.values[j][index_of(j)[first]]
            for j, name in enumerate(sources.columns)
        },
        columns=sources.columns,
    )
    scores = score(frame) if len(frame) else np.zeros((0, targets))
    if scores.shape[1] != targets:
        raise ExplanationError(
            f"the model returned {scores.shape[1]} scores per synthetic record but {targets} for the records "
            "themselves; every call must return the same number of scores"
        )
    values = scores[row_codes].reshape(-1, k, targets).mean(axis=1)  # (Σ rows, T): mean over baseline rows
    return np.split(values, np.cumsum(counts)[:-1])


def _text_column(block: list[_RecordWork], sources: _ColumnSources, j: int, k: int, total: int) -> np.ndarray:
    """The strings of text column j for every synthetic row of the block (units rebuilt per coalition; the
    replacement of an absent unit is the baseline row's text for the column)."""
    column = np.empty(total, dtype=object)
    start = 0
    replacements = [_text(value) for value in sources.baseline_text[:, j]]
    distinct_replacements = sorted(set(replacements))
    slot = np.array([distinct_replacements.index(r) for r in replacements])
    for work in block:
        rows = work.row_count * k
        units = work.text_units.get(j)
        if units is None:
            column[start : start + rows] = sources.values[j][k + work.index]
            start += rows
            continue
        offset = len(work.active_features)
        for c, earlier in work.text_units.items():  # unit players follow the features, column by column
            if c == j:
                break
            offset += len(earlier)
        block_masks = work.present[:, offset : offset + len(units)]
        original = work.original_text[j]
        texts = np.empty((work.row_count, len(distinct_replacements)), dtype=object)
        for c, present in enumerate(block_masks):
            for r, replacement in enumerate(distinct_replacements):
                texts[c, r] = assemble_text(original, units, present, replacement)
        column[start : start + rows] = texts[:, slot].reshape(-1)
        start += rows
    return column


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
