"""Building the contingency tables in one streaming pass (two when a role column has too many distinct values).

Pass 1 profiles every role column and counts the distinct (facet, label, predicted label, group) tuples per facet
column. Those tuple counts are all the metrics need: once the column types are known (only at the end of the pass,
because the 5 % rule needs the whole column) the tuples are encoded to booleans and weighted by their counts. Only
when a facet's tuple count exceeds the bound (continuous labels or facets with many distinct values) is a second
pass made that encodes every row directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .profile import python_value
from .tables import LabelTable, PredictionTable


class TupleCounter:
    """Counts of distinct role-value tuples for one facet column; gives up (``counts = None``) past ``cap``."""

    def __init__(self, keys: list[str], cap: int) -> None:
        self.keys = keys
        self.cap = cap
        self.counts: dict[tuple[Any, ...], int] | None = {}

    def update(self, table: pa.Table) -> None:
        if self.counts is None:
            return
        grouped = (
            table.select(self.keys).group_by(self.keys, use_threads=False).aggregate([([], "count_all")])
        )
        columns = [grouped.column(k).to_pylist() for k in self.keys]
        store = self.counts
        for *values, count in zip(*columns, grouped.column("count_all").to_pylist(), strict=True):
            key = tuple(python_value(v) for v in values)
            store[key] = store.get(key, 0) + count
        if len(store) > self.cap:
            self.counts = None

    def frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        assert self.counts is not None
        keys = list(self.counts)
        frame = pd.DataFrame(
            {name: pd.Series([k[i] for k in keys], dtype=object) for i, name in enumerate(self.keys)}
        )
        return frame, np.fromiter(self.counts.values(), dtype=np.int64, count=len(keys))


@dataclass
class Encoders:
    """Functions from raw column values to indicators / codes, fixed after pass 1."""

    label: str
    label_encoder: Callable[[pd.Series], np.ndarray]
    predicted: str | None
    predicted_encoder: Callable[[pd.Series], np.ndarray] | None
    group: str | None
    group_codes: dict[Any, int]


def group_code_array(series: pd.Series, codes: dict[Any, int]) -> np.ndarray:
    """Group-variable values → codes in sorted-value order; missing/unknown values get the extra last code."""
    return series.map(codes).fillna(len(codes)).to_numpy(dtype=np.int64)


class TableBuilder:
    """Accumulates ``n[g, d, y]`` and ``n[g, d, y, ŷ]`` for one facet group from frames (rows or tuples)."""

    def __init__(
        self, facet: str, facet_encoder: Callable[[pd.Series], np.ndarray], encoders: Encoders
    ) -> None:
        self.facet = facet
        self.facet_encoder = facet_encoder
        self.encoders = encoders
        self.groups = len(encoders.group_codes) + 1 if encoders.group else 1
        self.pre = np.zeros((self.groups, 2, 2), dtype=np.int64)
        self.post = np.zeros((self.groups, 2, 2, 2), dtype=np.int64)

    def add(self, frame: pd.DataFrame, weights: np.ndarray | None = None) -> None:
        enc = self.encoders
        if weights is None:
            weights = np.ones(len(frame), dtype=np.int64)
        valid = frame[self.facet].notna().to_numpy() & frame[enc.label].notna().to_numpy()
        d = self.facet_encoder(frame[self.facet]).astype(np.int64)
        y = enc.label_encoder(frame[enc.label]).astype(np.int64)
        g = (
            group_code_array(frame[enc.group], enc.group_codes)
            if enc.group
            else np.zeros(len(frame), np.int64)
        )
        index = (g * 2 + d) * 2 + y
        self.pre += (
            np.bincount(index[valid], weights=weights[valid], minlength=self.groups * 4)
            .astype(np.int64)
            .reshape(self.pre.shape)
        )
        if enc.predicted is not None and enc.predicted_encoder is not None:
            valid_post = valid & frame[enc.predicted].notna().to_numpy()
            yhat = enc.predicted_encoder(frame[enc.predicted]).astype(np.int64)
            index_post = index * 2 + yhat
            self.post += (
                np.bincount(index_post[valid_post], weights=weights[valid_post], minlength=self.groups * 8)
                .astype(np.int64)
                .reshape(self.post.shape)
            )

    def _trimmed(self, table: np.ndarray) -> np.ndarray:
        """Drop the 'missing group value' code when no row had one (keeps CDD's group list exact)."""
        if self.encoders.group and table[-1].sum() == 0:
            return table[:-1]
        return table

    def label_table(self) -> LabelTable:
        return LabelTable(self._trimmed(self.pre), self.encoders.group is not None)

    def prediction_table(self) -> PredictionTable:
        return PredictionTable(self._trimmed(self.post), self.encoders.group is not None)


def feed_rows(builders: Iterable[TableBuilder], frames: Iterable[pd.DataFrame]) -> None:
    """Second pass: every row, one by one chunk, into every builder."""
    builders = list(builders)
    for frame in frames:
        for builder in builders:
            builder.add(frame)
