"""Build the bundled UCI Adult sample the example DAGs and ``make demo`` run on.

Run from the repository root (the source is the full data set shipped as ``sample_data/uci-adult/adult.csv.gz``,
or ``--source``)::

    .venv/bin/python sample_data/make_sample.py

The output is committed, so the examples need nothing else. The script is deterministic (fixed seed, sorted
output, ``\\n`` line endings): running it again reproduces the committed files byte for byte, which
``tests/unit/test_sample_data.py`` checks.

Why the data looks the way it does:

* **Model-ready, all numeric.** The examples send feature rows to a scikit-learn model as CSV, the way a
  SageMaker endpoint receives them, so every column is a number. Categorical inputs are reduced to two readable
  0/1 columns (``sex``: 0 = Female, 1 = Male; ``married``: 1 = Married-civ-spouse or Married-AF-spouse); the
  numeric inputs keep their original values. Rows with a missing value (``?``) in a used column are dropped.
* **Label** ``income_gt_50k``: 1 when income is ``>50K`` (so ``label_values_or_threshold`` is ``[1]``).
* **Partitions with a slow drift.** ``partitions/ds=YYYY-MM-DD/data.csv`` holds one day of "production" data for
  each day of ``DATES``. Day *k* is drawn with the share of women falling from the population's share on the
  first day to about half of it on the last, so the monitoring and backfill DAGs have a real trend to find
  (class imbalance CI rises over the fortnight) while every partition stays a plain random sample otherwise.
* ``train.csv`` (the candidate model's training data) and ``validation.csv`` (what the deploy gate analyses) are
  disjoint random samples of the remaining rows.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "uci-adult" / "adult.csv.gz"
OUTPUT_DIR = HERE / "adult"

SEED = 20240101
FIRST_DAY = date(2024, 1, 1)
DAYS = 14
DATES = [(FIRST_DAY + timedelta(days=k)).isoformat() for k in range(DAYS)]
ROWS_PER_DAY = 300
TRAIN_ROWS = 3000
VALIDATION_ROWS = 1500
# On the last day women are drawn at this fraction of their population share (linear from 1.0 on the first day).
LAST_DAY_FEMALE_WEIGHT = 0.5

COLUMNS = [
    "age",
    "education_num",
    "hours_per_week",
    "capital_gain",
    "capital_loss",
    "married",
    "sex",
    "income_gt_50k",
]
LABEL = "income_gt_50k"


def model_ready(raw: pd.DataFrame) -> pd.DataFrame:
    """Select, rename and encode the columns the examples use (see the module docstring)."""
    used = ["age", "education-num", "hours-per-week", "capital-gain", "capital-loss", "marital-status", "sex"]
    rows = raw[~raw[[*used, "income"]].isin(["?"]).any(axis=1)].dropna(subset=[*used, "income"])
    frame = pd.DataFrame(
        {
            "age": rows["age"].astype(int),
            "education_num": rows["education-num"].astype(int),
            "hours_per_week": rows["hours-per-week"].astype(int),
            "capital_gain": rows["capital-gain"].astype(int),
            "capital_loss": rows["capital-loss"].astype(int),
            "married": rows["marital-status"].isin(["Married-civ-spouse", "Married-AF-spouse"]).astype(int),
            "sex": (rows["sex"].str.strip() == "Male").astype(int),
            LABEL: rows["income"].str.strip().str.rstrip(".").eq(">50K").astype(int),
        }
    )
    return frame.reset_index(drop=True)[COLUMNS]


def draw_partitions(
    pool: pd.DataFrame, rng: np.random.Generator
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """One day's sample per date, without replacement, women down-weighted more each day."""
    remaining = pool
    partitions: dict[str, pd.DataFrame] = {}
    for k, day in enumerate(DATES):
        female_weight = 1.0 - (1.0 - LAST_DAY_FEMALE_WEIGHT) * k / (DAYS - 1)
        weights = np.where(remaining["sex"].to_numpy() == 0, female_weight, 1.0)
        chosen = rng.choice(len(remaining), size=ROWS_PER_DAY, replace=False, p=weights / weights.sum())
        partitions[day] = remaining.iloc[np.sort(chosen)]
        remaining = remaining.drop(remaining.index[chosen])
    return partitions, remaining


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def build(source: Path, output_dir: Path = OUTPUT_DIR) -> list[Path]:
    rng = np.random.default_rng(SEED)
    pool = model_ready(pd.read_csv(source, skipinitialspace=True))
    partitions, remaining = draw_partitions(pool, rng)
    picked = rng.choice(len(remaining), size=TRAIN_ROWS + VALIDATION_ROWS, replace=False)
    train = remaining.iloc[np.sort(picked[:TRAIN_ROWS])]
    validation = remaining.iloc[np.sort(picked[TRAIN_ROWS:])]

    written = []
    for day, frame in partitions.items():
        path = output_dir / "partitions" / f"ds={day}" / "data.csv"
        write_csv(frame, path)
        written.append(path)
    for name, frame in (("train.csv", train), ("validation.csv", validation)):
        write_csv(frame, output_dir / name)
        written.append(output_dir / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="path to the full adult.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR, help="directory to write the sample into")
    args = parser.parse_args()
    written = build(args.source, args.output)
    print(f"wrote {len(written)} files under {args.output}")


if __name__ == "__main__":
    main()
