"""The columns of a CSV dataset of several files, each file read by its own header.

Why per file: Spark, pandas and hand-made splits write a header into every part, and nothing guarantees the
parts order their columns alike. Reading a later part by the first part's column positions assigns its values to
the wrong columns (and its header becomes a data row). So every file's first rows are looked at:

- a file whose first row is a header (the rule of reference §3.2, or a row equal to ``headers`` in any order) is read
  by the names in that header;
- a file without a header row is read by position, which is only meaningful when every headed file orders the
  columns alike and the widths match;
- files whose headers name different sets of columns are refused, naming the odd file(s) out against what most
  files hold (so a stray file is blamed, not the data parts), and so is a header that names a column twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...contract import CSV
from ..errors import AnalysisError
from .column_kinds import ColumnKinds
from .columns import generated_names
from .csv_reader import first_rows, header_names, looks_like_header
from .file_source import FileSource
from .formats import check_data_file


@dataclass(frozen=True)
class CsvFileHeader:
    """One file's columns in its own order, and whether its first row is the header that names them."""

    path: Path
    names: list[str]
    has_header: bool


def csv_source(
    files: list[Path], headers: Sequence[str] | None, field: str, referenced: Sequence[str] = ()
) -> FileSource:
    """The CSV files of a dataset with the columns they share; every file is checked before any row is read."""
    for path in files:
        check_data_file(path, CSV, field)
    found = [_file_header(path, headers, referenced, field) for path in files]
    readable = [header for header in found if header is not None]
    if not readable:
        raise AnalysisError(f"{field}: the first file {files[0].name} is empty")
    names = _dataset_names(readable, headers, field)
    return FileSource(
        CSV,
        [header.path for header in readable],
        names,
        [header.has_header for header in readable],
        csv_file_names=[header.names if header.has_header else names for header in readable],
        kinds=ColumnKinds(),
    )


def _file_header(
    path: Path, headers: Sequence[str] | None, referenced: Sequence[str], field: str
) -> CsvFileHeader | None:
    rows = first_rows(path)
    if not rows:
        return None  # an empty part holds no rows (Spark writes them)
    row0 = [cell.strip() for cell in rows[0]]
    if headers:
        given = [str(name) for name in headers]
        if sorted(row0) == sorted(given):
            return CsvFileHeader(path, header_names(path, rows[0]), True)
        shared = [cell for cell in row0 if cell in given]
        if shared and looks_like_header(rows):
            raise AnalysisError(
                f"{field}: the first row of {path.name} names the columns {row0}, which are not the columns of "
                f"`headers` {given}; give every file the columns of `headers` (in any order) or no header row"
            )
        return CsvFileHeader(path, given, False)
    if looks_like_header(rows, referenced):
        return CsvFileHeader(path, header_names(path, rows[0]), True)
    return CsvFileHeader(path, generated_names(len(rows[0])), False)


def _dataset_names(found: list[CsvFileHeader], headers: Sequence[str] | None, field: str) -> list[str]:
    headed = [header for header in found if header.has_header]
    if headers:
        names = [str(name) for name in headers]
    elif not headed:
        return found[0].names
    else:
        counts = Counter(frozenset(header.names) for header in headed)
        most = max(counts.values())
        majority = next(header for header in headed if counts[frozenset(header.names)] == most)
        names = majority.names
        odd = [header for header in headed if set(header.names) != set(names)]
        if odd:
            raise _different_columns(odd, [h for h in headed if set(h.names) == set(names)], names, field)
    orders = {tuple(header.names) for header in headed}
    for header in found:
        if header.has_header:
            continue
        if len(orders) > 1:
            raise AnalysisError(
                f"{field}: {header.path.name} has no header row, and the files with one order their columns "
                "differently, so its columns cannot be told by position; add the header row to it"
            )
        width = len(first_rows(header.path, 1)[0])
        if width != len(names):
            raise AnalysisError(
                f"{field}: {header.path.name} has no header row and {width} field(s) per row, but the dataset has "
                f"{len(names)} columns ({names}); add the header row or fix the file"
            )
    return names


def _different_columns(
    odd: list[CsvFileHeader], agreeing: list[CsvFileHeader], names: list[str], field: str
) -> AnalysisError:
    first = odd[0]
    missing = [name for name in names if name not in first.names]
    extra = [name for name in first.names if name not in names]
    others = ", ".join(header.path.name for header in agreeing[:3]) + (", ..." if len(agreeing) > 3 else "")
    more = f" (and {len(odd) - 1} more file(s) like it)" if len(odd) > 1 else ""
    return AnalysisError(
        f"{field}: the files do not share one set of columns: {first.path.name}{more} has the columns "
        f"{first.names} (missing {missing}, unexpected {extra}) while {len(agreeing)} file(s) ({others}) have "
        f"{names}; files are read by column name, so give every file the same columns (in any order) or remove "
        f"{first.path.name} from the dataset"
    )
