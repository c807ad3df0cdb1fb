"""The files of one dataset in one format, and what a facet or predicted-label dataset adds to the table.

Kept apart from :mod:`.dataset` so that the joins (:mod:`.joins`) and the streaming table both build on it. Every
table a source hands out is checked against the kinds its columns had before (:class:`.column_kinds.ColumnKinds`),
so no consumer ever sees one column with numbers in one chunk and words in another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ...contract import CSV, JSON_LINES, PARQUET
from .column_kinds import ColumnKinds
from .csv_reader import iter_csv
from .json_readers import JsonLayout, iter_json, iter_jsonlines
from .parquet_reader import iter_parquet

FACET_DATASET: str = "facet_dataset_uri"
PREDICTED_LABEL_DATASET: str = "predicted_label_dataset_uri"


@dataclass
class FileSource:
    """The files of one dataset in one format, with the column names every file shares.

    ``csv_file_names`` are each CSV file's own columns in its own order (its header; empty: ``names`` for every
    file), so files whose headers order the columns differently are read by name. ``parquet_types`` are the
    types every Parquet file's columns are cast to (decided from all files' schemas when the dataset opens).
    """

    dataset_type: str
    files: list[Path]
    names: list[str]
    csv_skip_header: list[bool] = field(default_factory=list)
    json_layout: JsonLayout | None = None
    csv_file_names: list[list[str]] = field(default_factory=list)
    parquet_types: dict[str, pa.DataType] = field(default_factory=dict)
    kinds: ColumnKinds = field(default_factory=ColumnKinds)

    def iter_tables(self, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
        for table in self._read(columns, chunk_rows):
            self.kinds.check(table)
            yield table

    def _read(self, columns: Sequence[str] | None, chunk_rows: int) -> Iterator[pa.Table]:
        text = self.kinds.text
        for index, path in enumerate(self.files):
            if self.dataset_type == CSV:
                names = self.csv_file_names[index] if self.csv_file_names else self.names
                skip = self.csv_skip_header[index]
                yield from iter_csv(path, names, skip, columns, chunk_rows, text_columns=text)
            elif self.dataset_type == PARQUET:
                yield from iter_parquet(path, columns, chunk_rows, self.parquet_types, text)
            else:
                assert self.json_layout is not None
                reader = iter_jsonlines if self.dataset_type == JSON_LINES else iter_json
                for table in reader(path, self.json_layout, chunk_rows, text):
                    yield table.select(list(columns)) if columns is not None else table


@dataclass
class AuxiliarySource:
    """A facet or predicted-label dataset: its file source, its own column names and what it contributes."""

    field: str  # config field of the URI (for messages): FACET_DATASET or PREDICTED_LABEL_DATASET
    source: FileSource
    contributed: list[str]  # columns it adds to the logical table (never the join key)
