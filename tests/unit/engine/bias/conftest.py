from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture
def write_csv(tmp_path: Path):
    def write(frame: pd.DataFrame, name: str = "data.csv", header: bool = True) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, header=header)
        return path

    return write


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


def load(path: Path) -> dict:
    return json.loads((path / "analysis.json").read_text())
