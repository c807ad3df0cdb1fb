"""The committed sample under sample_data/ is exactly what sample_data/make_sample.py builds from UCI Adult."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO_ROOT / "sample_data" / "adult"


def load_make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", REPO_ROOT / "sample_data" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_reproduces_the_committed_files_byte_for_byte(adult_csv, tmp_path):
    make_sample = load_make_sample()
    written = make_sample.build(adult_csv, tmp_path)
    committed = sorted(p.relative_to(SAMPLE_DIR) for p in SAMPLE_DIR.rglob("*.csv"))
    assert sorted(p.relative_to(tmp_path) for p in written) == committed
    for relative in committed:
        assert (tmp_path / relative).read_bytes() == (SAMPLE_DIR / relative).read_bytes(), relative


def test_encoding_matches_the_source_rows(adult_csv):
    """Independent of the script: re-derive each encoded column from the raw source for a sample of rows."""
    raw = pd.read_csv(adult_csv, skipinitialspace=True)
    train = pd.read_csv(SAMPLE_DIR / "train.csv")
    assert list(train.columns) == [
        "age",
        "education_num",
        "hours_per_week",
        "capital_gain",
        "capital_loss",
        "married",
        "sex",
        "income_gt_50k",
    ]
    # Class balance of the source, from its own strings: the sample's label rate is close to it.
    source_rate = raw["income"].str.strip().str.rstrip(".").eq(">50K").mean()
    assert train["income_gt_50k"].mean() == pytest.approx(source_rate, abs=0.03)
    # Women in the source, by the string; the training sample (no drift applied) keeps the share.
    assert (train["sex"] == 0).mean() == pytest.approx((raw["sex"].str.strip() == "Female").mean(), abs=0.03)
    assert set(train["married"]) <= {0, 1} and set(train["sex"]) <= {0, 1}


def test_partitions_are_disjoint_days_with_falling_share_of_women():
    days = sorted(SAMPLE_DIR.glob("partitions/ds=*/data.csv"))
    assert [p.parent.name for p in days] == [f"ds=2024-01-{d:02d}" for d in range(1, 15)]
    frames = [pd.read_csv(p) for p in days]
    assert all(len(frame) == 300 for frame in frames)
    first_week = pd.concat(frames[:7])
    second_week = pd.concat(frames[7:])
    assert (second_week["sex"] == 0).mean() < (first_week["sex"] == 0).mean() - 0.03
