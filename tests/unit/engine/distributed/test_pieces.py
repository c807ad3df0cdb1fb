"""Cutting the input into shards, and reading a shard's rows exactly as one process reads them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from airflow_provider_clarify.engine.data.file_source import FileSource
from airflow_provider_clarify.engine.distributed.inputs import InputFile
from airflow_provider_clarify.engine.distributed.pieces import (
    PER_FILE_FIELDS,
    Piece,
    PieceReader,
    assign_files,
    assign_rows,
    chunk_sizes,
    chunk_window,
)
from airflow_provider_clarify.engine.errors import AnalysisError
from tests.unit.engine.distributed.datasets import FORMATS, config, frame, write


def _files(*sizes: int) -> list[InputFile]:
    return [InputFile(f"f{i}", size, "v") for i, size in enumerate(sizes)]


def test_whole_files_balanced_by_bytes():
    assert assign_files(_files(10, 10, 10, 10), 2) == [[Piece(0), Piece(1)], [Piece(2), Piece(3)]]
    # one big file weighs as much as three small ones; every shard gets at least one file
    assert assign_files(_files(30, 10, 10, 10), 2) == [[Piece(0)], [Piece(1), Piece(2), Piece(3)]]
    assert assign_files(_files(1, 1, 100), 3) == [[Piece(0)], [Piece(1)], [Piece(2)]]
    assert assign_files(_files(5, 5, 5), 1) == [[Piece(0), Piece(1), Piece(2)]]


def test_rows_split_evenly_across_files():
    # files of 4 and 6 rows in chunks of 2 and 3: 10 rows, 3 shards cut at rows 3 and 7
    assert assign_rows([[2, 2], [3, 3]], 3, whole_chunks=False) == [
        [Piece(0, 0, 3)],
        [Piece(0, 3, None), Piece(1, 0, 3)],
        [Piece(1, 3, None)],
    ]
    # joined data: cuts move to the nearest chunk end (rows 2 or 4; 7 → 7)
    assert assign_rows([[2, 2], [3, 3]], 3, whole_chunks=True) == [
        [Piece(0, 0, 2)],
        [Piece(0, 2, None), Piece(1, 0, 3)],
        [Piece(1, 3, None)],
    ]
    # an empty file belongs to no shard
    assert assign_rows([[2], [], [2]], 2, whole_chunks=False) == [[Piece(0)], [Piece(2)]]


def test_more_shards_than_rows_or_chunks():
    with pytest.raises(AnalysisError, match=r"shards: 5 shards for a dataset of 4 row\(s\); use at most 4"):
        assign_rows([[2, 2]], 5, whole_chunks=False)
    with pytest.raises(AnalysisError, match="read in 2 chunk"):
        assign_rows([[2, 2]], 3, whole_chunks=True)


def test_chunk_window():
    assert chunk_window(Piece(0, 0, None), [5, 5]) == (0, None)
    assert chunk_window(Piece(0, 3, 7), [5, 5]) == (0, 10)
    assert chunk_window(Piece(0, 6, None), [5, 5, 5]) == (5, None)
    assert chunk_window(Piece(0, 5, 10), [5, 5, 5]) == (5, 10)


def test_file_source_fields_are_known():
    """A file source field added by the readers must be placed here: per file, or shared by every file."""
    shared = {"dataset_type", "names", "json_layout", "parquet_types", "kinds"}
    names = {item.name for item in dataclasses.fields(FileSource)}
    assert names == shared | set(PER_FILE_FIELDS)


@pytest.mark.parametrize("dataset_type", FORMATS)
def test_a_shard_reads_its_rows_in_the_whole_reads_chunks(tmp_path, dataset_type):
    """Each shard's tables are slices of the very tables one process reads, in order, nothing lost or repeated."""
    from airflow_provider_clarify.engine.data.opening import open_dataset

    data = frame()
    dataset = write(data, tmp_path / "data", dataset_type)
    analysis = config(
        dataset_type,
        data,
        facet=[{"name_or_index": "sex"}],
        methods={"pre_training_bias": {"methods": ["CI"]}},
    )
    opened = open_dataset(analysis, str(dataset), scratch=tmp_path, chunk_rows=23)
    whole = pd.concat([t.to_pandas() for t in opened.iter_tables()], ignore_index=True)
    chunks = [chunk_sizes(opened.main, index, 23) for index in range(len(opened.main.files))]
    assert [sum(c) for c in chunks] == [110, 130, 60]
    for shards in (1, 3, 8):
        parts = []
        for pieces in assign_rows(chunks, shards, whole_chunks=False):
            tables = list(PieceReader(opened, pieces, chunks).iter_tables())
            parts.append(pd.concat([t.to_pandas() for t in tables], ignore_index=True))
        assert sum(len(part) for part in parts) == len(data)
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
