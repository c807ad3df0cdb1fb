"""The computer-vision section: the summary of explanations.computer_vision and a grid of the first heatmaps,
read from the report's folder (names in the notebook, never pixels), in the HTML, the PDF and on a refresh."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine.report import refresh_report, write_report
from airflow_provider_clarify.engine.report.images import image_grid_chart, image_summary_table
from airflow_provider_clarify.engine.report_data import IMAGES_SHOWN, image_report_data

COLOURS = [
    (200, 30, 30),
    (30, 160, 30),
    (30, 30, 200),
    (220, 180, 0),
    (120, 0, 160),
    (0, 160, 160),
    (90, 90, 90),
]


def image_config() -> object:
    return load_config(
        {
            "dataset_type": "application/x-image",
            "methods": {
                "shap": {"num_samples": 50, "image_config": {"model_type": "IMAGE_CLASSIFICATION"}},
                "report": {"name": "report", "title": "Digits"},
            },
            "predictor": {"endpoint_name": "digits", "label_headers": ["zero", "one"]},
        }
    )


def explanations(count: int) -> dict:
    """explanations.computer_vision as the image engine writes it (engine/image/run.py), ``count`` images."""
    images = [
        {"image": f"digits/{i}.png", "labels": ["zero" if i % 2 == 0 else "one"], "heatmaps": [f"shap_digits_{i}.jpeg"],
         "segments": f"explanations_shap/segments/digits_{i}.npy"}
        for i in range(count)
    ]  # fmt: skip
    return {
        "computer_vision": {
            "method": "kernel_shap",
            "model_type": "IMAGE_CLASSIFICATION",
            "label_headers": ["zero", "one"],
            "num_images": count,
            "num_explanations": count,
            "explanations_per_label": {"zero": (count + 1) // 2, "one": count // 2},
            "num_segments": 20,
            "segment_compactness": 5.0,
            "num_samples": 50,
            "baseline": "uniform white noise 0..255 per pixel and channel (seed 7)",
            "local_explanations": "explanations_shap/image_explanations.jsonl",
            "images": images,
        }
    }


def write_heatmaps(folder: Path, count: int) -> None:
    """Plain-colour 'heatmaps' (64 × 32, input|values), one colour per image, so the grid can be read back."""
    for i in range(count):
        picture = np.zeros((32, 64, 3), dtype=np.uint8)
        picture[:, :] = COLOURS[i % len(COLOURS)]
        Image.fromarray(picture).save(folder / f"shap_digits_{i}.jpeg", quality=95)


def test_report_data_names_the_first_heatmaps_and_summarises(tmp_path):
    data = image_report_data(image_config(), "s3://bucket/digits/", explanations(9))
    shown = data["images"]["shown"]
    assert len(shown) == IMAGES_SHOWN == 6
    assert shown[1] == {"image": "digits/1.png", "label": "one", "heatmap": "shap_digits_1.jpeg"}
    assert data["images"]["summary"]["explanations_per_label"] == {"zero": 5, "one": 4}
    assert "images" not in data["images"]["summary"]  # names of the first heatmaps only, no per-image list
    assert (data["run"]["images"], data["run"]["model"], data["run"]["dataset"]) == (
        9,
        "endpoint digits",
        "s3://bucket/digits/",
    )
    rows = {row[0].text: row[1].text for row in image_summary_table(data).rows}
    assert rows["Images explained"] == "9" and rows["Explanations per label"] == "zero: 5, one: 4"


def test_grid_draws_each_heatmap_from_the_folder(tmp_path):
    write_heatmaps(tmp_path, 3)
    data = image_report_data(image_config(), "d", explanations(3))
    figure = image_grid_chart(data, str(tmp_path)).figure()
    drawn = [axes for axes in figure.axes if axes.get_images()]
    assert [axes.get_title() for axes in drawn] == [
        "digits/0.png: zero",
        "digits/1.png: one",
        "digits/2.png: zero",
    ]
    for index, axes in enumerate(drawn):
        pixels = np.asarray(axes.get_images()[0].get_array())
        assert pixels.shape[:2] == (32, 64)
        assert np.abs(pixels[16, 32, :3].astype(int) - COLOURS[index]).max() <= 6  # JPEG keeps a flat colour
    (tmp_path / "shap_digits_2.jpeg").unlink()
    figure = image_grid_chart(data, str(tmp_path)).figure()
    assert any("shap_digits_2.jpeg not found" in t.get_text() for axes in figure.axes for t in axes.texts)


def test_image_report_renders_and_refreshes(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write_heatmaps(out, 7)
    analysis = {"version": "1.0", "explanations": explanations(7)}
    (out / "analysis.json").write_text(json.dumps(analysis))
    data = image_report_data(image_config(), "d", analysis["explanations"])
    paths = write_report(out, analysis, title="Digits", report_data=data)
    page = paths[1].read_text()
    assert "Computer vision" in page and "Inputs and their SHAP heatmaps: the first 6 explanation(s)" in page
    assert "not found" not in page
    params = "".join(json.loads(paths[0].read_text())["cells"][2]["source"])
    assert (
        "output_folder = '.'" in params and "shap_digits_5.jpeg" in params and "shap_digits_6" not in params
    )
    pdf = "\n".join(p.extract_text() or "" for p in PdfReader(paths[2]).pages)
    assert "Computer vision" in pdf and "Images explained" in pdf and "digits/5.png: one" in pdf
    # a refresh (after a gate, say) finds the heatmaps beside the report again
    refresh_report(out)
    assert "not found" not in (out / "report.html").read_text()


@pytest.mark.parametrize("count", [0, 1])
def test_few_images(tmp_path, count):
    data = image_report_data(image_config(), "d", explanations(count))
    assert len(data["images"]["shown"]) == count
    figure = image_grid_chart(data, str(tmp_path)).figure()
    assert len([a for a in figure.axes if a.get_title()]) == count


def test_the_engine_hook_writes_the_image_report_only_when_asked(tmp_path):
    from airflow_provider_clarify.engine.report_data import write_explanations_report

    write_heatmaps(tmp_path, 2)
    write_explanations_report(image_config(), "d", tmp_path, explanations(2))
    assert "Computer vision" in (tmp_path / "report.html").read_text()
    config = image_config()
    document = config.to_dict()
    del document["methods"]["report"]
    (tmp_path / "plain").mkdir()
    write_explanations_report(load_config(document), "d", tmp_path / "plain", explanations(2))
    assert list((tmp_path / "plain").iterdir()) == []


def test_run_analysis_writes_the_image_report_with_the_engines_heatmaps(tmp_path):
    """The real image engine (three scikit-image pictures, a linear classifier built here) and its report: the
    grid shows the heatmap files the engine published, and the result summarises them without pixels."""
    from airflow_provider_clarify.engine import run_analysis
    from airflow_provider_clarify.results import ClarifyResult
    from tests.unit.engine.image.models import LinearClassifier
    from tests.unit.engine.image.test_run import LABELS, SIZE, config, dataset

    (tmp_path / "images").mkdir()
    dataset(tmp_path / "images")
    document = config()
    document["methods"]["report"] = {"name": "report", "title": "Pictures"}
    rng = np.random.default_rng(0)
    model = LinearClassifier(rng.normal(size=(len(LABELS), SIZE, SIZE, 3)) / 1e3, np.zeros(len(LABELS)))
    warnings: list[str] = []
    analysis = run_analysis(
        load_config(document), tmp_path / "images", tmp_path / "out", predictor=model, warnings=warnings
    )
    out = tmp_path / "out"
    assert not [w for w in warnings if "report" in w]
    section = analysis["explanations"]["computer_vision"]
    heatmaps = [name for image in section["images"] for name in image["heatmaps"]]
    page = (out / "report.html").read_text()
    assert "Inputs and their SHAP heatmaps: the first 3 explanation(s)" in page and "not found" not in page
    notebook = json.loads((out / "report.ipynb").read_text())
    params = "".join(notebook["cells"][2]["source"])
    assert all(name in params for name in heatmaps) and "base64" not in params
    result = ClarifyResult.from_analysis(out)
    assert result.computer_vision is not None and result.computer_vision.num_heatmaps == len(heatmaps) == 3
    assert {"report.html", "explanations_shap/image_explanations.jsonl"} <= set(result.output_files)
