"""The file format of plan artefacts and shard states: a zip holding one JSON document and numpy arrays.

Why not pickle: a work folder may be a shared S3 prefix, and unpickling a file someone else can write runs their
code. JSON keeps what the merge must reproduce exactly — an ``int`` stays an ``int`` (``1`` and ``1.0`` print
differently in analysis.json), floats round-trip through their shortest repr, NaN and infinities are allowed —
and arrays travel as ``.npy`` members read with ``allow_pickle=False``. A document may hold arrays anywhere; they
are replaced by ``{"__array__": n}`` references.

Every file starts with a header (what kind of file, which plan it belongs to, which shard) so that a reader can
refuse a file of another plan before it looks at the content.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import AnalysisError

HEADER = "header.json"
DOCUMENT = "document.json"
ARRAY_KEY = "__array__"

Document = Any
"""A JSON value whose leaves may also be numpy arrays (the content of an artefact or a shard state)."""


def encode(header: Mapping[str, object], document: Document) -> bytes:
    """The bytes of a state file: ``header`` and ``document`` (arrays stored beside it)."""
    arrays: list[np.ndarray] = []
    text = json.dumps(_replace_arrays(document, arrays), allow_nan=True, ensure_ascii=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(HEADER, json.dumps(dict(header), sort_keys=True))
        archive.writestr(DOCUMENT, text)
        for number, array in enumerate(arrays):
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            archive.writestr(f"arrays/{number}.npy", member.getvalue())
    return buffer.getvalue()


def read_header(data: bytes, where: str) -> dict[str, Any]:
    """Only the header of a state file (cheap: the document is not parsed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            header: dict[str, Any] = json.loads(archive.read(HEADER))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise AnalysisError(f"{where} is not a state file of a sharded Clarify run ({error})") from error
    if not isinstance(header, dict):
        raise AnalysisError(f"{where} is not a state file of a sharded Clarify run (no header)")
    return header


def decode(data: bytes, where: str) -> tuple[dict[str, Any], Document]:
    """(header, document) of a state file, arrays restored."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            header = json.loads(archive.read(HEADER))
            document = json.loads(archive.read(DOCUMENT))
            names = [name for name in archive.namelist() if name.startswith("arrays/")]
            arrays = {
                int(name[len("arrays/") : -len(".npy")]): np.load(
                    io.BytesIO(archive.read(name)), allow_pickle=False
                )
                for name in names
            }
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise AnalysisError(f"{where} is not a state file of a sharded Clarify run ({error})") from error
    return header, _restore_arrays(document, arrays)


def plain(value: Any, where: str) -> Any:
    """A cell value as the state carries it: Python ``None``/``bool``/``int``/``float``/``str``.

    Values of other types (dates, decimals, bytes) cannot be carried exactly between workers; the message says
    which column holds them.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return plain(value.item(), where)
    raise AnalysisError(
        f"{where} holds values of type {type(value).__name__} ({value!r}); a sharded run carries numbers, text "
        "and booleans between workers: convert the column or run the analysis as one task"
    )


def _replace_arrays(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise AnalysisError("internal: object arrays cannot be stored in a state file")
        arrays.append(value)
        return {ARRAY_KEY: len(arrays) - 1}
    if isinstance(value, Mapping):
        return {str(key): _replace_arrays(item, arrays) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_arrays(item, arrays) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return value
    return value


def _restore_arrays(value: Any, arrays: dict[int, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY}:
            return arrays[int(value[ARRAY_KEY])]
        return {key: _restore_arrays(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_arrays(item, arrays) for item in value]
    return value
