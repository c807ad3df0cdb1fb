"""The report renders: report.html in headless Chromium (screenshot), report.pdf read back with pypdf.

Chromium comes from the Debian package ``chromium``; the session fixture installs it when it is missing and the
tests run as root (as in CI containers), and fails with the command to run otherwise.
"""

from __future__ import annotations

import os
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
