"""What a data file is, decided from its first bytes and its name before any row is read.

Why bytes first: a gzip file without ``.gz`` would otherwise be parsed as one garbled CSV row, and a Parquet or
JSON Lines file dropped into a CSV folder would be parsed as CSV rows — a wrong result without an error. Names
come second: a README or a file of another format beside the data parts is refused by name, so that its first
line never poses as the dataset's columns.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

import pyarrow as pa

from ...contract import CSV, JSON, JSON_LINES, PARQUET
from ..errors import AnalysisError

GZIP_MAGIC: Final = b"\x1f\x8b"
PARQUET_MAGIC: Final = b"PAR1"
ZIP_MAGIC: Final = b"PK\x03\x04"
UTF8_BOM: Final = b"\xef\xbb\xbf"

DOCUMENT_STEMS: Final = frozenset({"readme", "license", "licence", "notice", "changelog", "manifest"})
"""File names (before the first dot, any case) that document a dataset rather than hold its rows."""

SUFFIX_FORMATS: Final = {
    ".csv": CSV,
    ".tsv": "tab-separated text",
    ".json": JSON,
    ".jsonl": JSON_LINES,
    ".ndjson": JSON_LINES,
    ".parquet": PARQUET,
    ".pq": PARQUET,
    ".avro": "Avro",
    ".orc": "ORC",
    ".xlsx": "Excel",
    ".xls": "Excel",
    ".md": "documentation",
    ".rst": "documentation",
    ".pdf": "documentation",
    ".html": "documentation",
    ".htm": "documentation",
    ".ipynb": "a notebook",
    ".py": "source code",
    ".sh": "source code",
    ".yaml": "configuration",
    ".yml": "configuration",
    ".toml": "configuration",
    ".xml": "XML",
    ".zip": "a zip archive",
    ".tar": "a tar archive",
    ".png": "an image",
    ".jpg": "an image",
    ".jpeg": "an image",
    ".pkl": "a pickle",
    ".npy": "a NumPy array",
}
"""A suffix that says what a file holds; a file whose suffix names another format than the dataset's is refused.
Suffixes not listed (``.txt``, ``.out``, ``.data``, none at all, as Spark and batch transform write) are read."""

ACCEPTED_FORMATS: Final = {
    CSV: {CSV},
    JSON_LINES: {JSON_LINES, JSON},  # a .json file of one object per line is JSON Lines in practice
    JSON: {JSON},
    PARQUET: {PARQUET},
}


def head(path: Path, size: int = 4) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(size)


def is_gzip(path: Path) -> bool:
    """Decided by the magic bytes, not the name: ``part-0`` may be gzip and ``x.gz`` may be plain text."""
    return head(path, 2) == GZIP_MAGIC


def check_data_file(path: Path, dataset_type: str, field: str) -> None:
    """Refuse a file that is not a ``dataset_type`` data file, naming it and saying why (name, then bytes)."""
    stem = path.name.split(".", 1)[0].lower()
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    suffix_format = SUFFIX_FORMATS.get(suffixes[-1]) if suffixes else None
    reason = None
    if stem in DOCUMENT_STEMS:
        reason = "it documents the dataset, it holds no rows"
    elif suffix_format is not None and suffix_format not in ACCEPTED_FORMATS.get(
        dataset_type, {dataset_type}
    ):
        reason = f"its name says it holds {suffix_format}"
    else:
        magic = head(path)
        if dataset_type == PARQUET and magic and magic != PARQUET_MAGIC:
            reason = "it does not start with the Parquet magic bytes"
        elif dataset_type != PARQUET and magic == PARQUET_MAGIC:
            reason = "it is a Parquet file"
        elif magic == ZIP_MAGIC:
            reason = "it is a zip archive"
    if reason is not None:
        raise AnalysisError(
            f"{field}: {path.name} is not a {dataset_type} data file ({reason}); remove it from the dataset "
            "folder or point the URI at the data files only (names starting with '.' or '_' are skipped)"
        )


@contextmanager
def open_binary(path: Path) -> Iterator[io.BufferedIOBase]:
    """The file's bytes, gunzipped when its magic bytes say gzip; a truncated gzip stream names the file."""
    opened: io.BufferedIOBase = gzip.GzipFile(path, "rb") if is_gzip(path) else open(path, "rb")  # noqa: SIM115
    with opened as stream:
        try:
            yield stream
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise truncated_gzip(path, error) from error


def open_text(path: Path) -> IO[str]:
    """UTF-8 text (a leading byte order mark dropped) for Python's csv module; undecodable bytes survive as
    surrogates so the caller can say where they are instead of failing on the first one."""
    if is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def arrow_input(path: Path) -> pa.NativeFile:
    """A pyarrow input stream of the file, gunzipped when its magic bytes say gzip."""
    return pa.input_stream(str(path), compression="gzip" if is_gzip(path) else None)


def truncated_gzip(path: Path, error: BaseException) -> AnalysisError:
    return AnalysisError(
        f"dataset file {path.name}: the gzip data ends early (the file is truncated or damaged: {error}); copy or "
        "compress it again"
    )


def has_surrogates(text: str) -> bool:
    """Whether text decoded with ``surrogateescape`` held bytes that are not UTF-8."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def not_utf8(path: Path, where: str, text: str) -> AnalysisError:
    """The message for bytes that are not UTF-8, showing them and the fix."""
    raw = text.encode("utf-8", errors="surrogateescape")
    return AnalysisError(
        f"dataset file {path.name}: {where} holds bytes that are not UTF-8 ({raw[:40]!r}); Clarify reads UTF-8 "
        "text: save the file as UTF-8 (for Latin-1 or Windows-1252 data: iconv -f cp1252 -t utf-8)"
    )
