"""One type per column for the whole dataset: the result never depends on the chunk size or the file a row is in.

Each dataset below holds a facet column whose values are numbers in some rows and text in others. The expected
metrics are counted by hand from the rows with the facet read as text everywhere (the one rule: a column with
text anywhere is text everywhere, numbers as they are written).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, EngineOptions, check_dataset, run_analysis
from airflow_provider_clarify.engine.data.column_kinds import (
    ColumnKinds,
    ColumnTypesChanged,
    with_stable_column_types,
)
from airflow_provider_clarify.engine.data.file_source import FileSource

CHUNK_SIZES = [1, 7, 1000, EngineOptions().chunk_rows]

# 40 rows; the facet g is "1" (facet d) or "0" for the first 24 rows, then also "other" (facet a).
FACET = ["1" if i % 4 == 0 else "0" for i in range(24)] + ["1", "other", "0", "other"] * 4
LABEL = ["yes" if i % 3 == 0 else "no" for i in range(40)]
N_D = FACET.count("1")
N_A = 40 - N_D
POSITIVE_D = sum(1 for g, y in zip(FACET, LABEL, strict=True) if g == "1" and y == "yes")
POSITIVE_A = sum(1 for g, y in zip(FACET, LABEL, strict=True) if g != "1" and y == "yes")
EXPECTED = {"CI": (N_A - N_D) / 40, "DPL": POSITIVE_A / N_A - POSITIVE_D / N_D}


def config(dataset_type: str, **extra) -> dict:
    return {
        "dataset_type": dataset_type,
        "label": "y",
        "label_values_or_threshold": ["yes"],
        "facet": [{"name_or_index": "g", "value_or_threshold": [1]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
        **extra,
    }


def metrics(document: dict, dataset: Path, chunk_rows: int, warnings: list[str] | None = None) -> dict:
    result = run_analysis(
        load_config(document), dataset, options=EngineOptions(chunk_rows=chunk_rows), warnings=warnings
    )
    (group,) = result["pre_training_bias_metrics"]["facets"]["g"]
    return {metric["name"]: metric["value"] for metric in group["metrics"]}


def test_the_expected_counts_are_what_the_rows_say():
    assert (N_D, N_A) == (10, 30) and EXPECTED["CI"] == pytest.approx(0.5)


def late_words_csv(path: Path, repeat: int = 12_000) -> Path:
    """The rows repeated so that the first 2 MiB read blocks hold numbers only in g and a later block words too."""
    frame = pd.DataFrame({"g": FACET, "x": range(40), "y": LABEL})
    pd.DataFrame({c: frame[c].repeat(repeat).to_numpy() for c in frame}).to_csv(path, index=False)
    assert path.stat().st_size * 24 / 40 > 1 << 21  # the numbers-only rows fill more than one block
    return path


@pytest.mark.parametrize("chunk_rows", CHUNK_SIZES)
def test_csv_with_numbers_then_words_in_a_facet_gives_one_answer_for_every_chunk_size(
    tmp_path, chunk_rows, caplog
):
    # The CSV reader types each read block (2 MiB) on its own; repeating every row 12,000 times scales each count.
    path = late_words_csv(tmp_path / "d.csv")
    warnings: list[str] = []
    assert metrics(config("text/csv"), path, chunk_rows, warnings) == pytest.approx(EXPECTED)
    restarts = [w for w in warnings if "'g' (int and string) hold different kinds" in w]
    assert len(restarts) == (0 if chunk_rows >= 40 * 12_000 else 1), warnings  # one chunk: nothing to restart
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # a restart is not a failed method


def test_the_dataset_check_reads_such_a_column_as_the_run_does(tmp_path):
    path = late_words_csv(tmp_path / "d.csv")
    options = EngineOptions(chunk_rows=1000)
    check = check_dataset(load_config(config("text/csv")), path, sample_rows=None, options=options)
    assert check.ok, check.lines()
    assert any("'g' (int and string) hold different kinds" in w for w in check.warnings)
    assert check.rows_read == 40 * 12_000


def test_a_restarted_csv_read_keeps_the_cells_as_written(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("g,y\n01,a\n" + "1,b\n" * 600_000 + "x,c\n")  # the first 2 MiB block: numbers only
    source = FileSource("text/csv", [path], ["g", "y"], [True])
    with pytest.raises(ColumnTypesChanged):
        list(source.iter_tables(["g"], chunk_rows=1))
    again = pa.concat_tables(source.iter_tables(["g"], chunk_rows=1)).column("g")
    assert again.type == pa.string() and len(again) == 600_002
    assert (
        again[0].as_py() == "01" and again[1].as_py() == "1" and again[-1].as_py() == "x"
    )  # text as written


@pytest.mark.parametrize("chunk_rows", CHUNK_SIZES)
def test_json_lines_whose_facet_changes_type_between_lines(tmp_path, chunk_rows):
    # JSON numbers 1 / 0 in the first lines, the strings "1" / "0" / "other" later: as text they are one value.
    path = tmp_path / "d.jsonl"
    lines = []
    for index, (g, y) in enumerate(zip(FACET, LABEL, strict=True)):
        value: object = int(g) if index < 24 else g
        lines.append(json.dumps({"features": [value, index], "y": y}))
    path.write_text("\n".join(lines) + "\n")
    document = config("application/jsonlines", features="features", headers=["g", "x", "y"])
    assert metrics(document, path, chunk_rows) == pytest.approx(EXPECTED)


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_parquet_parts_with_an_integer_and_a_text_facet_are_read_as_text(tmp_path, chunk_rows):
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(
        pa.table({"g": [int(g) for g in FACET[:24]], "x": range(24), "y": LABEL[:24]}),
        folder / "part-0.parquet",
    )
    pq.write_table(
        pa.table({"g": FACET[24:], "x": range(24, 40), "y": LABEL[24:]}), folder / "part-1.parquet"
    )
    assert metrics(config("application/x-parquet"), folder, chunk_rows) == pytest.approx(EXPECTED)


def test_integers_and_floats_agree_and_need_no_restart():
    kinds = ColumnKinds()
    kinds.check(pa.table({"a": pa.array([1, 2]), "b": pa.array([None, None], pa.null())}))
    kinds.check(pa.table({"a": pa.array([2.5]), "b": pa.array([True])}))
    assert kinds.seen == {"a": "float", "b": "bool"} and kinds.text == set()


def test_a_word_after_numbers_turns_the_column_to_text_once():
    kinds = ColumnKinds()
    kinds.check(pa.table({"a": [1, 2], "b": [1, 2]}))
    with pytest.raises(ColumnTypesChanged, match=r"'a' \(int and string\) hold different kinds of values"):
        kinds.check(pa.table({"a": ["x"], "b": [3]}))
    assert kinds.text == {"a"}
    kinds.check(pa.table({"a": ["y"], "b": [4]}))  # read as text from now on: no further change


def test_a_restart_drops_the_abandoned_attempts_warnings_and_keeps_its_reason():
    collected: list[str] = ["from before"]
    attempts: list[int] = []

    def compute() -> str:
        attempts.append(1)
        collected.append(f"attempt {len(attempts)}")
        if len(attempts) == 1:
            raise ColumnTypesChanged(["g"], {"g": ("int", "string")})
        return "done"

    assert with_stable_column_types(compute, collected.append, collected) == "done"
    assert len(attempts) == 2
    assert collected[0] == "from before" and collected[2] == "attempt 2" and len(collected) == 3
    assert "'g' (int and string)" in collected[1]


def test_parquet_parts_whose_types_cannot_be_reconciled_are_refused_naming_the_column_and_files(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(pa.table({"g": [0.5, 1.5], "y": ["yes", "no"]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"g": ["a", "b"], "y": ["yes", "no"]}), folder / "part-1.parquet")
    with pytest.raises(
        AnalysisError,
        match=r"column 'g' has types that cannot be reconciled across the Parquet files "
        r"\(part-0\.parquet: double, part-1\.parquet: string\)",
    ):
        metrics(config("application/x-parquet"), folder, 1000)
