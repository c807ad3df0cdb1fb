"""CSV datasets of several files: every file read by its own header, files that disagree refused by name."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, run_analysis
from airflow_provider_clarify.engine.data import open_dataset

CONFIG = {
    "dataset_type": "text/csv",
    "label": "y",
    "label_values_or_threshold": ["yes"],
    "facet": [{"name_or_index": "g", "value_or_threshold": ["d"]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
}

# 10 rows of facet a (6 positive) and 4 of facet d (1 positive): CI = (10 − 4) / 14, DPL = 6/10 − 1/4.
ROWS = pd.DataFrame(
    {
        "g": ["a"] * 10 + ["d"] * 4,
        "x": list(range(14)),
        "y": ["yes"] * 6 + ["no"] * 4 + ["yes"] + ["no"] * 3,
    }
)
EXPECTED = {"CI": (10 - 4) / 14, "DPL": 6 / 10 - 1 / 4}


def metrics(dataset: Path, **config) -> dict[str, float]:
    result = run_analysis(load_config({**CONFIG, **config}), dataset)
    (group,) = result["pre_training_bias_metrics"]["facets"]["g"]
    return {metric["name"]: metric["value"] for metric in group["metrics"]}


def write_parts(folder: Path, orders: list[list[str]]) -> Path:
    folder.mkdir()
    bounds = [0, 5, 9, 14][: len(orders) + 1]
    for index, columns in enumerate(orders):
        part = (
            ROWS.iloc[bounds[index] : bounds[index + 1]]
            if index < len(orders) - 1
            else ROWS.iloc[bounds[index] :]
        )
        part[columns].to_csv(folder / f"part-{index}.csv", index=False)
    return folder


def test_parts_whose_headers_order_the_columns_differently_read_like_one_file(tmp_path):
    one_file = tmp_path / "all.csv"
    ROWS.to_csv(one_file, index=False)
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "x", "g"], ["x", "g", "y"]])
    assert metrics(one_file) == pytest.approx(EXPECTED)
    assert metrics(parts) == pytest.approx(EXPECTED)


def test_with_given_headers_a_reordered_header_row_is_read_by_name(tmp_path):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "g", "x"]])
    assert metrics(parts, headers=["g", "x", "y"]) == pytest.approx(EXPECTED)


def test_spark_markers_beside_the_parts_are_skipped(tmp_path):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "x", "g"]])
    (parts / "_SUCCESS").write_text("")
    (parts / ".part-0.csv.crc").write_bytes(b"\x00\x01crc")
    assert metrics(parts) == pytest.approx(EXPECTED)


def test_a_part_with_other_columns_is_refused_naming_it_against_the_majority(tmp_path):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "x", "g"], ["g", "x", "y"]])
    ROWS.rename(columns={"x": "z"}).iloc[:3].to_csv(parts / "part-1.csv", index=False)
    with pytest.raises(
        AnalysisError,
        match=r"dataset_uri: the files do not share one set of columns: part-1\.csv has the columns "
        r"\['g', 'z', 'y'\] \(missing \['x'\], unexpected \['z'\]\) while 2 file\(s\) \(part-0\.csv, part-2\.csv\)",
    ):
        metrics(parts)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("extra.jsonl", '{"g": "a", "x": 1, "y": "yes"}\n', "its name says it holds application/jsonlines"),
        ("README.md", "# Loans\nOne row per applicant.\n", "it documents the dataset"),
        ("README", "Loans\nOne row per applicant\n", "it documents the dataset"),
        (
            "notes.txt",
            "Loans, by applicant\nOne row per applicant\n",
            "notes.txt has no header row",
        ),
    ],
)
def test_a_stray_file_in_the_folder_is_refused_by_name_not_read_as_rows(tmp_path, name, content, reason):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "x", "g"]])
    (parts / name).write_text(content)
    with pytest.raises(AnalysisError, match=rf"dataset_uri: .*{name}.*") as raised:
        metrics(parts)
    assert reason in str(raised.value)
    assert "available columns" not in str(raised.value)


def test_a_headerless_part_is_read_by_position_when_every_header_agrees(tmp_path):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["g", "x", "y"]])
    ROWS.iloc[5:].to_csv(parts / "part-1.csv", index=False, header=False)  # `split -l` style: no header
    assert metrics(parts) == pytest.approx(EXPECTED)
    write_parts(tmp_path / "mixed", [["g", "x", "y"], ["y", "x", "g"], ["g", "x", "y"]])
    ROWS.iloc[9:].to_csv(tmp_path / "mixed" / "part-2.csv", index=False, header=False)
    with pytest.raises(AnalysisError, match=r"part-2\.csv has no header row, and the files with one order"):
        metrics(tmp_path / "mixed")


def test_a_duplicated_column_name_is_refused_naming_it(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("g,y,g\na,1,d\nd,0,a\n")
    with pytest.raises(
        AnalysisError, match=r"d\.csv: the column name 'g' appears more than once in the header"
    ):
        metrics(path)


def test_gzip_parts_with_and_without_the_suffix_and_a_bom(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part-0.csv.gz").write_bytes(gzip.compress(ROWS.iloc[:7].to_csv(index=False).encode()))
    (folder / "part-1").write_bytes(
        gzip.compress(ROWS.iloc[7:][["y", "g", "x"]].to_csv(index=False).encode())
    )
    assert metrics(folder) == pytest.approx(EXPECTED)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + ROWS.to_csv(index=False).encode())
    assert metrics(bom) == pytest.approx(EXPECTED)


def test_the_dataset_columns_are_the_shared_header_not_a_stray_first_row(tmp_path):
    parts = write_parts(tmp_path / "parts", [["g", "x", "y"], ["y", "x", "g"]])
    data = open_dataset(load_config(CONFIG), parts)
    assert data.columns == ["g", "x", "y"]
    assert data.main.csv_file_names == [["g", "x", "y"], ["y", "x", "g"]]
