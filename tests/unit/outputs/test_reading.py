"""The reading rule on local folders: which state a folder is in, decided from its files alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from airflow_provider_clarify.outputs import (
    FailedOutputError,
    IncompleteOutputError,
    MissingOutputError,
    read_local_analysis,
    resolve_local_output,
)

ANALYSIS = b'{"version": "1.0"}\n'
REPORT = b"<html>report</html>"


def _entry(path: str, data: bytes) -> dict:
    return {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _manifest(status: str, *entries: dict) -> str:
    document = {"manifest_format": 1, "run_id": "a" * 32, "status": status, "started": "2030-01-01T00:00:00Z"}
    if status == "complete":
        document["files"] = list(entries)
    return json.dumps(document)


def _folder(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    folder = tmp_path / "out"
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


def test_a_complete_manifest_vouches_for_exactly_the_files_it_lists(tmp_path):
    folder = _folder(
        tmp_path,
        {
            "analysis.json": ANALYSIS,
            "report.html": REPORT,
            "explanations_shap/out.csv": b"stale\n",  # an earlier run's: not listed
            "constraint_violations.json": b"{}",  # a gate's verdict: not part of the run
            ".analysis.json.tmp": b"half",  # a writer's work file: hidden
            "_manifest.json": _manifest(
                "complete", _entry("report.html", REPORT), _entry("analysis.json", ANALYSIS)
            ),
        },
    )
    output, data = read_local_analysis(folder)
    assert output.rule == "manifest" and output.run_id == "a" * 32
    assert output.files == ("report.html", "analysis.json")
    assert data == ANALYSIS


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"analysis.json": ANALYSIS}, r"report\.html is missing"),
        (
            {"analysis.json": ANALYSIS, "report.html": REPORT + b"!"},
            r"report\.html has 20 bytes, the manifest lists 19",
        ),
    ],
)
def test_a_listed_file_missing_or_of_another_size_is_incomplete(tmp_path, files, message):
    manifest = _manifest("complete", _entry("report.html", REPORT), _entry("analysis.json", ANALYSIS))
    folder = _folder(tmp_path, {**files, "_manifest.json": manifest})
    with pytest.raises(IncompleteOutputError, match=message):
        resolve_local_output(folder)


def test_analysis_json_of_the_same_size_but_other_content_is_refused(tmp_path):
    other = b'{"version": "2.0"}\n'
    assert len(other) == len(ANALYSIS)
    folder = _folder(
        tmp_path,
        {"analysis.json": other, "_manifest.json": _manifest("complete", _entry("analysis.json", ANALYSIS))},
    )
    assert resolve_local_output(folder).files == ("analysis.json",)  # sizes agree...
    with pytest.raises(IncompleteOutputError, match=r"is not the file run a+ published"):
        read_local_analysis(folder)  # ...but the document read is not the one listed


def test_a_manifest_without_analysis_json_is_incomplete(tmp_path):
    folder = _folder(
        tmp_path,
        {"report.html": REPORT, "_manifest.json": _manifest("complete", _entry("report.html", REPORT))},
    )
    with pytest.raises(IncompleteOutputError, match=r"lists no analysis\.json"):
        resolve_local_output(folder)


def test_a_running_manifest_is_incomplete_even_beside_analysis_json(tmp_path):
    folder = _folder(tmp_path, {"analysis.json": ANALYSIS, "_manifest.json": _manifest("running")})
    with pytest.raises(
        IncompleteOutputError, match=r"run a+ \(started 2030-01-01T00:00:00Z\) has not finished"
    ):
        resolve_local_output(folder)


def test_a_failure_file_makes_the_folder_failed(tmp_path):
    folder = _folder(tmp_path, {"analysis.json": ANALYSIS, "failure": "ClientError: label: no column 'y'\n"})
    with pytest.raises(FailedOutputError, match=r"failed: ClientError: label: no column 'y'$"):
        resolve_local_output(folder)


def test_without_a_manifest_analysis_json_marks_a_complete_output_of_every_visible_file(tmp_path):
    """The managed job's rule: it writes no manifest."""
    folder = _folder(tmp_path, {"analysis.json": ANALYSIS, "report.pdf": b"%PDF", ".hidden": b"x"})
    output = resolve_local_output(folder)
    assert output.rule == "analysis.json" and output.manifest is None
    assert output.files == ("analysis.json", "report.pdf")


@pytest.mark.parametrize(
    "manifest",
    [
        "{not json",
        json.dumps({"manifest_format": 99, "run_id": "x", "status": "complete", "started": "t"}),
        json.dumps({"manifest_format": 1, "run_id": "x", "status": "done", "started": "t"}),
        _manifest("complete", {"path": "../etc/passwd", "size": 1, "sha256": "0" * 64}),
    ],
    ids=["not-json", "other-format", "unknown-status", "path-outside"],
)
def test_an_unreadable_manifest_is_never_trusted(tmp_path, manifest):
    folder = _folder(tmp_path, {"analysis.json": ANALYSIS, "_manifest.json": manifest})
    with pytest.raises(IncompleteOutputError, match=r"_manifest\.json is not a readable run manifest"):
        resolve_local_output(folder)


def test_an_empty_or_absent_folder_has_no_output(tmp_path):
    with pytest.raises(MissingOutputError, match=r"no analysis\.json there"):
        resolve_local_output(_folder(tmp_path, {"report.html": REPORT}))
    with pytest.raises(MissingOutputError):
        resolve_local_output(tmp_path / "nowhere")
