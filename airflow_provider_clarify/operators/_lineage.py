"""OpenLineage datasets of a Clarify analysis, shared by both operators.

Both engines read the same inputs (the dataset, plus the optional facet and predicted-label datasets) and write one
output prefix, so both report the same lineage. Names follow the OpenLineage dataset naming spec: S3 objects are
``(s3://bucket, key)``, local paths ``(file, /absolute/path)``. The OpenLineage provider is optional: without it
:func:`operator_lineage` returns None and Airflow emits nothing for the task.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

DatasetName = tuple[str, str]


def dataset_name(uri: Any) -> DatasetName | None:
    """(namespace, name) of an S3 URI or a local path; None for anything else (empty, templated, other schemes)."""
    if not isinstance(uri, str) or not uri.strip():
        return None
    uri = uri.strip()
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://") :].partition("/")
        return f"s3://{bucket}", key.rstrip("/") or "/"
    if "://" in uri:
        return None
    return "file", os.path.abspath(os.path.expanduser(uri))


def dataset_names(uris: Iterable[Any]) -> list[DatasetName]:
    """The names of the URIs that have one, first occurrence kept (the same input named twice is one dataset)."""
    names: list[DatasetName] = []
    for uri in uris:
        name = dataset_name(uri)
        if name is not None and name not in names:
            names.append(name)
    return names


def input_uris(document: dict[str, Any], dataset_uri: Any) -> list[Any]:
    """Every dataset the analysis reads: the main one and the separate facet / predicted-label datasets."""
    return [dataset_uri, document.get("facet_dataset_uri"), document.get("predicted_label_dataset_uri")]


def operator_lineage(inputs: list[DatasetName], outputs: list[DatasetName]) -> Any:
    """An ``OperatorLineage`` for the OpenLineage provider, or None when that provider is not installed."""
    try:
        from airflow.providers.common.compat.openlineage.facet import Dataset
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None
    return OperatorLineage(
        inputs=[Dataset(namespace=namespace, name=name) for namespace, name in inputs],
        outputs=[Dataset(namespace=namespace, name=name) for namespace, name in outputs],
    )
