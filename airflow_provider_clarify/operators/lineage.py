"""OpenLineage datasets of a Clarify analysis, shared by both operators.

Both engines read the same inputs (the dataset, plus the optional facet and predicted-label datasets) and write one
output prefix, so both report the same lineage. Names follow the OpenLineage dataset naming spec: S3 objects are
``(s3://bucket, key)``, local paths ``(file, /absolute/path)``. The OpenLineage provider is optional: without it
:func:`operator_lineage` returns None and Airflow emits nothing for the task.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from airflow_provider_clarify.contract import (
    ANALYSIS_FILE,
    S3_SCHEME,
    InvalidS3Uri,
    is_s3_uri,
    join_uri,
    split_s3_uri,
)
from airflow_provider_clarify.operators.config_input import ConfigInputMixin

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_clarify.config import AnalysisConfig

DatasetName = tuple[str, str]


def dataset_name(uri: object) -> DatasetName | None:
    """(namespace, name) of an S3 URI or a local path; None for anything else (empty, templated, other schemes)."""
    if not isinstance(uri, str) or not uri.strip():
        return None
    uri = uri.strip()
    if is_s3_uri(uri):
        try:
            bucket, key = split_s3_uri(uri)
        except InvalidS3Uri:
            return None
        return f"{S3_SCHEME}{bucket}", key.rstrip("/") or "/"
    if "://" in uri:
        return None
    return "file", os.path.abspath(os.path.expanduser(uri))


def dataset_names(uris: Iterable[object]) -> list[DatasetName]:
    """The names of the URIs that have one, first occurrence kept (the same input named twice is one dataset)."""
    names: list[DatasetName] = []
    for uri in uris:
        name = dataset_name(uri)
        if name is not None and name not in names:
            names.append(name)
    return names


def analysis_datasets(
    config: AnalysisConfig | None, dataset_uri: str | None, output_uri: str | None
) -> tuple[list[DatasetName], list[DatasetName]]:
    """(inputs, outputs) of an analysis run with the operator's ``dataset_uri`` / ``output_uri`` arguments.

    What is read: the config's ``dataset_uri`` overrides the dataset input (reference §2), which is the operator's
    argument or a builder's ``s3_data_input_path``; plus the separate facet and predicted-label datasets. What is
    written: the operator's output location, or a builder's ``s3_output_path``, and the ``analysis.json`` in it
    (the Airflow Asset the operators announce, see ``_assets.py``: the same object in both lineages).
    """
    if config is None:
        return dataset_names([dataset_uri]), output_datasets(output_uri)
    job_io = config.job_io
    read = config.dataset_uri or dataset_uri or (job_io.dataset_uri if job_io else None)
    written = output_uri or (job_io.output_uri if job_io else None)
    inputs = [read, config.facet_dataset_uri, config.predicted_label_dataset_uri]
    return dataset_names(inputs), output_datasets(written)


def output_datasets(output_uri: str | None) -> list[DatasetName]:
    """The output location and the ``analysis.json`` published in it (nothing for an unusable location)."""
    if not isinstance(output_uri, str) or dataset_name(output_uri) is None:
        return []
    return dataset_names([output_uri, join_uri(output_uri.strip(), ANALYSIS_FILE)])


def operator_lineage(inputs: list[DatasetName], outputs: list[DatasetName]) -> OperatorLineage | None:
    """An ``OperatorLineage`` for the OpenLineage provider, or None when that provider is not installed."""
    try:
        from airflow.providers.common.compat.openlineage.facet import Dataset
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:  # the OpenLineage provider is an optional extra
        return None
    return OperatorLineage(
        inputs=[Dataset(namespace=namespace, name=name) for namespace, name in inputs],
        outputs=[Dataset(namespace=namespace, name=name) for namespace, name in outputs],
    )


class ClarifyLineageMixin(ConfigInputMixin):
    """OpenLineage for an operator with ``config``, ``dataset_uri`` and ``output_uri`` attributes (both operators).

    Airflow's OpenLineage listener calls ``get_openlineage_facets_on_complete`` after the task succeeded; the
    config the execution validated is reused, not validated again.
    """

    dataset_uri: str | None
    output_uri: str | None

    def get_openlineage_facets_on_complete(self, task_instance: object) -> OperatorLineage | None:
        """Inputs: the datasets the analysis read; output: where it wrote. None without OpenLineage."""
        return operator_lineage(*self.lineage_uris())

    def lineage_uris(self) -> tuple[list[DatasetName], list[DatasetName]]:
        """(namespace, name) pairs of the datasets read and of the output location, in OpenLineage naming."""
        return analysis_datasets(self.analysis_config_for_lineage(), self.dataset_uri, self.output_uri)
