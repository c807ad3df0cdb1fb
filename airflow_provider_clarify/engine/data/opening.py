"""Opening the dataset(s) of an analysis config: find the files, read the headers, plan the joins.

Only headers (or a first JSON record, or the Parquet footers) are read here; rows are streamed later by
:class:`.dataset.TabularDataset`. What the config alone decides was validated by ``load_config``; what is checked
here depends on the data (the files exist and are data files of the configured format, the files of one dataset
share their columns, the join column is in each file, several files need a join column).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...config import AnalysisConfig
from ...contract import CSV, JSON_LINES, PARQUET
from ..errors import AnalysisError
from .columns import DEFAULT_LABEL_NAME, DEFAULT_PREDICTED_LABEL_NAME, column_name
from .csv_headers import csv_source
from .dataset import TabularDataset
from .file_source import FACET_DATASET, PREDICTED_LABEL_DATASET, AuxiliarySource, FileSource
from .formats import check_data_file
from .json_readers import JsonLayout, iter_json, iter_jsonlines
from .parquet_reader import dataset_schema
from .sources import S3Client, list_files

DEFAULT_CHUNK_ROWS = 500_000


def open_dataset(
    config: AnalysisConfig,
    dataset_uri: str | Path,
    *,
    s3_client: S3Client | None = None,
    scratch: Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress_interval: float = 10.0,
    warn: Callable[[str], None] | None = None,
) -> TabularDataset:
    """Open the dataset(s) of a tabular analysis config (reads only headers; rows are streamed later).

    ``warn`` receives what the reads find worth a warning (rows an inner join drops); None logs it only.
    """
    dataset_type = config.dataset_type
    files = list_files(dataset_uri, "dataset_uri", s3_client=s3_client, scratch=scratch)
    if dataset_type == CSV:
        main = csv_source(files, config.headers, "dataset_uri", _referenced_names(config))
    elif dataset_type == PARQUET:
        for path in files:
            check_data_file(path, PARQUET, "dataset_uri")
        names, types = dataset_schema(files, "dataset_uri")
        main = FileSource(PARQUET, files, names, parquet_types=types)
    else:
        main = _json_source(dataset_type, files, config)
    join = config.joinsource_name_or_index
    join_key = (
        column_name(join, main.names, "joinsource_name_or_index", "the dataset") if join is not None else None
    )
    auxiliaries: list[AuxiliarySource] = []
    for uri, field_name, headers, headers_field in (
        (config.facet_dataset_uri, FACET_DATASET, config.facet_headers, "facet_headers"),
        (
            config.predicted_label_dataset_uri,
            PREDICTED_LABEL_DATASET,
            config.predicted_label_headers,
            "predicted_label_headers",
        ),
    ):
        if uri:
            aux_files = list_files(uri, field_name, s3_client=s3_client, scratch=scratch)
            source = csv_source(aux_files, headers, field_name)
            auxiliaries.append(_auxiliary(field_name, headers_field, source, main, join_key, len(files)))
    return TabularDataset(main, auxiliaries, join_key, chunk_rows, progress_interval, warn)


def _auxiliary(
    field_name: str,
    headers_field: str,
    source: FileSource,
    main: FileSource,
    join_key: str | None,
    main_files: int,
) -> AuxiliarySource:
    if join_key is not None and join_key not in source.names:
        raise AnalysisError(
            f"joinsource_name_or_index: join column {join_key!r} is not in the {field_name} columns "
            f"{source.names}; add it to {headers_field} and to the file"
        )
    contributed = [n for n in source.names if n != join_key]
    clashes = [n for n in contributed if n in main.names]
    if clashes:
        raise AnalysisError(
            f"{headers_field}: column(s) {clashes} exist in both the dataset and {field_name}; rename them"
        )
    if join_key is None and (main_files > 1 or len(source.files) > 1):
        raise AnalysisError(
            f"joinsource_name_or_index: required because the dataset or {field_name} has more than one file; "
            "set it to a column present in both"
        )
    return AuxiliarySource(field_name, source, contributed)


def _referenced_names(config: AnalysisConfig) -> list[str]:
    """Column names the config refers to (used to recognise the header row of an all-text CSV)."""
    values: list[str | int | None] = [
        config.label,
        config.predicted_label,
        config.group_variable,
        config.joinsource_name_or_index,
    ]
    values.extend(facet.name_or_index for facet in config.facets)
    values.extend(config.excluded_columns or ())
    return [value for value in values if isinstance(value, str)]


def _json_source(dataset_type: str, files: list[Path], config: AnalysisConfig) -> FileSource:
    features = config.features or ""  # required for JSON data (validated)
    label, predicted = config.label, config.predicted_label
    for value, field_name in ((label, "label"), (predicted, "predicted_label")):
        if value is not None and not isinstance(value, str):
            raise AnalysisError(
                f"{field_name}: for {dataset_type} it must be a JMESPath string, got {value!r}"
            )
    headers = config.headers
    feature_names = None
    label_name, predicted_name = DEFAULT_LABEL_NAME, DEFAULT_PREDICTED_LABEL_NAME
    if headers:
        trailing = (label is not None) + (predicted is not None)
        feature_names = list(headers[: len(headers) - trailing])
        if label is not None:
            label_name = headers[len(feature_names)]
        if predicted is not None:
            predicted_name = headers[-1]
    layout = JsonLayout(
        features,
        label if isinstance(label, str) else None,
        predicted if isinstance(predicted, str) else None,
        feature_names,
        label_name,
        predicted_name,
    )
    for path in files:
        check_data_file(path, dataset_type, "dataset_uri")
    reader = iter_jsonlines if dataset_type == JSON_LINES else iter_json
    first = next(reader(files[0], layout, 1), None)
    if first is None:
        raise AnalysisError(f"dataset_uri: {files[0].name} holds no records")
    return FileSource(dataset_type, files, list(first.column_names), json_layout=layout)
