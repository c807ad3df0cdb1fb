"""What the engine adds to the SHAP outputs only when asked: the algorithm and sampling errors, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from airflow_provider_clarify.engine.explain.kernel_shap import LocalShap
from airflow_provider_clarify.engine.explain.shap_additions import (
    add_algorithm,
    add_standard_errors,
    global_standard_errors,
)

VALUES = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 4.0]])  # 3 records × 2 features
ERRORS = np.array([[0.1, 0.2], [0.3, 0.0], [0.2, 0.4]])


def test_mean_abs_and_mean_sq_errors_to_first_order():
    mean_abs = global_standard_errors(VALUES, ERRORS, "mean_abs")
    assert mean_abs == pytest.approx([math.sqrt(0.01 + 0.09 + 0.04) / 3, math.sqrt(0.04 + 0.0 + 0.16) / 3])
    mean_sq = global_standard_errors(VALUES, ERRORS, "mean_sq")
    first = math.sqrt((2 * 1 * 0.1) ** 2 + (2 * 3 * 0.3) ** 2 + (2 * -1 * 0.2) ** 2) / 3
    second = math.sqrt((2 * -2 * 0.2) ** 2 + 0.0 + (2 * 4 * 0.4) ** 2) / 3
    assert mean_sq == pytest.approx([first, second])


def test_median_error_is_the_middle_records():
    # odd N: the median record's error; feature 0: 1.0 (record 0) is the middle of -1, 1, 3; feature 1: 0.5
    # (record 1) is the middle of -2, 0.5, 4
    assert global_standard_errors(VALUES, ERRORS, "median") == pytest.approx([0.1, 0.0])
    even = global_standard_errors(VALUES[:2], ERRORS[:2], "median")
    assert even == pytest.approx([0.5 * math.sqrt(0.01 + 0.09), 0.5 * math.sqrt(0.04 + 0.0)])
    assert global_standard_errors(VALUES[:0], ERRORS[:0], "mean_abs").shape == (2,)


def test_the_algorithm_is_recorded_only_when_it_is_not_kernel_shap():
    section = {"y": {"expected_value": 0.0}}
    add_algorithm(section, "kernel")
    assert section == {"y": {"expected_value": 0.0}}
    add_algorithm(section, "tree")
    assert section == {"y": {"expected_value": 0.0, "shap_algorithm": "tree"}}


def test_standard_errors_summary_and_local_file_laid_out_like_out_csv(tmp_path):
    local = LocalShap(
        values=[row.reshape(2, 1) for row in VALUES],
        expected=np.zeros((3, 1)),
        prediction=np.zeros((3, 1)),
        standard_errors=[row.reshape(2, 1) for row in ERRORS],
    )
    section: dict[str, dict[str, object]] = {"y": {}}
    join_key = pd.Series(["r1", "r2", "r3"], name="id")
    (writer,) = add_standard_errors(section, ["a", "b"], local, ["y"], "mean_abs", True, join_key)
    assert section["y"]["global_shap_standard_errors"] == pytest.approx(
        {"a": math.sqrt(0.14) / 3, "b": math.sqrt(0.2) / 3}
    )
    relative, write = writer
    assert relative == "explanations_shap/out_standard_errors.csv"
    write(tmp_path / "errors.csv")
    table = pd.read_csv(tmp_path / "errors.csv")
    assert list(table.columns) == ["a_y", "b_y", "id"]
    assert table[["a_y", "b_y"]].to_numpy() == pytest.approx(ERRORS)
    assert add_standard_errors({"y": {}}, ["a", "b"], local, ["y"], "mean_abs", False, None) == []
