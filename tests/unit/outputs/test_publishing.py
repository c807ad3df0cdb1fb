"""The writer's side of the protocol on a local folder: order of steps, the earlier output, failures, kills."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from airflow_provider_clarify.outputs import (
    FailedOutputError,
    IncompleteOutputError,
    OutputStateError,
    resolve_local_output,
)
from airflow_provider_clarify.outputs.manifest import new_run
from airflow_provider_clarify.outputs.publishing import (
    LocalDirectory,
    PublicationCancelled,
    mark_failed,
    publish,
    seal,
)

RUN_FILES = {
    "analysis.json": b'{"version": "1.0"}\n',
    "report.html": b"<html>new</html>",
    "explanations_shap/out.csv": b"a_label0\n0.25\n",
}


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class Recording(LocalDirectory):
    """A local destination that records every step (and can fail one, after doing it: a lost response)."""

    def __init__(self, path: Path, fail_after: str | None = None, fail_deletes: bool = False) -> None:
        super().__init__(path)
        self.steps: list[str] = []
        self.fail_after = fail_after
        self.fail_deletes = fail_deletes

    def put_file(self, source: Path, name: str) -> None:
        super().put_file(source, name)
        self.steps.append(f"file {name}")
        if name == self.fail_after:
            raise TimeoutError(f"the response to {name} was lost")

    def put_text(self, name: str, text: str) -> None:
        super().put_text(name, text)
        self.steps.append(f"text {name} {json.loads(text)['status']}")

    def delete(self, names) -> None:
        names = list(names)
        if self.fail_deletes:
            raise PermissionError("deletes are refused")
        super().delete(names)
        self.steps.append(f"delete {sorted(names)}")


def test_publish_announces_the_run_puts_analysis_json_last_and_lists_every_file(tmp_path):
    source = _write(tmp_path / "run", RUN_FILES)
    destination = Recording(tmp_path / "out")
    manifest = publish(source, destination)
    assert destination.steps == [
        "text _manifest.json running",
        "file explanations_shap/out.csv",
        "file report.html",
        "file analysis.json",
        "text _manifest.json complete",
    ]
    written = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert written["run_id"] == manifest.run_id and written["status"] == "complete"
    assert written["files"] == [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in [
            (n, RUN_FILES[n]) for n in ("explanations_shap/out.csv", "report.html", "analysis.json")
        ]
    ]
    assert {k: v for k, v in _tree(tmp_path / "out").items() if k != "_manifest.json"} == RUN_FILES


def test_the_earlier_output_is_removed_first_and_unrelated_files_stay(tmp_path):
    out = tmp_path / "out"
    publish(
        _write(tmp_path / "first", {"analysis.json": b"{}", "custom_report.pdf": b"%PDF"}),
        LocalDirectory(out),
    )
    _write(out, {"report.ipynb": b"{}", "explanations_shap/baseline.csv": b"1\n", "notes.txt": b"mine"})
    destination = Recording(out)
    publish(_write(tmp_path / "second", {"analysis.json": b'{"second": 1}'}), destination)
    assert destination.steps[:2] == [
        "text _manifest.json running",
        # the earlier manifest's own files (any name) and every file the Clarify contract names
        "delete ['analysis.json', 'custom_report.pdf', 'explanations_shap/baseline.csv', 'report.ipynb']",
    ]
    assert sorted(_tree(out)) == ["_manifest.json", "analysis.json", "notes.txt"]
    assert not (out / "explanations_shap").exists()  # emptied folders go too
    assert resolve_local_output(out).files == ("analysis.json",)


def test_a_lost_response_rolls_back_everything_the_run_put_there(tmp_path):
    out = tmp_path / "out"
    publish(_write(tmp_path / "first", {"analysis.json": b"{}"}), LocalDirectory(out))
    destination = Recording(out, fail_after="analysis.json")
    with pytest.raises(TimeoutError, match="lost"):
        publish(_write(tmp_path / "run", RUN_FILES), destination)
    assert destination.steps[-2:] == [
        "delete ['analysis.json', 'explanations_shap/out.csv', 'report.html']",
        "delete ['_manifest.json']",
    ]
    assert _tree(out) == {}  # neither run passes for a result


def test_a_cancelled_publication_rolls_back(tmp_path):
    answers = iter([False, False, True])  # killed before the second file
    out = tmp_path / "out"
    with pytest.raises(PublicationCancelled):
        publish(_write(tmp_path / "run", RUN_FILES), LocalDirectory(out), cancelled=lambda: next(answers))
    assert _tree(out) == {}


def test_cancelled_before_anything_leaves_the_earlier_output_untouched(tmp_path):
    out = tmp_path / "out"
    publish(_write(tmp_path / "first", {"analysis.json": b"{}"}), LocalDirectory(out))
    before = _tree(out)
    with pytest.raises(PublicationCancelled):
        publish(_write(tmp_path / "run", RUN_FILES), LocalDirectory(out), cancelled=lambda: True)
    assert _tree(out) == before


def test_when_the_rollback_fails_too_the_running_manifest_stays(tmp_path):
    out = tmp_path / "out"
    destination = Recording(out, fail_after="report.html", fail_deletes=True)
    with pytest.raises(TimeoutError):
        publish(_write(tmp_path / "run", RUN_FILES), destination)
    with pytest.raises(IncompleteOutputError, match="has not finished writing"):
        resolve_local_output(out)


def test_mark_failed_removes_the_earlier_output_and_reads_as_failed(tmp_path):
    out = tmp_path / "out"
    publish(_write(tmp_path / "first", {**RUN_FILES, "custom.pdf": b"%PDF"}), LocalDirectory(out))
    _write(out, {"notes.txt": b"mine"})
    mark_failed(LocalDirectory(out), "ClientError: label: no column 'y'")
    assert _tree(out) == {"failure": b"ClientError: label: no column 'y'\n", "notes.txt": b"mine"}
    with pytest.raises(FailedOutputError, match="no column 'y'"):
        resolve_local_output(out)


def test_a_sealed_run_whose_file_changed_is_not_published(tmp_path):
    source = _write(tmp_path / "run", RUN_FILES)
    seal(source, new_run())
    (source / "report.html").write_bytes(b"<html>changed after sealing</html>")
    with pytest.raises(OutputStateError, match=r"differ from its manifest: \['report.html'\]"):
        publish(source, LocalDirectory(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
