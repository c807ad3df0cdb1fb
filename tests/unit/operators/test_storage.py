"""Publishing an output directory locally: analysis.json last, hidden files left out, nothing left on a kill."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_clarify.operators import storage


def _output(root: Path) -> Path:
    root.mkdir()
    (root / "analysis.json").write_text("{}")
    (root / "report.html").write_text("<html/>")
    (root / "explanations_shap").mkdir()
    (root / "explanations_shap" / "out.csv").write_text("a\n1\n")
    (root / ".partial").write_text("x")
    return root


def test_publication_order_puts_analysis_json_last_and_skips_hidden_files(tmp_path):
    assert storage.publication_order(_output(tmp_path / "run")) == [
        "explanations_shap/out.csv",
        "report.html",
        "analysis.json",
    ]


def test_local_publication_moves_every_file(tmp_path):
    target = tmp_path / "published"
    names = storage.publish_local_directory(_output(tmp_path / "run"), target)
    assert names[-1] == "analysis.json"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == sorted(names)
    assert (target / "explanations_shap" / "out.csv").read_text() == "a\n1\n"


def test_cancelled_publication_removes_what_it_moved(tmp_path):
    target = tmp_path / "published"
    answers = iter([False, False, True])  # killed before the third file (analysis.json)
    with pytest.raises(storage.PublicationCancelled):
        storage.publish_local_directory(_output(tmp_path / "run"), target, cancelled=lambda: next(answers))
    assert [p for p in target.rglob("*") if p.is_file()] == []


def test_join_keeps_one_slash_on_s3_and_uses_paths_locally(tmp_path):
    assert storage.join("s3://bucket/out/", "analysis.json") == "s3://bucket/out/analysis.json"
    assert storage.join(str(tmp_path), "analysis.json") == f"{tmp_path}/analysis.json"


def test_local_text_and_json_round_trip(tmp_path):
    uri = str(tmp_path / "constraint_violations.json")
    storage.write_text(uri, '{"violations": []}\n')
    assert storage.read_json(uri) == {"violations": []}


def test_the_run_manifest_is_not_published_as_a_file_of_the_run(tmp_path):
    """The protocol writes the manifest itself (running first, complete last), never as one of the files."""
    root = _output(tmp_path / "run")
    (root / "_manifest.json").write_text("{}")
    assert storage.publication_order(root) == ["explanations_shap/out.csv", "report.html", "analysis.json"]
