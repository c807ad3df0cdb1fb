"""Time-series and computer-vision summaries in ClarifyResult: read from analysis.json (and the caller's summary
of out.jsonl), round-tripped through XCom, bounded whatever the analysis holds; output files folded into patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_clarify.engine.summaries import explanation_summaries
from airflow_provider_clarify.results import ClarifyResult, ClarifyResultError
from airflow_provider_clarify.results.files import bounded_output_files
from airflow_provider_clarify.results.kinds import MAX_FILES, MAX_LABELS, MAX_TEXT, MAX_TOP


def size(payload: dict) -> int:
    return len(json.dumps(payload, separators=(",", ":")).encode())


def series_analysis(path: str) -> dict:
    return {
        "version": "1.0",
        "explanations": {
            "asymmetric_shapley_value": {
                "direction": "chronological",
                "granularity": "timewise",
                "explanation_results_path": path,
            }
        },
    }


def write_lines(folder: Path) -> Path:
    """Two items, horizon 2, written as out.jsonl in the managed job's folder."""
    lines = [
        {"item_id": "a", "offset": [1, 2], "explanations": [
            {"timestamp": "t1", "scores": [1.0, -3.0]}, {"timestamp": "t2", "scores": [0.0, 1.0]}]},
        {"item_id": "b", "offset": [0, 0], "explanations": [
            {"timestamp": "t1", "scores": [2.0, 2.0]}, {"timestamp": "t3", "scores": [-8.0, 0.0]}]},
    ]  # fmt: skip
    path = folder / "asymmetric_shapley_value/timewise_chronological/out.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_time_series_summary_from_the_run_folder_round_trips_through_xcom(tmp_path):
    write_lines(tmp_path)
    analysis = series_analysis("s3://b/run/asymmetric_shapley_value/timewise_chronological/out.jsonl")
    summaries = explanation_summaries(tmp_path, analysis)
    result = ClarifyResult.from_analysis(analysis, output_uri="s3://b/run", explanation_summaries=summaries)
    series = result.time_series
    assert series is not None
    assert (series.direction, series.granularity, series.items, series.horizon) == (
        "chronological",
        "timewise",
        2,
        2,
    )
    assert series.results_path.endswith("/out.jsonl")
    # mean |score| per time step (horizon mean, then over the items that have it): t3 (8+0)/2 = 4, t1 (2, 2) -> 2,
    # t2 (0+1)/2 = 0.5
    assert series.top_time_steps == (("t3", 4.0), ("t1", 2.0), ("t2", 0.5))
    payload = result.to_xcom()
    assert payload["time_series"]["top_time_steps"][0] == {"timestamp": "t3", "mean_abs_score": 4.0}
    assert ClarifyResult.from_xcom(json.loads(json.dumps(payload))).time_series == series
    assert result.computer_vision is None and "computer_vision" not in payload


def test_time_series_summary_without_out_jsonl_keeps_what_analysis_json_says():
    result = ClarifyResult.from_analysis(series_analysis("s3://b/x/out.jsonl"))
    assert result.time_series is not None and result.time_series.items is None
    assert result.to_xcom()["time_series"] == {
        "direction": "chronological",
        "granularity": "timewise",
        "results_path": "s3://b/x/out.jsonl",
    }


def test_time_series_summary_is_bounded():
    steps = [{"timestamp": "x" * 500 + str(i), "mean_abs_score": 1.0 / (i + 1)} for i in range(5000)]
    summary = {"items": 10_000, "horizon": 52, "top_time_steps": steps}
    result = ClarifyResult.from_analysis(series_analysis("p"), explanation_summaries={"time_series": summary})
    body = result.to_xcom()["time_series"]
    assert len(body["top_time_steps"]) == MAX_TOP and all(
        len(e["timestamp"]) == MAX_TEXT for e in body["top_time_steps"]
    )
    assert size(body) < 4096


def image_analysis(images: int, labels: int) -> dict:
    headers = [f"label_{i}" for i in range(labels)]
    return {
        "version": "1.0",
        "explanations": {
            "computer_vision": {
                "method": "kernel_shap",
                "model_type": "IMAGE_CLASSIFICATION",
                "label_headers": headers,
                "num_images": images,
                "num_explanations": images,
                "explanations_per_label": {h: images // labels for h in headers},
                "num_segments": 20,
                "local_explanations": "explanations_shap/image_explanations.jsonl",
                "images": [
                    {
                        "image": f"img/{i}.jpg",
                        "labels": [headers[i % labels]],
                        "heatmaps": [f"shap_img_{i}.jpeg"],
                        "segments": f"explanations_shap/segments/img_{i}.npy",
                    }
                    for i in range(images)
                ],
            }
        },
    }


def test_image_summary_counts_labels_and_files_never_pixels(tmp_path):
    analysis = image_analysis(images=3, labels=2)
    result = ClarifyResult.from_analysis(analysis)
    vision = result.computer_vision
    assert vision is not None
    assert (vision.model_type, vision.num_images, vision.num_explanations, vision.num_heatmaps) == (
        "IMAGE_CLASSIFICATION", 3, 3, 3,
    )  # fmt: skip
    assert vision.label_headers == ("label_0", "label_1")
    assert vision.explanations_per_label == {"label_0": 1, "label_1": 1}
    assert vision.heatmaps == ("shap_img_0.jpeg", "shap_img_1.jpeg", "shap_img_2.jpeg")
    assert vision.local_explanations == "explanations_shap/image_explanations.jsonl"
    assert ClarifyResult.from_xcom(json.loads(json.dumps(result.to_xcom()))).computer_vision == vision


def test_five_thousand_images_make_a_small_xcom(tmp_path):
    """Every heatmap and segment map is in the output folder; the result lists the files read by name and one
    pattern per crowd, and stays small."""
    images, out = 5000, tmp_path / "out"
    analysis = image_analysis(images=images, labels=50)
    (out / "explanations_shap/segments").mkdir(parents=True)
    (out / "analysis.json").write_text(json.dumps(analysis))
    for name in ("report.html", "report.pdf", "report.ipynb", "explanations_shap/image_explanations.jsonl"):
        (out / name).write_text("x")
    for i in range(images):
        (out / f"shap_img_{i}.jpeg").write_bytes(b"")
        (out / f"explanations_shap/segments/img_{i}.npy").write_bytes(b"")
    result = ClarifyResult.from_analysis(out)
    assert sorted(result.output_files) == [
        "*.jpeg", "analysis.json", "explanations_shap/image_explanations.jsonl", "explanations_shap/segments/*.npy",
        "report.html", "report.ipynb", "report.pdf",
    ]  # fmt: skip
    assert result.output_files["*.jpeg"] == str(out / "*.jpeg")
    assert result.output_file_counts == {"*.jpeg": images, "explanations_shap/segments/*.npy": images}
    payload = result.to_xcom()
    vision = payload["computer_vision"]
    assert vision["num_heatmaps"] == images and len(vision["heatmaps"]) == MAX_FILES
    assert len(vision["label_headers"]) == MAX_LABELS and vision["labels_truncated"] == 50 - MAX_LABELS
    assert size(vision) < 4096
    assert size(payload) < 8192, size(payload)
    back = ClarifyResult.from_xcom(payload)
    assert (
        back.output_file_counts == result.output_file_counts
        and back.computer_vision == result.computer_vision
    )


def test_bounded_output_files_lists_small_groups_and_results_by_name():
    files = {f"explanations_shap/part_{i}.csv": f"s3://b/o/explanations_shap/part_{i}.csv" for i in range(30)}
    files.update({f"img_{i}.png": f"s3://b/o/img_{i}.png" for i in range(10)})  # 10: still listed
    listed, counts = bounded_output_files(files)
    assert listed == files and counts == {}
    files.update({f"img_{i}.png": f"s3://b/o/img_{i}.png" for i in range(11)})
    listed, counts = bounded_output_files(files)
    assert counts == {"*.png": 11} and listed["*.png"] == "s3://b/o/*.png"
    assert not [name for name in listed if name.startswith("img_")]


def test_malformed_kind_sections_name_their_path():
    with pytest.raises(ClarifyResultError, match=r"explanations\.computer_vision: expected an object"):
        ClarifyResult.from_analysis({"version": "1.0", "explanations": {"computer_vision": [1]}})
    bad = image_analysis(1, 1)
    bad["explanations"]["computer_vision"]["num_images"] = "many"
    with pytest.raises(
        ClarifyResultError, match=r"explanations\.computer_vision\.num_images: expected an integer"
    ):
        ClarifyResult.from_analysis(bad)
    with pytest.raises(
        ClarifyResultError, match=r"explanations\.asymmetric_shapley_value: expected an object"
    ):
        ClarifyResult.from_analysis({"version": "1.0", "explanations": {"asymmetric_shapley_value": "x"}})
