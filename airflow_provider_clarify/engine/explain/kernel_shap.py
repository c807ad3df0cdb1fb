"""Kernel SHAP (SPEC §6) on the ``shap`` library's KernelExplainer.

shap varies a numeric matrix; our model takes records with strings, ints and text. So shap is given *codes*:
a player's value is ``> 0`` when it takes the explained record's value and ``-(k+1)`` when it takes baseline row
k's value. The score function decodes each synthetic row back into a real record (or text with units replaced)
and asks the model. This keeps the maths in shap, while every synthetic record goes through the model exactly as
SPEC §6.1 describes: h(z, b_k) per baseline row, v(z) = mean_k g(f(h(z, b_k))) with g = logit under use_logit.

Two paths: all features explained (tabular) → one explainer for every record, the code of a "present" value is
``record index + 1`` so one batch can mix records; otherwise (``features_to_explain``, text units) → one
explainer per record, because the players differ per record.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ExplanationError
from .progress import Progress

LOGIT_EPSILON = 1e-7
CHUNK_RECORDS = 25


@dataclass
class LocalShap:
    """Per-record results: ``values[i, p, t]`` for player p, target t; ``expected[i, t]`` = φ0 of record i;
    ``prediction[i, t]`` = g(f(x_i))."""

    values: list[np.ndarray]
    expected: np.ndarray
    prediction: np.ndarray
    target_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    """One text unit of a record: characters [start, end) of the column's string."""

    text: str
    start: int
    end: int


def sample_count(num_samples: int | None, players: int) -> int:
    """SPEC §6.2: min(num_samples or 2M + 2048, 2^M − 2) (shap applies the cap; we state it for the logs)."""
    requested = int(num_samples) if num_samples else 2 * players + 2048
    if players <= 30:
        return max(0, min(requested, 2**players - 2))
    return requested


class ScoreFunction:
    """Model scores of decoded records, on the logit scale when ``use_logit``; counts records sent."""

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


def _restore_dtype(values: np.ndarray, dtype: Any) -> Any:
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            return values
    return values


def _background_codes(baseline_rows: int, players: int) -> np.ndarray:
    return -np.repeat(np.arange(1, baseline_rows + 1, dtype=float)[:, None], players, axis=1)


def _explainer(function: Callable[[np.ndarray], np.ndarray], background: np.ndarray) -> Any:
    import shap

    return shap.KernelExplainer(function, background, link="identity")


def _values(explainer: Any, codes: np.ndarray, nsamples: int, targets: int) -> np.ndarray:
    raw = explainer.shap_values(codes, nsamples=nsamples, l1_reg=False, silent=True)
    if isinstance(raw, list):
        raw = np.stack(raw, axis=-1)
    return np.asarray(raw, dtype=float).reshape(codes.shape[0], codes.shape[1], targets)


class _SeededRandom:
    """shap samples coalitions with numpy's global RNG: seed it for the run and give the old state back.
    Also quiets shap's per-record INFO logs (one line per explained record) for the run; our Progress logs
    instead."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self._state: Any = None
        self._shap_log = logging.getLogger("shap")
        self._level = self._shap_log.level

    def __enter__(self) -> None:
        if self.seed is not None:
            self._state = np.random.get_state()
            np.random.seed(int(self.seed) % 2**32)
        if self._shap_log.getEffectiveLevel() < logging.WARNING:
            self._shap_log.setLevel(logging.WARNING)

    def __exit__(self, *exc: object) -> None:
        if self._state is not None:
            np.random.set_state(self._state)
        self._shap_log.setLevel(self._level)


def explain_all_features(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    *,
    num_samples: int | None,
    seed: int | None,
    progress: Progress,
) -> LocalShap:
    """Every feature explained, no text: one explainer; codes carry the record index."""
    rows, players = data.shape
    k = len(baseline)
    columns = list(data.columns)
    sources = []
    for name in columns:
        base = baseline[name].to_numpy()
        own = data[name].to_numpy()
        if base.dtype != own.dtype:
            base, own = base.astype(object), own.astype(object)
        sources.append(np.concatenate([base, own]))
    dtypes = data.dtypes

    def decode(codes: np.ndarray) -> pd.DataFrame:
        index = np.where(codes > 0, k + codes - 1, -codes - 1).astype(np.int64)
        return pd.DataFrame(
            {name: _restore_dtype(sources[j][index[:, j]], dtypes[name]) for j, name in enumerate(columns)},
            columns=columns,
        )

    own_scores = score(data) if rows else np.zeros((0, 1))  # f(x) of every record in one batched call

    def function(codes: np.ndarray) -> np.ndarray:
        if codes.shape[0] == 1 and codes[0, 0] > 0 and (codes[0] == codes[0, 0]).all():
            return own_scores[
                [int(codes[0, 0]) - 1]
            ]  # shap asks f(x) one record at a time: answer from cache
        return score(decode(codes))

    with _SeededRandom(seed):
        explainer = _explainer(function, _background_codes(k, players))
        targets = len(np.atleast_1d(explainer.expected_value))
        codes = np.repeat(np.arange(1, rows + 1, dtype=float)[:, None], players, axis=1)
        nsamples = sample_count(num_samples, players)
        chunks = []
        for start in range(0, rows, CHUNK_RECORDS):
            chunk = codes[start : start + CHUNK_RECORDS]
            chunks.append(_values(explainer, chunk, max(nsamples, 1), targets))
            progress.advance(len(chunk))
    values = np.concatenate(chunks) if chunks else np.zeros((0, players, targets))
    expected = np.tile(np.atleast_1d(explainer.expected_value).astype(float), (rows, 1))
    prediction = expected + values.sum(axis=1)
    return LocalShap(values=list(values), expected=expected, prediction=prediction)


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


def explain_per_record(
    data: pd.DataFrame,
    baseline: pd.DataFrame,
    score: ScoreFunction,
    players_of: Callable[[int], RecordPlayers],
    *,
    num_samples: int | None,
    seed: int | None,
    progress: Progress,
) -> LocalShap:
    """A fresh explainer per record: features outside the players keep the record's value (SPEC §6.1), text
    columns are rebuilt from their units."""
    k = len(baseline)
    columns = list(data.columns)
    base_values = baseline.to_numpy(dtype=object)
    values: list[np.ndarray] = []
    expected: list[np.ndarray] = []
    predictions: list[np.ndarray] = []
    own_scores = score(data) if len(data) else np.zeros((0, 1))  # f(x) of every record in one batched call
    with _SeededRandom(seed):
        for i in range(len(data)):
            record = data.iloc[i].to_numpy(dtype=object)
            players = players_of(i)

            def decode(
                codes: np.ndarray, record: Any = record, players: RecordPlayers = players
            ) -> pd.DataFrame:
                n = codes.shape[0]
                matrix = np.tile(record, (n, 1))
                background = (-codes - 1).astype(np.int64)
                for p, j in enumerate(players.features):
                    absent = codes[:, p] < 0
                    matrix[absent, j] = base_values[background[absent, p], j]
                offset = len(players.features)
                for j, units in players.units.items():
                    block = codes[:, offset : offset + len(units)]
                    original = "" if record[j] is None else str(record[j])
                    for r in range(n):
                        present = block[r] > 0
                        replacement = ""
                        if not present.all():
                            first_absent = int(np.argmin(present))
                            replacement = _text(base_values[int(background[r, offset + first_absent]), j])
                        matrix[r, j] = assemble_text(original, units, present, replacement)
                    offset += len(units)
                frame = pd.DataFrame(matrix, columns=columns)
                for name in columns:
                    frame[name] = _restore_dtype(frame[name].to_numpy(), data.dtypes[name])
                return frame

            def function(
                codes: np.ndarray, decode: Callable[[np.ndarray], pd.DataFrame] = decode, i: int = i
            ) -> np.ndarray:
                if codes.shape[0] == 1 and (codes > 0).all():
                    return own_scores[[i]]  # the record itself: answered from the batched call
                return score(decode(codes))

            count = players.count
            if count == 0:
                fx = own_scores[[i]]
                values.append(np.zeros((0, fx.shape[1])))
                expected.append(fx[0])
                predictions.append(fx[0])
                progress.advance(1)
                continue
            explainer = _explainer(function, _background_codes(k, count))
            phi0 = np.atleast_1d(explainer.expected_value).astype(float)
            record_values = _values(
                explainer, np.ones((1, count)), max(sample_count(num_samples, count), 1), len(phi0)
            )
            values.append(record_values[0])
            expected.append(phi0)
            predictions.append(phi0 + record_values[0].sum(axis=0))
            progress.advance(1)
    return LocalShap(values=values, expected=np.asarray(expected), prediction=np.asarray(predictions))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
