"""Writing analysis.json the way the managed job does: atomically, with infinities as strings, NaN as null.

Readers of analysis.json (gates, Model Monitor baselines) must never see a half-written file, so the document is
written to a temporary file in the same directory and renamed into place (rename is atomic on POSIX).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

ANALYSIS_FILE = "analysis.json"


def json_ready(value: Any) -> Any:
    """A JSON-able copy: ±inf → "Infinity"/"-Infinity" (SMC ``inf_as_str``), NaN → None, numpy → Python."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return value


def write_json_atomic(path: Path, document: Any) -> None:
    """Write ``document`` as JSON to ``path`` via a temporary sibling file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(json_ready(document), stream, indent=2, allow_nan=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
