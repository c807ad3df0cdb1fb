"""The files of one dataset in one format, and what a facet or predicted-label dataset adds to the table.

Kept apart from :mod:`.dataset` so that the joins (:mod:`.joins`) and the streaming table both build on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ...contract import CSV, JSON_LINES, PARQUET
from .csv_reader import iter_csv
from .json_readers import JsonLayout, iter_json, iter_jsonlines
from .parquet_reader import iter_parquet

FACET_DATASET: str = "facet_dataset_uri"
PREDICTED_LABEL_DATASET: str = "predicted_label_dataset_uri"


@dataclass
class FileSource:
    """The files of one dataset in one format, with the column names every file shares."""

    dataset_type: str
    files: list[Path]
    names: list[str]
    csv_skip_header: list[bool] = field(default_factory=list)
    json_layout: JsonLayout | None = None

    def iter_tables(self, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
        for index, path in enumerate(self.files):
            if self.dataset_type == CSV:
                yield from iter_csv(path, self.names, self.csv_skip_header[index], columns, chunk_rows)
            elif self.dataset_type == PARQUET:
                yield from iter_parquet(path, columns, chunk_rows)
            else:
                assert self.json_layout is not None
                reader = iter_jsonlines if self.dataset_type == JSON_LINES else iter_json
                for table in reader(path, self.json_layout, chunk_rows):
                    yield table.select(list(columns)) if columns is not None else table


@dataclass
class AuxiliarySource:
    """A facet or predicted-label dataset: its file source, its own column names and what it contributes."""

    field: str  # config field of the URI (for messages): FACET_DATASET or PREDICTED_LABEL_DATASET
    source: FileSource
    contributed: list[str]  # columns it adds to the logical table (never the join key)
