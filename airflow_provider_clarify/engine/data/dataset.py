"""One logical table from the main dataset plus the optional facet and predicted-label datasets.

The main dataset is streamed file by file in lexicographic order. The auxiliary datasets (CSV only) are either
aligned by position (one file each, row counts must match) or inner-joined on ``joinsource_name_or_index``
(reference §3.3, :mod:`.joins`). Consumers see named pyarrow tables (``iter_tables``) or pandas frames
(``iter_frames``) restricted to the columns they ask for, and progress is logged at INFO while long reads run.
:func:`.opening.open_dataset` builds it from a config.

Rows an inner join drops are said through ``warn`` (the run's warnings sink: counted and kept with the result).
The data is read once per analysis step, and each complete read drops the same rows; the sink's ``warn_once``
says it once per run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from ..errors import AnalysisError
from .file_source import AuxiliarySource, FileSource
from .joins import JoinCounts, align_by_position, join_on_key, load_for_join

log = logging.getLogger("airflow_provider_clarify.engine")


@dataclass
class TabularDataset:
    """The logical table an analysis reads, streamed in chunks."""

    main: FileSource
    auxiliaries: list[AuxiliarySource]
    join_key: str | None
    chunk_rows: int
    progress_interval: float = 10.0
    warn: Callable[[str], None] | None = None  # the run's warnings (None: the log only)

    @property
    def main_columns(self) -> list[str]:
        return list(self.main.names)

    @property
    def columns(self) -> list[str]:
        names = list(self.main.names)
        for auxiliary in self.auxiliaries:
            names.extend(c for c in auxiliary.contributed if c not in names)
        return names

    def auxiliary(self, field_name: str) -> AuxiliarySource | None:
        """The facet (``FACET_DATASET``) or predicted-label (``PREDICTED_LABEL_DATASET``) dataset, if given."""
        return next((a for a in self.auxiliaries if a.field == field_name), None)

    def auxiliary_columns(self, field_name: str) -> list[str]:
        auxiliary = self.auxiliary(field_name)
        return list(auxiliary.contributed) if auxiliary is not None else []

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
            yield from align_by_position(main_stream, needed_aux, wanted, self.chunk_rows)
            return
        key = self.join_key
        # Every auxiliary takes part in the join, its columns only when asked for: the rows are the same in
        # every read (reference §3.3: rows without a match are dropped from the analysis, not from some steps).
        lookups = {
            a.field: load_for_join(a, key, self.chunk_rows, None if a in needed_aux else [])
            for a in self.auxiliaries
        }
        main_columns = list(dict.fromkeys([*main_wanted, key]))
        yield from join_on_key(
            self.main.iter_tables(main_columns, self.chunk_rows), lookups, key, wanted, self._report_join
        )

    def _report_join(self, counts: JoinCounts) -> None:
        assert self.join_key is not None
        message = counts.warning(self.join_key)
        if message is None:
            return
        if self.warn is None:
            log.warning(message)
        else:
            self.warn(message)
