"""The config CLI: validate files with every problem listed, print the schema."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.config import analysis_config_schema
from airflow_provider_clarify.config.__main__ import main
from tests.unit.config.documents import BIAS_CSV, SHAP_CSV, variant
from tests.unit.engine.compas_like import ROWS, bias_config, write_compas


def test_cli_validate_reports_each_file(tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(SHAP_CSV))
    bad.write_text(json.dumps(variant(BIAS_CSV, probability_threshold=1, facet=[])))
    assert main(["validate", str(good)]) == 0
    assert "valid (shap; needs a model)" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "probability_threshold: must be a float" in out and "facet: must not be an empty list" in out


def test_cli_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == analysis_config_schema()


def write_config(tmp_path, **fields) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(bias_config(**fields)))
    return str(path)


def test_validate_with_dataset_warnings_exit_zero(tmp_path, capsys):
    data, frame = write_compas(tmp_path)
    config = write_config(tmp_path, facet=[{"name_or_index": "age", "value_or_threshold": [40]}])
    assert main(["validate", config, "--dataset", str(data)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{config}: valid (pre_training_bias)"
    assert out[1] == f"{config}: checked against {data} ({len(frame)} rows read)"
    equal = int((frame["age"] == 40).sum())
    assert any(line.startswith("  reading: facet[0] 'age'") and line.endswith(f"{equal} of {len(frame)} rows")
               for line in out)  # fmt: skip
    assert any(
        line.startswith("  WARNING: facet[0].value_or_threshold: [40] is read as the category")
        for line in out
    )
    assert out[-1] == f"{config}: data check passed: 0 error(s), 1 warning(s)"


def test_validate_with_dataset_errors_exit_one(tmp_path, capsys):
    data, _ = write_compas(tmp_path)
    config = write_config(tmp_path, facet=[{"name_or_index": "Race"}])
    assert main(["validate", config, "--dataset", str(data), "--sample-rows", "50"]) == 1
    out = capsys.readouterr().out
    assert "  ERROR: facet[0].name_or_index: column 'Race' is not in the dataset" in out
    assert "did you mean 'race'?" in out
    assert f"{config}: checked against {data} (no rows read)" in out
    assert out.splitlines()[-1] == f"{config}: data check failed: 1 error(s), 0 warning(s)"


def test_validate_reads_only_the_sample_unless_told(tmp_path, capsys):
    data, _ = write_compas(tmp_path)
    config = write_config(tmp_path)
    assert main(["validate", config, "--dataset", str(data), "--sample-rows", "50"]) == 0
    assert "(the first 50 rows read)" in capsys.readouterr().out
    assert main(["validate", config, "--dataset", str(data), "--sample-rows", "0"]) == 0
    assert f"({ROWS} rows read)" in capsys.readouterr().out


def test_an_invalid_config_is_not_checked_against_data(tmp_path, capsys):
    data, _ = write_compas(tmp_path)
    config = write_config(tmp_path, label_values_or_threshold=1)
    assert main(["validate", config, "--dataset", str(data)]) == 1
    out = capsys.readouterr().out
    assert "label_values_or_threshold" in out and "checked against" not in out


def test_a_negative_sample_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["validate", write_config(tmp_path), "--dataset", "d.csv", "--sample-rows", "-1"])
    assert caught.value.code == 2
    assert "--sample-rows must be 0 (every row) or a positive number of rows" in capsys.readouterr().err
