"""One logical table from the main dataset plus the optional facet and predicted-label datasets.

The main dataset is streamed file by file in lexicographic order. The auxiliary datasets (CSV only) are either
aligned by position (one file each, row counts must match) or inner-joined on ``joinsource_name_or_index``
(SPEC §3.3). Consumers see named pyarrow tables (``iter_tables``) or pandas frames (``iter_frames``) restricted
to the columns they ask for, and progress is logged at INFO while long reads run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import AnalysisError
from .csv_reader import detect_header, iter_csv
from .json_readers import JsonLayout, iter_json, iter_jsonlines
from .parquet_reader import iter_parquet, parquet_columns
from .sources import list_files

log = logging.getLogger("airflow_provider_clarify.engine")

CSV = "text/csv"
JSON_LINES = "application/jsonlines"
JSON = "application/json"
PARQUET = "application/x-parquet"
TABULAR_TYPES = (CSV, JSON_LINES, JSON, PARQUET)
DEFAULT_PREDICTED_LABEL_NAME = "predicted_label"


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

    field: str  # config field of the URI (for messages)
    source: FileSource
    contributed: list[str]  # columns it adds to the logical table (never the join key)


@dataclass
class TabularDataset:
    """The logical table an analysis reads, streamed in chunks."""

    main: FileSource
    auxiliaries: list[AuxiliarySource]
    join_key: str | None
    chunk_rows: int
    progress_interval: float = 10.0
    transforms: list[Callable[[pa.Table], pa.Table]] = field(default_factory=list)

    @property
    def main_columns(self) -> list[str]:
        return list(self.main.names)

    @property
    def columns(self) -> list[str]:
        names = list(self.main.names)
        for auxiliary in self.auxiliaries:
            names.extend(c for c in auxiliary.contributed if c not in names)
        return names

    def auxiliary_columns(self, field_name: str) -> list[str]:
        for auxiliary in self.auxiliaries:
            if auxiliary.field == field_name:
                return list(auxiliary.contributed)
        return []

    def iter_frames(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows as pandas frames (one per chunk), restricted to ``columns`` (all when None)."""
        for table in self.iter_tables(columns):
            yield table.to_pandas()

    def iter_tables(self, columns: Sequence[str] | None = None) -> Iterator[pa.Table]:
        """The rows as pyarrow tables (one per chunk), restricted to ``columns`` (all when None)."""
        wanted = list(columns) if columns is not None else self.columns
        unknown = [c for c in wanted if c not in self.columns]
        if unknown:
            raise AnalysisError(f"internal: unknown columns {unknown}")
        main_wanted = [c for c in wanted if c in self.main.names]
        stream: Iterator[pa.Table]
        if not self.auxiliaries:
            stream = self.main.iter_tables(main_wanted, self.chunk_rows)
        else:
            stream = self._with_auxiliaries(wanted, main_wanted)
        started = last = time.monotonic()
        rows = 0
        for table in stream:
            rows += table.num_rows
            now = time.monotonic()
            if now - last >= self.progress_interval:
                last = now
                log.info("Read %d rows (%.0f rows/s)", rows, rows / max(now - started, 1e-9))
            yield table.select(wanted)
        elapsed = time.monotonic() - started
        log.info("Read %d rows in %.1f s (%.0f rows/s)", rows, elapsed, rows / max(elapsed, 1e-9))

    def _with_auxiliaries(self, wanted: list[str], main_wanted: list[str]) -> Iterator[pa.Table]:
        needed_aux = [a for a in self.auxiliaries if any(c in wanted for c in a.contributed)]
        if self.join_key is None:
            main_stream = self.main.iter_tables(main_wanted or self.main.names[:1], self.chunk_rows)
            yield from _align_by_position(main_stream, needed_aux, wanted, self.chunk_rows)
            return
        key = self.join_key
        lookups = [(a, _load_for_join(a, key, self.chunk_rows)) for a in needed_aux]
        main_columns = list(dict.fromkeys([*main_wanted, key]))
        kept = dropped = 0
        for table in self.main.iter_tables(main_columns, self.chunk_rows):
            frame = table.to_pandas()
            frame["__join_key__"] = _key_text(frame[key])
            before = len(frame)
            for _, lookup in lookups:
                frame = frame.merge(lookup, on="__join_key__", how="inner", sort=False)
            kept += len(frame)
            dropped += before - len(frame)
            frame = frame[[c for c in wanted if c in frame.columns]]
            yield pa.Table.from_pandas(frame, preserve_index=False)
        if dropped:
            log.warning("Inner join on %r dropped %d row(s) without a match (%d kept)", key, dropped, kept)


def _key_text(series: pd.Series) -> pd.Series:
    """Join keys compared as text so an integer key in one file matches the same digits in another."""
    return series.map(
        lambda v: None if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    )


def _load_for_join(auxiliary: AuxiliarySource, key: str, chunk_rows: int) -> pd.DataFrame:
    frames = [t.to_pandas() for t in auxiliary.source.iter_tables([key, *auxiliary.contributed], chunk_rows)]
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[key, *auxiliary.contributed])
    )
    frame["__join_key__"] = _key_text(frame[key])
    return frame.drop(columns=[key])


def _concat(parts: list[pa.Table]) -> pa.Table:
    try:
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.concat_tables(
            [t.cast(pa.schema([(n, pa.string()) for n in t.column_names])) for t in parts]
        )


class _RowTaker:
    """Takes the next n rows from a stream of tables, across chunk boundaries."""

    def __init__(self, stream: Iterator[pa.Table]) -> None:
        self.stream = stream
        self.buffer: pa.Table | None = None
        self.offset = 0
        self.taken = 0

    def take(self, count: int) -> pa.Table | None:
        parts: list[pa.Table] = []
        while count > 0:
            if self.buffer is None or self.offset >= self.buffer.num_rows:
                self.buffer = next(self.stream, None)
                self.offset = 0
                if self.buffer is None:
                    return None
                continue
            size = min(count, self.buffer.num_rows - self.offset)
            parts.append(self.buffer.slice(self.offset, size))
            self.offset += size
            count -= size
            self.taken += size
        return _concat(parts) if len(parts) > 1 else parts[0]

    def remaining(self) -> int:
        rest = (self.buffer.num_rows - self.offset) if self.buffer is not None else 0
        return rest + sum(t.num_rows for t in self.stream)


def _align_by_position(
    main_stream: Iterator[pa.Table], auxiliaries: list[AuxiliarySource], wanted: list[str], chunk_rows: int
) -> Iterator[pa.Table]:
    takers = [(a, _RowTaker(a.source.iter_tables(a.contributed, chunk_rows))) for a in auxiliaries]
    main_rows = 0
    for table in main_stream:
        main_rows += table.num_rows
        columns = {name: table.column(name) for name in table.column_names}
        for auxiliary, taker in takers:
            part = taker.take(table.num_rows)
            if part is None:
                raise _mismatch(auxiliary, taker.taken, main_rows)
            columns.update({name: part.column(name) for name in part.column_names})
        yield pa.table({name: columns[name] for name in wanted if name in columns})
    for auxiliary, taker in takers:
        extra = taker.remaining()
        if extra:
            raise _mismatch(auxiliary, taker.taken + extra, main_rows)


def _mismatch(auxiliary: AuxiliarySource, aux_rows: int, main_rows: int) -> AnalysisError:
    return AnalysisError(
        f"{auxiliary.field}: the {auxiliary.field.replace('_uri', '').replace('_', ' ')} has "
        f"{'at least ' if aux_rows < main_rows else ''}{aux_rows} row(s) but the dataset has "
        f"{'more than ' if aux_rows < main_rows else ''}{main_rows}; rows are aligned by position only when the counts "
        "match: fix the files or set joinsource_name_or_index to a column present in both"
    )


# ------------------------------------------------------------------------------------------------ opening


def _csv_source(
    files: list[Path], headers: Sequence[str] | None, field_name: str, referenced: Sequence[str] = ()
) -> FileSource:
    names, skip_first = detect_header(files[0], headers, referenced)
    if names is None:
        raise AnalysisError(f"{field_name}: the first file {files[0].name} is empty")
    skips = [skip_first]
    for path in files[1:]:
        _, skip = detect_header(path, names)
        skips.append(skip)
    return FileSource(CSV, files, names, skips)


def open_dataset(
    config: dict[str, Any],
    dataset_uri: str | Path,
    *,
    s3_client: Any = None,
    scratch: Path | None = None,
    chunk_rows: int = 500_000,
    progress_interval: float = 10.0,
) -> TabularDataset:
    """Open the dataset(s) of an analysis config (reads only headers; rows are streamed later)."""
    dataset_type = str(config.get("dataset_type", CSV)).lower()
    if dataset_type == "application/x-image":
        raise AnalysisError(
            "dataset_type: application/x-image (computer vision) belongs to a later phase of this engine; use "
            "text/csv, application/jsonlines, application/json or application/x-parquet, or run the managed job"
        )
    if dataset_type not in TABULAR_TYPES:
        raise AnalysisError(
            f"dataset_type: {dataset_type!r} is not supported; use one of {list(TABULAR_TYPES)}"
        )
    files = list_files(dataset_uri, "dataset_uri", s3_client=s3_client, scratch=scratch)
    headers = config.get("headers")
    if dataset_type == CSV:
        main = _csv_source(files, headers, "dataset_uri", _referenced_names(config))
    elif dataset_type == PARQUET:
        names = parquet_columns(files[0])
        main = FileSource(PARQUET, files, names)
    else:
        main = _json_source(dataset_type, files, config)
    auxiliaries: list[AuxiliarySource] = []
    join = config.get("joinsource_name_or_index")
    join_key: str | None = None
    if join is not None:
        join_key = _column_name(join, main.names, "joinsource_name_or_index", "the dataset")
    for uri_field, headers_field in (
        ("facet_dataset_uri", "facet_headers"),
        ("predicted_label_dataset_uri", "predicted_label_headers"),
    ):
        uri = config.get(uri_field)
        if not uri:
            continue
        if dataset_type != CSV:
            raise AnalysisError(f"{uri_field}: auxiliary datasets are supported for text/csv only")
        aux_files = list_files(uri, uri_field, s3_client=s3_client, scratch=scratch)
        source = _csv_source(aux_files, config.get(headers_field), uri_field)
        if join_key is not None and join_key not in source.names:
            raise AnalysisError(
                f"joinsource_name_or_index: join column {join_key!r} is not in the {uri_field} columns "
                f"{source.names}; add it to {headers_field} and to the file"
            )
        contributed = [n for n in source.names if n != join_key]
        clashes = [n for n in contributed if n in main.names]
        if clashes:
            raise AnalysisError(
                f"{headers_field}: column(s) {clashes} exist in both the dataset and {uri_field}; rename them"
            )
        if join_key is None and (len(files) > 1 or len(aux_files) > 1):
            raise AnalysisError(
                f"joinsource_name_or_index: required because the dataset or {uri_field} has more than one file; "
                "set it to a column present in both"
            )
        auxiliaries.append(AuxiliarySource(uri_field, source, contributed))
    return TabularDataset(main, auxiliaries, join_key, chunk_rows, progress_interval)


def _referenced_names(config: dict[str, Any]) -> list[str]:
    """Column names the config refers to (used to recognise the header row of an all-text CSV)."""
    values: list[Any] = [config.get(key) for key in ("label", "predicted_label", "group_variable")]
    values.append(config.get("joinsource_name_or_index"))
    values.extend((facet or {}).get("name_or_index") for facet in config.get("facet") or [])
    values.extend(config.get("excluded_columns") or [])
    return [value for value in values if isinstance(value, str)]


def _json_source(dataset_type: str, files: list[Path], config: dict[str, Any]) -> FileSource:
    features = config.get("features")
    if not features:
        raise AnalysisError(
            f"features: required for {dataset_type}; give a JMESPath that yields the feature values of a record"
        )
    label = config.get("label")
    predicted = config.get("predicted_label")
    for value, field_name in ((label, "label"), (predicted, "predicted_label")):
        if value is not None and not isinstance(value, str):
            raise AnalysisError(
                f"{field_name}: for {dataset_type} it must be a JMESPath string, got {value!r}"
            )
    headers = config.get("headers")
    feature_names = None
    label_name, predicted_name = "label0", DEFAULT_PREDICTED_LABEL_NAME
    if headers:
        trailing = (label is not None) + (predicted is not None)
        feature_names = list(headers[: len(headers) - trailing])
        if label is not None:
            label_name = headers[len(feature_names)]
        if predicted is not None:
            predicted_name = headers[-1]
    layout = JsonLayout(features, label, predicted, feature_names, label_name, predicted_name)
    reader = iter_jsonlines if dataset_type == JSON_LINES else iter_json
    first = next(reader(files[0], layout, 1), None)
    if first is None:
        raise AnalysisError(f"dataset_uri: {files[0].name} holds no records")
    return FileSource(dataset_type, files, list(first.column_names), json_layout=layout)


def _column_name(value: Any, names: Sequence[str], field_name: str, where: str) -> str:
    """Resolve a name-or-index config value against ``names``."""
    if isinstance(value, bool):
        raise AnalysisError(f"{field_name}: {value!r} is neither a column name nor a 0-based index")
    if isinstance(value, int):
        if not 0 <= value < len(names):
            raise AnalysisError(
                f"{field_name}: index {value} is out of range; {where} has {len(names)} column(s) "
                f"(0..{len(names) - 1}): {list(names)}"
            )
        return names[value]
    if str(value) not in names:
        raise AnalysisError(
            f"{field_name}: column {value!r} is not in {where}; available columns: {list(names)}"
        )
    return str(value)
