"""refresh_report: after a gate wrote constraint_violations.json beside analysis.json, the report is rendered
again with the verdict; analysis.json is untouched; an s3:// output goes through the client; bad input is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.report import ReportError, refresh_report
from airflow_provider_clarify.results import ClarifyResult, evaluate


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    """A post-training analysis with its report, written once for the module."""
    folder = tmp_path_factory.mktemp("analysed")
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"sex": rng.choice(["f", "m"], 300), "label": rng.integers(0, 2, 300)})
    data["prediction"] = np.where((data["sex"] == "f") & (rng.random(300) < 0.6), 0, data["label"])
    data.to_csv(folder / "data.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["f"]}],
        "methods": {
            "post_training_bias": {"methods": ["DI", "DPPL"]},
            "report": {"name": "audit", "title": "Audit"},
        },
    }
    run_analysis(load_config(config), folder / "data.csv", folder / "out")
    return folder / "out"


def test_refresh_adds_the_gate_verdict_and_leaves_analysis_json_alone(analysed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(analysed, out)
    before = (out / "analysis.json").read_bytes()
    assert "Gate verdict" not in (out / "audit.html").read_text()
    result = ClarifyResult.from_analysis(out)
    di = result.metric("DI", facet="sex")
    report = evaluate(result, {"DI": [0.8, 1.25], "DPPL": [-1, 1]})
    assert [check.metric for check in report.violations] == ["DI"], di  # the data were built for this
    (out / "constraint_violations.json").write_text(json.dumps(report.constraint_violations()))
    paths = refresh_report(out, name="audit")
    assert paths == [str(out / f"audit.{suffix}") for suffix in ("ipynb", "html", "pdf")]
    page = (out / "audit.html").read_text()
    assert "Gate verdict: failed, 1 violation(s)" in page
    assert f'<td class="clarify-violation">{di:.4f} ✗ gate</td>' in page
    assert "Model performance" in page and "Run context" in page  # the report data survived the round trip
    assert (out / "analysis.json").read_bytes() == before
    pdf = "\n".join(page.extract_text() or "" for page in PdfReader(out / "audit.pdf").pages)
    assert "Gate verdict" in pdf and "✗ gate" in pdf


def test_refresh_names_what_is_missing(analysed, tmp_path):
    with pytest.raises(ReportError, match=r"no analysis\.json there"):
        refresh_report(tmp_path)
    shutil.copytree(analysed, tmp_path / "out")
    with pytest.raises(ReportError, match=r"report\.ipynb: no report notebook there; .* one of \['audit'\]"):
        refresh_report(tmp_path / "out")
    with pytest.raises(ReportError, match="needs s3_client"):
        refresh_report("s3://bucket/prefix", name="audit")


class FakeS3:
    """Objects in a dict: what refresh_report asks of a boto3 S3 client."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:
        if f"{Bucket}/{Key}" not in self.objects:
            raise FileNotFoundError(f"404 {Key}")
        Path(Filename).write_bytes(self.objects[f"{Bucket}/{Key}"])

    def upload_file(self, Filename: str, Bucket: str, Key: str) -> None:
        self.objects[f"{Bucket}/{Key}"] = Path(Filename).read_bytes()


def test_refresh_of_an_s3_output(analysed):
    objects = {f"b/run/{p.name}": p.read_bytes() for p in analysed.iterdir()}
    objects["b/run/constraint_violations.json"] = b'{"version": "1.0", "violations": []}'
    s3 = FakeS3(objects)
    old_html = objects["b/run/audit.html"]
    locations = refresh_report("s3://b/run/", name="audit", s3_client=s3)
    assert locations == [f"s3://b/run/audit.{suffix}" for suffix in ("ipynb", "html", "pdf")]
    assert s3.objects["b/run/audit.html"] != old_html
    assert b"Gate verdict: passed" in s3.objects["b/run/audit.html"]
    with pytest.raises(ReportError, match=r"s3://b/other/analysis.json: could not download it"):
        refresh_report("s3://b/other", name="audit", s3_client=s3)
