"""A small dataset with the shape of ProPublica's COMPAS data, built in place (the tests download nothing).

What matters is the shape of the problems the real data exposed: a 0/1 label (``two_year_recid``), a 1–10 risk
score (``decile_score``) that is easily mistaken for a predicted label, an integer ``age`` with 65 distinct values
(under 5 % of 2,000 rows, so Clarify's type rule reads it as categorical), a ``race`` column whose values are
spelt with hyphens (``African-American``) and lower-case column names (``race``, ``id``). Every count a test
expects is computed from this frame with pandas, never by the engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 2000
RACES = ("African-American", "Caucasian", "Hispanic", "Other")


def compas_frame(rows: int = ROWS) -> pd.DataFrame:
    i = np.arange(rows)
    decile = 1 + (i * 3) % 10
    return pd.DataFrame(
        {
            "id": i,
            "sex": np.where(i % 5 < 2, "Female", "Male"),
            "age": 18 + (i * 7) % 65,
            "race": np.array(RACES)[(i % 7) % 4],
            "priors_count": (i * 11) % 20,
            "decile_score": decile,
            "two_year_recid": ((decile + i % 3) > 6).astype(int),
            "predicted": (decile > 5).astype(int),
        }
    )


def write_compas(directory: Path, rows: int = ROWS, *, header: bool = True) -> tuple[Path, pd.DataFrame]:
    frame = compas_frame(rows)
    path = directory / ("compas.csv" if header else "compas_noheader.csv")
    frame.to_csv(path, index=False, header=header)
    return path, frame


def bias_config(**fields: object) -> dict[str, object]:
    document: dict[str, object] = {
        "dataset_type": "text/csv",
        "label": "two_year_recid",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "race", "value_or_threshold": ["African-American"]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
    }
    document.update(fields)
    return document
