"""Reading the datasets a Clarify job reads: CSV, JSON Lines, JSON and Parquet, local or on S3, with joins.

``open_dataset(config, dataset_uri, ...)`` returns a :class:`~.dataset.TabularDataset` that streams pyarrow
tables (or pandas frames) chunk by chunk with every column named, the facet and predicted-label datasets already
aligned or joined. Column roles are resolved by :func:`airflow_provider_clarify.engine.roles.resolve_roles`.
"""

from .dataset import TabularDataset
from .opening import open_dataset

__all__ = ["TabularDataset", "open_dataset"]
