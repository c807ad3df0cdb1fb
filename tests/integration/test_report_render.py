"""The report renders: report.html in headless Chromium (screenshot), report.pdf read back with pypdf.

Chromium comes from the Debian package ``chromium``; the session fixture installs it when it is missing and the
tests run as root (as in CI containers), and fails with the command to run otherwise.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import image as mpimg
from pypdf import PdfReader

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis
from airflow_provider_clarify.engine.report import write_report
from tests.unit.engine.report import sample_analyses as samples

CHROMIUM = "/usr/bin/chromium"
WINDOW = (1280, 2400)
CHART_BLUE = np.array([0x00, 0x72, 0xB2]) / 255  # the report's main bar colour


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.geteuid() != 0:
            pytest.fail(
                "headless Chromium is needed to render report.html: run "
                "`apt-get update && apt-get install -y chromium` as root, then re-run the tests"
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        ):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return shutil.which("chromium") or CHROMIUM


def _screenshot(chromium: str, page: Path, target: Path, profile: Path) -> np.ndarray:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        # The page must not need the network: every host name fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        f"--screenshot={target}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert target.exists(), f"no screenshot written; chromium said: {done.stderr[-2000:]}"
    return mpimg.imread(target)


def _assert_looks_like_a_report(pixels: np.ndarray) -> None:
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    rgb = pixels[..., :3]
    assert float(rgb.std()) > 0.05, "the page is blank"
    # most pixels are background, but a real share differs from it (text, tables, charts)
    colours, counts = np.unique(rgb.reshape(-1, 3).round(2), axis=0, return_counts=True)
    background = colours[counts.argmax()]
    share_not_background = float((np.abs(rgb - background).sum(axis=2) > 0.1).mean())
    assert share_not_background > 0.05, (
        f"only {share_not_background:.1%} of the page differs from the background"
    )
    # the embedded chart images were decoded and drawn: the bar colour covers a visible area
    bar_pixels = int((np.abs(rgb - CHART_BLUE).sum(axis=2) < 0.06).sum())
    assert bar_pixels > 5000, f"chart bars not visible ({bar_pixels} pixels)"


def _assert_pdf(path: Path, title: str, sections: list[str]) -> PdfReader:
    reader = PdfReader(path, strict=True)
    assert len(reader.pages) >= len(sections) + 1
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert title in text
    for section in sections:
        assert section in text
    return reader


def test_full_report_renders_in_chromium_and_as_pdf(chromium, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    html_path = out / "report.html"
    write_report(
        out, samples.combined(), title="Rendering check", distributions=samples.DISTRIBUTIONS, name="report"
    )
    shot = tmp_path / "report.png"
    pixels = _screenshot(chromium, html_path, shot, tmp_path / "profile")
    _assert_looks_like_a_report(pixels)
    print(f"screenshot: {shot}")
    _assert_pdf(
        out / "report.pdf",
        "Rendering check",
        ["Bias analysis", "Feature attributions (SHAP)", "Partial dependence"],
    )


def test_engine_writes_the_report_when_methods_report_is_set(chromium, tmp_path, adult_csv):
    """The real engine on Adult data: bias sections plus the report the config asks for."""
    data = tmp_path / "adult.csv"
    pd.read_csv(adult_csv, nrows=3000).drop(columns=["split"]).to_csv(data, index=False)
    out = tmp_path / "out"
    out.mkdir()
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [">50K"],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "report": {"name": "adult_report", "title": "Adult income bias"},
        },
    }
    analysis = run_analysis(load_config(config), data, out)
    assert {p.name for p in out.iterdir()} >= {
        "analysis.json",
        "adult_report.ipynb",
        "adult_report.html",
        "adult_report.pdf",
    }
    page = (out / "adult_report.html").read_text(encoding="utf-8")
    for metric in analysis["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]:
        assert f">{metric['name']}</td>" in page
    assert "Label distribution: income" in page
    assert "Facet distribution: sex" in page
    pixels = _screenshot(chromium, out / "adult_report.html", tmp_path / "adult.png", tmp_path / "profile")
    _assert_looks_like_a_report(pixels)
    _assert_pdf(out / "adult_report.pdf", "Adult income bias", ["Bias analysis"])


# ------------------------------------------------------------------ model performance, run context, gate verdict
def _dom(chromium: str, page: Path, profile: Path) -> str:
    """The page's DOM after Chromium rendered it (what a reader's browser shows, as text)."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def performance_report(tmp_path_factory, adult_csv) -> tuple[Path, pd.DataFrame]:
    """The engine on 4,000 Adult rows with a rule as the model's predicted label; the gate's verdict added by
    refresh_report, as a DAG would after ClarifyGateOperator."""
    from airflow_provider_clarify.engine.report import refresh_report
    from airflow_provider_clarify.results import ClarifyResult, evaluate

    folder = tmp_path_factory.mktemp("performance")
    data = pd.read_csv(adult_csv, nrows=4000).drop(columns=["split"])
    data["predicted"] = np.where(data["education-num"] >= 13, ">50K", "<=50K")
    data.to_csv(folder / "adult.csv", index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [">50K"],
        "predicted_label": "predicted",
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
            "report": {"name": "report", "title": "Adult income model"},
        },
    }
    out = folder / "out"
    run_analysis(load_config(config), folder / "adult.csv", out)
    result = ClarifyResult.from_analysis(out)
    gate = evaluate(result, {"DI": [0.8, 1.25]})
    (out / "constraint_violations.json").write_text(json.dumps(gate.constraint_violations()))
    refresh_report(out)
    return out, data


def test_model_performance_run_context_and_verdict_render(chromium, tmp_path, performance_report):
    out, data = performance_report
    y, p = data["income"] == ">50K", data["predicted"] == ">50K"
    tp, fp, fn, tn = (int(v.sum()) for v in (y & p, ~y & p, y & ~p, ~y & ~p))
    total = len(data)
    dom = html.unescape(_dom(chromium, out / "report.html", tmp_path / "profile"))
    for heading in ("Run context", "Gate verdict", "Bias analysis", "Model performance"):
        assert re.search(rf"<h2[^>]*>{heading}<", dom), heading
    # confusion matrix: the counts made here from the rows
    assert f">{tp:,} ({100 * tp / total:.1f} %)</td>" in dom
    assert f">{fp:,} ({100 * fp / total:.1f} %)</td>" in dom
    assert f">{fn:,} ({100 * fn / total:.1f} %)</td>" in dom
    assert f">{tn:,} ({100 * tn / total:.1f} %)</td>" in dom
    assert f">{(tp + tn) / total:.4f}</td>" in dom  # accuracy
    assert f">{tp / (tp + fp):.4f}</td>" in dom  # precision
    assert f">{tp / (tp + fn):.4f}</td>" in dom  # recall
    assert f">{tn / (tn + fp):.4f}</td>" in dom  # specificity
    female = data[data["sex"] == "Female"]
    rate = (female["predicted"] == ">50K").mean()
    assert f"{100 * rate:.1f} % ({int((female['predicted'] == '>50K').sum()):,})" in dom
    assert "Gate verdict: failed, 1 violation(s)" in dom and "✗ gate" in dom
    assert f">{total:,}</td>" in dom  # rows read, in the run context
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", dom, flags=re.DOTALL)).lower()
    assert "re-run" not in visible and "notebook" not in visible and "cell" not in visible
    pixels = _screenshot(chromium, out / "report.html", tmp_path / "shot.png", tmp_path / "profile")
    _assert_looks_like_a_report(pixels)
    reader = _assert_pdf(
        out / "report.pdf",
        "Adult income model",
        ["Run context", "Gate verdict", "Bias analysis", "Model performance"],
    )
    pdf = "\n".join(page.extract_text() or "" for page in reader.pages)
    for count in (tp, fp, fn, tn):
        assert f"{count:,} ({100 * count / total:.1f} %)" in pdf
    assert f"{(tp + tn) / total:.4f}" in pdf


def test_report_notebook_executes_in_a_fresh_kernel(performance_report, tmp_path):
    """report.ipynb runs with nbclient in a new Python kernel (ipykernel: the 'report' extra), in a copy of the
    output folder, and draws the same sections."""
    import nbformat
    from nbclient import NotebookClient

    out, _ = performance_report
    folder = tmp_path / "copy"
    shutil.copytree(out, folder)
    notebook = nbformat.read(folder / "report.ipynb", as_version=4)
    stored = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    fresh = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    assert not [o for outputs in fresh for o in outputs if o.output_type == "error"]
    assert [len(o) for o in fresh] == [len(o) for o in stored]
    tables = [
        o["data"]["text/html"] for outputs in fresh for o in outputs if "text/html" in o.get("data", {})
    ]
    assert any("Confusion matrix (all rows)" in table for table in tables)
    assert any("Gate verdict: failed" in table for table in tables)  # read from constraint_violations.json
    pngs = [o for outputs in fresh for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == sum("image/png" in o.get("data", {}) for outputs in stored for o in outputs)
