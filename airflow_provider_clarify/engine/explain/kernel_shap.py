"""Kernel SHAP (reference §6) for records: synthetic rows, model scores, and the estimator of ``estimator.py``.

For record x with players P (explained features, text units), baseline rows b_1..b_K and coalition z, the synthetic
row h(z, b_k) takes x's value for present players and b_k's for absent ones; features that are not players keep
x's value (reference §6.1); a text column is rebuilt from its units, an absent unit replaced by b_k's text for the
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
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..models import ScoreModel
from .errors import ExplanationError
from .estimator import CoalitionDesign, coalition_design, record_rng, solve_shapley, standard_errors
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
    """reference §6.2: min(num_samples or 2M + 2048, 2^M − 2)."""
    return _sample_count(num_samples, players)


class ScoreFunction:
    """Model scores of synthetic records, on the logit scale when ``use_logit``; counts records sent."""

    def __init__(self, model: ScoreModel, use_logit: bool) -> None:
        self.model = model
        self.use_logit = use_logit
        self.records_scored = 0

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        scores = np.asarray(self.model.predict_scores(frame), dtype=float)
        self.records_scored += len(frame)
        if scores.ndim == 1:
            scores = scores.reshape(-1, 1)
        return log_odds(scores) if self.use_logit else scores


def log_odds(scores: np.ndarray) -> np.ndarray:
    """Scores explained under ``use_logit``: probabilities as log-odds, clipped to [ε, 1 − ε] first (reference §6.1);
    a score outside [0, 1] is refused. Every explanation kind (tables, text, images) reads use_logit here."""
    outside = scores[(scores < 0) | (scores > 1) | np.isnan(scores)]
    if outside.size:
        raise ExplanationError(
            f"methods.shap.use_logit is true but the model returned the score {outside[0]!r}, outside "
            "[0, 1]; use_logit needs probabilities (set use_logit to false for other scores)"
        )
    clipped = np.clip(scores, LOGIT_EPSILON, 1 - LOGIT_EPSILON)
    odds: np.ndarray = np.log(clipped / (1 - clipped))
    return odds


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


@dataclass(frozen=True)
class KernelSettings:
    """How Kernel SHAP samples and batches: ``num_samples`` coalitions per record (None: automatic, reference §6.2),
    the ``seed`` of the per-record streams, ``block_rows`` synthetic rows built and scored at once (memory bound),
    and whether to estimate each value's sampling error."""

    num_samples: int | None = None
    seed: int | None = None
    block_rows: int = DEFAULT_BLOCK_ROWS
    with_standard_errors: bool = False


def explain_all_features(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    settings: KernelSettings,
    *,
    progress: Progress,
    record_ids: Sequence[int] | None = None,
) -> LocalShap:
    """Every feature is a player (tabular data, no ``features_to_explain``)."""
    every = RecordPlayers(features=list(range(data.shape[1])))
    return explain_per_record(
        data, baseline, score, lambda i: every, settings, progress=progress, record_ids=record_ids
    )


def explain_per_record(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    players_of: Callable[[int], RecordPlayers],
    settings: KernelSettings,
    *,
    progress: Progress,
    record_ids: Sequence[int] | None = None,
) -> LocalShap:
    """Kernel SHAP of every record of ``data`` with the players ``players_of(i)`` (features outside them keep the
    record's value, reference §6.1; text columns are rebuilt from their units).

    ``record_ids[i]`` (default i) names record i's random stream: pass the records' positions in the whole
    dataset when explaining a part of it, and the part's values equal the whole run's."""
    ids = list(range(len(data))) if record_ids is None else [int(r) for r in record_ids]
    if len(ids) != len(data):
        raise ValueError(f"record_ids has {len(ids)} entries for {len(data)} records")
    if len(baseline) == 0:
        raise ExplanationError("methods.shap.baseline holds no rows; give at least one row or leave it out")
    own = score(data) if len(data) else np.zeros((0, 1))  # g(f(x)) of every record, one batched call
    sources = _ColumnSources(data, baseline)
    results = _Results(own, settings.with_standard_errors, progress)
    with _BlockScorer(score, own.shape[1], results) as scorer:
        block: list[_RecordWork] = []
        pending_rows = 0
        for i in range(len(data)):
            rng = record_rng(settings.seed, ids[i])
            work = _RecordWork.plan(i, players_of(i), sources, settings.num_samples, rng, data)
            block.append(work)
            pending_rows += work.row_count * len(baseline)
            if pending_rows >= settings.block_rows:
                scorer.submit(block, sources)
                block, pending_rows = [], 0
        if block:
            scorer.submit(block, sources)
    return results.local()


class _Results:
    """The per-record values as blocks finish (in record order)."""

    def __init__(self, own: np.ndarray, with_errors: bool, progress: Progress) -> None:
        self.own = own
        self.with_errors = with_errors
        self.progress = progress
        self.values: list[np.ndarray] = []
        self.errors: list[np.ndarray] = []
        self.expected = np.zeros(own.shape)

    def add(self, works: list[_RecordWork], per_record: list[np.ndarray]) -> None:
        for work, record_scores in zip(works, per_record, strict=True):
            phi, se, null = work.solve(record_scores, self.own[work.index], self.with_errors)
            self.values.append(phi)
            if self.with_errors:
                self.errors.append(se)
            self.expected[work.index] = null
        self.progress.advance(len(works))

    def local(self) -> LocalShap:
        count, targets = self.own.shape
        prediction = self.expected + np.array([v.sum(axis=0) for v in self.values]).reshape(count, targets)
        return LocalShap(
            values=self.values,
            expected=self.expected,
            prediction=prediction,
            standard_errors=self.errors if self.with_errors else None,
        )


class _BlockScorer:
    """Scores blocks of synthetic rows and hands each block's values to ``results``, blocks in order.

    A remote model with concurrency gets two scoring lanes: the next block is built here, and its requests queue
    behind the previous block's last ones, while earlier blocks are being scored. Any other model is called on
    this thread, one block after the other (an in-process model need not be thread-safe)."""

    def __init__(self, score: ScoreFunction, targets: int, results: _Results) -> None:
        self.score = score
        self.targets = targets
        self.results = results
        self.lanes = max(1, int(getattr(score.model, "overlapping_calls", 1)))
        self.pool = (
            ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="clarify-shap")
            if self.lanes > 1
            else None
        )
        self.in_flight: deque[tuple[list[_RecordWork], _PreparedBlock, Future[np.ndarray]]] = deque()

    def __enter__(self) -> _BlockScorer:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        try:
            if error is None:
                while self.in_flight:
                    self._finish()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, works: list[_RecordWork], sources: _ColumnSources) -> None:
        prepared = _prepare_block(works, sources)
        if self.pool is None:
            future: Future[np.ndarray] = Future()
            future.set_result(prepared.score(self.score, self.targets))
        else:
            future = self.pool.submit(prepared.score, self.score, self.targets)
        self.in_flight.append((works, prepared, future))
        while len(self.in_flight) > (self.lanes if self.pool is not None else 0):
            self._finish()

    def _finish(self) -> None:
        works, prepared, future = self.in_flight.popleft()
        self.results.add(works, prepared.values(future.result(), self.targets))


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
        # varying[i, j]: some baseline row's value differs from record i's in column j (else j is a dummy player)
        k = self.baseline_rows
        self.varying = np.zeros((len(data), len(self.columns)), dtype=bool)
        for j, codes in enumerate(self.codes):
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
    design: CoalitionDesign
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
        texts = {j: _text(data.iat[index, j]) for j in players.units}  # the record's own strings
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


@dataclass
class _PreparedBlock:
    """The distinct synthetic rows of a block (``frame``), and for every synthetic row its distinct row."""

    frame: pd.DataFrame
    row_codes: np.ndarray
    counts: np.ndarray  # coalitions (rows per baseline row) of each record
    baseline_rows: int

    def score(self, score: ScoreFunction, targets: int) -> np.ndarray:
        scores = score(self.frame) if len(self.frame) else np.zeros((0, targets))
        if scores.shape[1] != targets:
            raise ExplanationError(
                f"the model returned {scores.shape[1]} scores per synthetic record but {targets} for the records "
                "themselves; every call must return the same number of scores"
            )
        return scores

    def values(self, scores: np.ndarray, targets: int) -> list[np.ndarray]:
        """v(z) (coalitions, T) per record: the scores of its synthetic rows averaged over the baseline rows."""
        per_row = scores[self.row_codes].reshape(-1, self.baseline_rows, targets).mean(axis=1)
        return np.split(per_row, np.cumsum(self.counts)[:-1])


def _prepare_block(block: list[_RecordWork], sources: _ColumnSources) -> _PreparedBlock:
    """Build the synthetic rows of a block as indices, and gather each distinct row once into a frame."""
    k = sources.baseline_rows
    columns = len(sources.columns)
    counts = np.array([w.row_count for w in block])
    total = int(counts.sum()) * k
    # rows ordered (record, coalition, baseline row); a feature takes the record's value (index K + record)
    # unless it is an absent player of the row's coalition: then the baseline row's (index k)
    own_index = k + np.repeat(np.array([w.index for w in block]), counts * k)
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
    return _PreparedBlock(frame, row_codes, counts, k)


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
