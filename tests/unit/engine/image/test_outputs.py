"""Output names and all-or-nothing publishing."""

from __future__ import annotations

import json

import numpy as np

from airflow_provider_clarify.engine.image.outputs import (
    Publisher,
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


def test_publish_moves_everything_into_place(tmp_path):
    publisher = Publisher(tmp_path)
    publisher.jpeg("shap_a.jpeg", np.zeros((4, 4, 3), dtype=np.uint8))
    publisher.npy("explanations_shap/segments/a.npy", np.arange(4, dtype=np.int32))
    publisher.jsonl("explanations_shap/image_explanations.jsonl", [{"image": "a.png", "shap_values": [1.5]}])
    assert not (tmp_path / "shap_a.jpeg").exists()  # nothing visible before publish
    publisher.publish()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "explanations_shap/image_explanations.jsonl",
        "explanations_shap/segments/a.npy",
        "shap_a.jpeg",
    ]
    assert np.load(tmp_path / "explanations_shap/segments/a.npy").tolist() == [0, 1, 2, 3]
    lines = (tmp_path / "explanations_shap/image_explanations.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"image": "a.png", "shap_values": [1.5]}]


def test_discard_leaves_nothing(tmp_path):
    publisher = Publisher(tmp_path / "out")
    publisher.jpeg("shap_a.jpeg", np.zeros((4, 4, 3), dtype=np.uint8))
    publisher.discard()
    assert list((tmp_path / "out").iterdir()) == []


def test_no_output_folder_writes_nothing(tmp_path):
    publisher = Publisher(None)
    publisher.jpeg("shap_a.jpeg", np.zeros((4, 4, 3), dtype=np.uint8))
    publisher.publish()
    assert list(tmp_path.iterdir()) == []
