"""explanations_shap/* files (reference §8.3-8.5), each written to a temporary name and renamed into place."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import pandas as pd

from ..output import atomic_text_file


def write_atomic(path: Path, writer: Callable[[IO[str]], None]) -> None:
    with atomic_text_file(path, newline="") as stream:
        writer(stream)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda stream: frame.to_csv(stream, index=False, lineterminator="\n"))


def write_jsonl(path: Path, documents: Sequence[Mapping[str, object]]) -> None:
    def writer(stream: IO[str]) -> None:
        for document in documents:
            stream.write(json.dumps(document, ensure_ascii=False, allow_nan=False))
            stream.write("\n")

    write_atomic(path, writer)
