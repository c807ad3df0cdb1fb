"""Output names, and the files written into the run's output folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from airflow_provider_clarify.engine.image.outputs import (
    OutputFiles,
    StemNames,
    box_heatmap,
    classification_heatmap,
    objects_picture_name,
    segments_file,
)


def test_names_follow_the_managed_job_examples():
    stems = StemNames()
    stem = stems.stem("064.elephant-101/064_0003.jpg")
    assert stem == "064.elephant-101_064_0003"
    assert box_heatmap(stem, 1) == "shap_064.elephant-101_064_0003_box1_object.jpeg"
    assert objects_picture_name(stem) == "064.elephant-101_064_0003_objects.jpeg"
    assert (
        classification_heatmap("cat") == "shap_cat.jpeg"
        and classification_heatmap("cat", 2) == "shap_cat_class2.jpeg"
    )
    assert segments_file("cat") == "explanations_shap/segments/cat.npy"


def test_stems_stay_unique():
    stems = StemNames()
    assert [stems.stem(n) for n in ("a/b.png", "a_b.jpg", "a/b.jpeg", "c.png")] == [
        "a_b",
        "a_b_2",
        "a_b_3",
        "c",
    ]


def test_files_go_straight_into_the_output_folder(tmp_path):
    files = OutputFiles(tmp_path)
    picture = np.zeros((4, 4, 3), dtype=np.uint8)
    picture[:, 2:] = 255  # left half black, right half white: survives JPEG compression recognisably
    files.jpeg("shap_a.jpeg", picture)
    assert (tmp_path / "shap_a.jpeg").is_file()  # visible at once: run_analysis stages the whole folder
    files.npy("explanations_shap/segments/a.npy", np.arange(4, dtype=np.int32))
    files.jsonl(
        "explanations_shap/image_explanations.jsonl",
        [{"image": "a.png", "shap_values": [1.5]}, {"image": "b/c.png", "label": "é"}],
    )
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "explanations_shap/image_explanations.jsonl",
        "explanations_shap/segments/a.npy",
        "shap_a.jpeg",
    ]
    assert not [p for p in tmp_path.rglob(".*")]  # no hidden staging folder of its own
    decoded = np.asarray(Image.open(tmp_path / "shap_a.jpeg").convert("L"), dtype=int)
    assert decoded[:, 0].max() < 40 and decoded[:, 3].min() > 215
    segments = np.load(tmp_path / "explanations_shap/segments/a.npy")
    assert segments.dtype == np.int32 and segments.tolist() == [0, 1, 2, 3]
    text = (tmp_path / "explanations_shap/image_explanations.jsonl").read_bytes().decode("utf-8")
    assert text == '{"image": "a.png", "shap_values": [1.5]}\n{"image": "b/c.png", "label": "é"}\n'


def test_a_non_finite_value_is_refused_not_written_as_nan(tmp_path):
    files = OutputFiles(tmp_path)
    with pytest.raises(ValueError, match="not JSON compliant"):
        files.jsonl("explanations_shap/image_explanations.jsonl", [{"shap_values": [float("nan")]}])


def test_no_output_folder_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = OutputFiles(None)
    files.jpeg("shap_a.jpeg", np.zeros((4, 4, 3), dtype=np.uint8))
    files.npy("explanations_shap/segments/a.npy", np.arange(4))
    files.jsonl("explanations_shap/image_explanations.jsonl", [{"image": "a.png"}])
    assert list(tmp_path.iterdir()) == []
