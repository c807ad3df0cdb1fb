"""The rows the flip test needs, kept while the bias pass streams, and FT for one facet group (SPEC §9.2).

FT is the one metric computed from rows rather than from the contingency tables: it needs every feature of facet
a and facet d, plus the predicted labels. The rows are collected chunk by chunk as a numeric matrix; a text column
outside the facet makes FT an error (as in the reference), so collection stops as soon as one appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .counting import Encoders
from .ft import NON_NUMERIC, flip_test
from .groups import FacetGroup
from .profile import arrow_kind, unify_kinds

NUMERIC_KINDS = ("int", "float", "bool", "null")


@dataclass
class FlipTestRows:
    """The rows FT needs, kept per chunk: numeric feature matrix plus the raw facet/label/prediction values.

    ``columns`` are every column but the label, predicted label, join key and excluded columns. A text column
    makes FT an error (as in the reference) unless it is the facet column of the group being tested, which FT
    drops anyway; once a text column outside ``facet_columns`` appears, rows stop being collected.
    """

    columns: list[str]
    facet_columns: set[str]
    kinds: dict[str, str] = field(default_factory=dict)
    chunks: list[tuple[np.ndarray, pd.DataFrame]] = field(default_factory=list)

    @property
    def text_columns(self) -> set[str]:
        return {name for name, kind in self.kinds.items() if kind not in NUMERIC_KINDS}

    @property
    def usable(self) -> bool:
        return not (self.text_columns - self.facet_columns)

    def add(self, table: pa.Table, role_columns: list[str]) -> None:
        for name in self.columns:
            self.kinds[name] = unify_kinds(self.kinds.get(name, "null"), arrow_kind(table.column(name).type))
        if not self.usable:
            self.chunks = []
            return
        matrix = np.full((table.num_rows, len(self.columns)), np.nan, dtype=np.float64)
        for position, name in enumerate(self.columns):
            column = table.column(name)
            if arrow_kind(column.type) not in NUMERIC_KINDS:
                continue
            if pa.types.is_boolean(column.type) or pa.types.is_null(column.type):
                column = column.cast(pa.float64())
            matrix[:, position] = column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        self.chunks.append((matrix, table.select(role_columns).to_pandas()))


def group_flip_test(group: FacetGroup, rows: FlipTestRows | None, encoders: Encoders, n_jobs: int) -> float:
    """FT of one facet group: facet d's rows against facet a's (the facet column itself left out)."""
    if rows is None:
        raise ValueError("FT rows were not collected")
    if rows.text_columns - {group.role.column}:
        raise ValueError(NON_NUMERIC)
    keep = [i for i, name in enumerate(rows.columns) if name != group.role.column]
    parts_a: list[np.ndarray] = []
    parts_d: list[np.ndarray] = []
    yhat_a: list[np.ndarray] = []
    yhat_d: list[np.ndarray] = []
    for matrix, frame in rows.chunks:
        valid = (
            frame[group.role.column].notna().to_numpy()
            & frame[encoders.label].notna().to_numpy()
            & frame[encoders.predicted].notna().to_numpy()
        )
        d = group.encoder(frame[group.role.column]) & valid
        a = ~group.encoder(frame[group.role.column]) & valid
        yhat = encoders.predicted_encoder(frame[encoders.predicted]) if encoders.predicted_encoder else None
        assert yhat is not None
        parts_a.append(matrix[a][:, keep])
        parts_d.append(matrix[d][:, keep])
        yhat_a.append(yhat[a])
        yhat_d.append(yhat[d])
    features_a = np.concatenate(parts_a) if parts_a else np.empty((0, len(keep)))
    features_d = np.concatenate(parts_d) if parts_d else np.empty((0, len(keep)))
    return flip_test(features_a, np.concatenate(yhat_a), features_d, np.concatenate(yhat_d), n_jobs=n_jobs)
