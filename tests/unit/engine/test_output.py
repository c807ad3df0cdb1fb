"""analysis.json is written atomically, with infinities as strings and ordinary file permissions."""

from __future__ import annotations

import json
import math
import os
import stat

import pytest

from airflow_provider_clarify.engine.output import NEW_FILE_MODE, atomic_text_file, write_json_atomic


def test_json_is_written_whole_with_infinities_as_strings(tmp_path):
    path = tmp_path / "nested" / "analysis.json"
    write_json_atomic(path, {"value": math.inf, "missing": math.nan, "items": (1, -math.inf)})
    text = path.read_text()
    assert json.loads(text) == {"value": "Infinity", "missing": None, "items": [1, "-Infinity"]}
    assert text.endswith("}\n") and "\n  " in text  # indented, newline-terminated
    assert stat.S_IMODE(path.stat().st_mode) == NEW_FILE_MODE
    mask = os.umask(0)
    os.umask(mask)
    assert 0o666 & ~mask == NEW_FILE_MODE


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path):
    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_text_file(path) as stream:
        stream.write("partial")
        raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
