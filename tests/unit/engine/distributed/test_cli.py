"""``python -m airflow_provider_clarify.engine plan|shard|merge``: the three steps as separate processes would
run them; failures exit 1 with the reason last on stderr."""

from __future__ import annotations

import json

from airflow_provider_clarify.engine.__main__ import main
from tests.unit.engine.distributed.datasets import frame, write

CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "predicted_label": "predicted",
    "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}, "post_training_bias": {"methods": ["DI"]}},
}


def test_plan_shard_merge(tmp_path, capsys):
    dataset = write(frame(), tmp_path / "data", "text/csv")
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    work = tmp_path / "work"
    assert (
        main(
            [
                "--config",
                str(tmp_path / "config.json"),
                "--dataset",
                str(dataset),
                "--output",
                str(tmp_path / "single"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "plan",
                "--config",
                str(tmp_path / "config.json"),
                "--dataset",
                str(dataset),
                "--work",
                str(work),
                "--shards",
                "2",
            ]
        )
        == 0
    )
    planned = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert planned["work_uri"] == str(work) and planned["shards"] == 2
    for index in ("0", "1"):
        assert (
            main(["shard", "--work", str(work), "--index", index, "--plan-hash", planned["plan_hash"]]) == 0
        )
    assert (
        main(
            [
                "merge",
                "--work",
                str(work),
                "--output",
                str(tmp_path / "merged"),
                "--plan-hash",
                planned["plan_hash"],
            ]
        )
        == 0
    )
    assert (tmp_path / "merged/analysis.json").read_bytes() == (
        tmp_path / "single/analysis.json"
    ).read_bytes()


def test_a_failed_step_exits_1_with_the_reason(tmp_path, capsys):
    dataset = write(frame(), tmp_path / "data", "text/csv")
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    assert (
        main(
            [
                "plan",
                "--config",
                str(tmp_path / "config.json"),
                "--dataset",
                str(dataset),
                "--work",
                str(tmp_path / "w"),
                "--shards",
                "0",
            ]
        )
        == 1
    )
    assert (
        capsys.readouterr().err.strip().splitlines()[-1]
        == "ClientError: shards: must be at least 1, got 0; one shard runs the whole analysis"
    )
    assert main(["merge", "--work", str(tmp_path / "nothing"), "--output", str(tmp_path / "out")]) == 1
    assert "plan.json does not exist" in capsys.readouterr().err.strip().splitlines()[-1]
    assert (tmp_path / "out/failure").read_text().startswith("ClientError: work:")
