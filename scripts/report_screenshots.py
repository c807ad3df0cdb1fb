"""Render the report screenshots of docs/images/ with headless Chromium (Playwright driving /usr/bin/chromium).

Two reports are written by the local engine in a temporary folder: UCI Adult (4,000 rows of the copy in
sample_data/, a rule on education as the model's predicted label) with pre- and post-training bias, checked by a
gate whose verdict ``refresh_report`` adds; and a small weekly-sales forecast explained with asymmetric Shapley
values. Each screenshot is one report section, saved as a 64-colour PNG so that it stays small.

    .venv/bin/python scripts/report_screenshots.py            # writes docs/images/report-*.png
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from airflow_provider_clarify.config import load_config  # noqa: E402
from airflow_provider_clarify.engine import run_analysis  # noqa: E402
from airflow_provider_clarify.engine.report import refresh_report  # noqa: E402
from airflow_provider_clarify.results import ClarifyResult, evaluate  # noqa: E402

ADULT = REPO / "sample_data/uci-adult/adult.csv.gz"
IMAGES = REPO / "docs/images"
WIDTH = 1100


def adult_report(folder: Path) -> Path:
    with gzip.open(ADULT, "rt") as stream:
        data = pd.read_csv(stream, nrows=4000).drop(columns=["split"])
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
    out = folder / "adult"
    run_analysis(load_config(config), folder / "adult.csv", out)
    gate = evaluate(ClarifyResult.from_analysis(out), {"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1]})
    (out / "constraint_violations.json").write_text(json.dumps(gate.constraint_violations()))
    refresh_report(out)
    return out / "report.html"


def forecaster(body: bytes) -> str:
    """Next two weeks: a weighted sum of the last weeks' sales and the price series, plus the store size."""
    predictions = []
    for record in json.loads(body)["instances"]:
        sales, price, size = (
            np.asarray(record["target"], float),
            np.asarray(record["dynamic_feat"][0]),
            record["cat"][0],
        )
        weights = np.exp(np.linspace(-3, 0, len(sales)))
        level = float(weights @ sales / weights.sum())
        predictions.append(
            {"mean": [level - 4 * price[-2] + 0.05 * size, level - 3 * price[-1] + 0.04 * size]}
        )
    return json.dumps({"predictions": predictions})


def series_report(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    records = []
    for store, size in (("store-1", 120), ("store-2", 80), ("store-3", 200)):
        for week in range(14):
            sales = 100 + 10 * math.sin(week / 2) + rng.normal(0, 3)
            price = 5 + (1.5 if week in (9, 10) else 0.0)
            records.append(
                {
                    "item": store,
                    "week": str(pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=week))[:10],
                    "sales": round(sales, 1),
                    "price": price,
                    "size": size,
                }
            )
    (folder / "sales.json").write_text(json.dumps(records))
    config = {
        "dataset_type": "application/json",
        "time_series_data_config": {
            "target_time_series": "[].sales",
            "item_id": "[].item",
            "timestamp": "[].week",
            "related_time_series": ["[].price"],
            "static_covariates": ["[].size"],
            "dataset_format": "timestamp_records",
        },
        "methods": {
            "asymmetric_shapley_value": {"direction": "chronological", "granularity": "timewise"},
            "report": {"name": "report", "title": "Weekly sales forecast"},
        },
        "predictor": {
            "content_type": "application/json",
            "accept_type": "application/json",
            "content_template": '{"instances": $records}',
            "record_template": '{"start": $start_time, "target": $target_time_series, '
            '"dynamic_feat": $related_time_series, "cat": $static_covariates}',
            "time_series_predictor_config": {"forecast": "predictions[*].mean"},
        },
    }
    out = folder / "series"
    run_analysis(load_config(config), folder / "sales.json", out, predictor=forecaster)
    return out / "report.html"


class Brightness:
    """A three-class model of pictures: scores are linear in the red, green and blue means of the centre."""

    def __call__(self, images: np.ndarray) -> np.ndarray:
        height, width = images.shape[1:3]
        centre = images[:, height // 4 : 3 * height // 4, width // 4 : 3 * width // 4].astype(float) / 255.0
        return centre.mean(axis=(1, 2)) @ np.array([[2.0, -1.0, 0.5], [-1.0, 2.0, 0.5], [0.5, -1.0, 2.0]])


def image_report(folder: Path) -> Path:
    from skimage import data

    pictures = folder / "pictures"
    pictures.mkdir()
    for name, array in (("astronaut", data.astronaut()), ("cat", data.chelsea()), ("coffee", data.coffee())):
        Image.fromarray(array).convert("RGB").resize((128, 128)).save(pictures / f"{name}.png")
    config = {
        "dataset_type": "application/x-image",
        "methods": {
            "shap": {"num_samples": 60, "seed": 7, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}},
            "report": {"name": "report", "title": "Picture classifier"},
        },
        "predictor": {"label_headers": ["red", "green", "blue"]},
    }
    out = folder / "images"
    run_analysis(load_config(config), pictures, out, predictor=Brightness())
    return out / "report.html"


def capture(page_path: Path, shots: list[tuple[str, str, str | None]]) -> None:
    """``shots``: (file name, heading where the crop starts, heading where it ends or None for the page end)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        page.goto(page_path.as_uri())
        height = page.evaluate("document.body.scrollHeight")
        for name, start, end in shots:
            top = page.locator(start).first.bounding_box()
            bottom = page.locator(end).first.bounding_box() if end else None
            assert top is not None, start
            y1 = bottom["y"] - 12 if bottom else height
            clip = {"x": 40, "y": top["y"] - 12, "width": WIDTH - 80, "height": min(y1 - top["y"] + 12, 1500)}
            target = IMAGES / name
            page.screenshot(path=str(target), clip=clip, full_page=True)
            Image.open(target).convert("RGB").quantize(colors=64).save(target, optimize=True)
            print(f"{target.relative_to(REPO)}: {target.stat().st_size // 1024} KiB")
        browser.close()


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clarify-screens-") as scratch:
        adult = adult_report(Path(scratch))
        capture(
            adult,
            [
                ("report-context-verdict.png", "h1", "h2:has-text('Bias analysis')"),
                (
                    "report-bias-panels.png",
                    "h3:has-text('Post-training bias metrics')",
                    "h2:has-text('Model performance')",
                ),
                (
                    "report-model-performance.png",
                    "h2:has-text('Model performance')",
                    "h3:has-text('Per facet group')",
                ),
                ("report-group-rates.png", "h3:has-text('Per facet group')", None),
            ],
        )
        series = series_report(Path(scratch))
        capture(
            series,
            [
                (
                    "report-time-series.png",
                    "h2:has-text('Time-series explanations')",
                    "h3:has-text('Item store-2')",
                )
            ],
        )
        images = image_report(Path(scratch))
        capture(images, [("report-computer-vision.png", "h2:has-text('Computer vision')", None)])


if __name__ == "__main__":
    main()
