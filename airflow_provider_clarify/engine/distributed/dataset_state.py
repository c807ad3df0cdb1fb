"""The opened dataset and its column roles, carried from the plan to the shards and the merge.

Opening a dataset reads a header from every file (the CSV header rule is decided per file, JSON and Parquet
files name their columns). The plan does that once; the shards and the merge rebuild the very same
:class:`~..data.dataset.TabularDataset` from this state and the files they read, so they never touch the files
they do not read — and cannot decide a header differently from the plan.

The state is the readers' own description, field by field: strings, lists, small dataclasses of the data layer
(a JSON layout, column kinds), sets and Arrow types. A field of a type not listed here stops the plan with an
internal error rather than be carried approximately.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..data import json_readers
from ..data.dataset import TabularDataset
from ..data.file_source import AuxiliarySource, FileSource
from ..errors import AnalysisError
from ..roles import ColumnRoles, FacetRole

SKIPPED_FIELDS = ("files",)
"""FileSource fields rebuilt by each step (the paths of its own downloads)."""


def _known_classes() -> dict[str, type]:
    """The data layer's dataclasses a file source may hold (looked up by name when the state is read)."""
    classes: dict[str, type] = {"JsonLayout": json_readers.JsonLayout}
    try:  # the column kinds of a file source (present when the readers track them)
        from ..data import column_kinds  # type: ignore[attr-defined,unused-ignore]

        classes["ColumnKinds"] = column_kinds.ColumnKinds
    except ImportError:
        pass
    return classes


def dataset_state(dataset: TabularDataset) -> dict[str, Any]:
    """The opened dataset without its file paths."""
    return {
        "main": _source_state(dataset.main),
        "auxiliaries": [
            {"field": a.field, "source": _source_state(a.source), "contributed": list(a.contributed)}
            for a in dataset.auxiliaries
        ],
        "join_key": dataset.join_key,
        "chunk_rows": dataset.chunk_rows,
        "progress_interval": dataset.progress_interval,
    }


def restore_dataset(
    state: Mapping[str, Any],
    main_files: Sequence[Path],
    auxiliary_files: Callable[[int, str], Sequence[Path]],
) -> TabularDataset:
    """The dataset from its state: ``main_files`` (one path per listed file; only the read ones must exist) and
    ``auxiliary_files(i, field)`` for auxiliary dataset i."""
    main = _source(state["main"], list(main_files))
    auxiliaries = []
    for index, entry in enumerate(state["auxiliaries"]):
        files = list(auxiliary_files(index, str(entry["field"])))
        source = _source(entry["source"], files)
        auxiliaries.append(AuxiliarySource(str(entry["field"]), source, list(entry["contributed"])))
    return TabularDataset(
        main, auxiliaries, state["join_key"], int(state["chunk_rows"]), float(state["progress_interval"])
    )


def planned_columns(state: Mapping[str, Any]) -> list[str]:
    """The logical table's columns (``TabularDataset.columns``) from the state, without opening any file."""
    names = list(_decode(state["main"]["fields"]["names"]))
    for entry in state["auxiliaries"]:
        names.extend(c for c in entry["contributed"] if c not in names)
    return names


def _source_state(source: FileSource) -> dict[str, Any]:
    values = {}
    for item in dataclasses.fields(source):
        if not item.init or item.name in SKIPPED_FIELDS:
            continue
        values[item.name] = _encode(getattr(source, item.name), f"{type(source).__name__}.{item.name}")
    return {"fields": values, "file_count": len(source.files)}


def _source(state: Mapping[str, Any], files: list[Path]) -> FileSource:
    if len(files) != int(state["file_count"]):
        raise AnalysisError(
            f"internal: the dataset had {state['file_count']} file(s) when planned, {len(files)} now"
        )
    values = {name: _decode(value) for name, value in state["fields"].items()}
    return FileSource(files=files, **values)


def _encode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(item, where) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted(_encode(item, where) for item in value)}
    if isinstance(value, pa.DataType):
        return {"__arrow__": _schema_text(pa.schema([("t", value)]))}
    if isinstance(value, Mapping):
        if value and all(isinstance(item, pa.DataType) for item in value.values()):
            return {"__arrow_schema__": _schema_text(pa.schema(list(value.items())))}
        return {"__dict__": [[_encode(k, where), _encode(v, where)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _known_classes():
            raise AnalysisError(
                f"internal: {where} holds a {name}, which a sharded run cannot carry to its shards"
            )
        return {
            "__dataclass__": name,
            "fields": {
                item.name: _encode(getattr(value, item.name), f"{where}.{item.name}")
                for item in dataclasses.fields(value)
                if item.init
            },
        }
    raise AnalysisError(
        f"internal: {where} holds a {type(value).__name__}, which a sharded run cannot carry to its shards"
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__path__" in value:
        return Path(value["__path__"])
    if "__set__" in value:
        return {_decode(item) for item in value["__set__"]}
    if "__arrow__" in value:
        return _schema(value["__arrow__"]).field("t").type
    if "__arrow_schema__" in value:
        schema = _schema(value["__arrow_schema__"])
        return {item.name: item.type for item in schema}
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__dataclass__" in value:
        cls = _known_classes()[str(value["__dataclass__"])]
        return cls(**{name: _decode(item) for name, item in value["fields"].items()})
    raise AnalysisError(f"internal: unreadable dataset state {sorted(value)}")


def _schema_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _schema(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


# ----------------------------------------------------------------------------------------------------- roles


def roles_state(roles: ColumnRoles) -> dict[str, Any]:
    values = {}
    for item in dataclasses.fields(roles):
        value = getattr(roles, item.name)
        if item.name == "facets":
            value = [{"column": f.column, "values": f.values, "index": f.index} for f in value]
        values[item.name] = value
    return values


def restore_roles(state: Mapping[str, Any]) -> ColumnRoles:
    values = dict(state)
    values["facets"] = [FacetRole(f["column"], f["values"], int(f["index"])) for f in values["facets"]]
    return ColumnRoles(**values)
