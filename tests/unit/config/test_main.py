"""The config CLI: validate files with every problem listed, print the schema."""

from __future__ import annotations

import json

from airflow_provider_clarify.config import analysis_config_schema
from airflow_provider_clarify.config.__main__ import main
from tests.unit.config.documents import BIAS_CSV, SHAP_CSV, variant


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
