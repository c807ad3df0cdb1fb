"""A local work folder: atomic writes, listing without temporary files, removal; bad locations refused."""

from __future__ import annotations

import pytest

from airflow_provider_clarify.engine.distributed.workfolder import WorkFolder
from airflow_provider_clarify.engine.errors import AnalysisError


def test_write_read_list_delete(tmp_path):
    folder = WorkFolder(tmp_path / "work")
    assert folder.read("plan.json") is None and folder.list("shards") == []
    folder.write("shards/b.zip", b"2")
    folder.write("shards/a.zip", b"1")
    folder.write("shards/a.zip", b"one")  # a retried shard replaces its state
    (tmp_path / "work/shards/.a.zip.123.tmp").write_bytes(b"half")  # a writer's temporary file
    assert folder.list("shards") == ["shards/a.zip", "shards/b.zip"]
    assert folder.read("shards/a.zip") == b"one"
    folder.delete("shards/a.zip")
    folder.delete("shards/missing.zip")
    assert folder.list("shards") == ["shards/b.zip"]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "no work folder given"),
        ("gs://bucket/work", "neither a local directory nor an s3:// prefix"),
        ("s3://bucket/work", "is on S3 but no S3 client was given"),
        ("s3:///work", "has no bucket name"),
    ],
)
def test_bad_locations(uri, message):
    with pytest.raises(AnalysisError, match=message):
        WorkFolder(uri)
