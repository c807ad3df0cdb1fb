"""A column with numbers in one shard's rows and words in another's: one process reads it as text everywhere,
and so does the merge (it computes the shards that read it as numbers again)."""

from __future__ import annotations

import pandas as pd

from airflow_provider_clarify.engine import EngineOptions, run_analysis
from airflow_provider_clarify.engine.distributed.kinds import shards_to_redo, text_columns
from tests.unit.engine.distributed.datasets import config, run_sharded, same_files


def _state(seen: dict[str, str], text: list[str] = ()) -> list[dict]:
    return [{"seen": seen, "text": list(text)}]


def test_text_columns_by_hand():
    states = [
        _state({"a": "int", "b": "int", "c": "null"}),
        _state({"a": "float", "b": "string", "c": "bool"}),
        _state({"a": "int", "b": "int", "c": "bool"}, ["d"]),
    ]
    text = text_columns(states)
    assert text == [["b", "d"]]  # int/float agree; int/string do not; d was read as text by a shard
    assert shards_to_redo(states, text) == [0, 1, 2]
    assert shards_to_redo([_state({}, ["b", "d"])], text) == []


def test_a_facet_typed_differently_in_two_shards(tmp_path):
    part_a = pd.DataFrame({"grade": [1, 2, 3, 1, 2, 3], "label": [1, 0, 1, 0, 1, 1]})
    part_b = pd.DataFrame({"grade": ["A", "2", "3", "A", "1", "B"], "label": [0, 0, 1, 1, 0, 1]})
    (tmp_path / "data").mkdir()
    part_a.to_csv(tmp_path / "data/a.csv", index=False)
    part_b.to_csv(tmp_path / "data/b.csv", index=False)
    analysis = config(
        "text/csv",
        pd.concat([part_a, part_b]),
        facet=[{"name_or_index": "grade"}],
        methods={"pre_training_bias": {"methods": ["CI", "DPL"]}},
    )
    warnings: list[str] = []
    run_analysis(analysis, str(tmp_path / "data"), tmp_path / "single", warnings=warnings)
    assert any("hold different kinds" in message for message in warnings)
    merged = run_sharded(analysis, tmp_path / "data", tmp_path / "sharded", 2, options=EngineOptions())
    same_files(tmp_path / "single", merged, ["analysis.json"])
    groups = [
        entry["value_or_threshold"]
        for entry in __import__("json").loads((merged / "analysis.json").read_text())[
            "pre_training_bias_metrics"
        ]["facets"]["grade"]
    ]
    assert groups == ["1", "2", "3", "A", "B"]  # the text read: "1" of file a and "1" of file b are one group
