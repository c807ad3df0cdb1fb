"""Bad input and a merge that must not happen: each fails with a message naming the problem, before anything is
published (the output folder keeps what it held)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airflow_provider_clarify.engine import AnalysisError, EngineOptions, run_analysis
from airflow_provider_clarify.engine.distributed import merge, plan, run_shard
from airflow_provider_clarify.engine.distributed.document import SHARD_FOLDER
from tests.unit.engine.distributed.datasets import config, frame, write

BIAS = {
    "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}],
    "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write(frame(), tmp_path / "data", "text/csv")


def _analysis(**fields):
    return config("text/csv", frame(), **{**BIAS, **fields})


def _planned(dataset: Path, work: Path, shards: int = 3, **fields):
    info = plan(_analysis(**fields), str(dataset), work, shards)
    for index in range(shards):
        run_shard(work, index)
    return info


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        (0, "shards: must be at least 1, got 0"),
        (-2, "shards: must be at least 1"),
        ("3", "shards: must be a whole number"),
        (True, "shards: must be a whole number"),
        (301, r"shards: 301 shards for a dataset of 300 row\(s\); use at most 300"),
    ],
)
def test_bad_shard_counts(tmp_path, dataset, shards, message):
    with pytest.raises(AnalysisError, match=message):
        plan(_analysis(), str(dataset), tmp_path / "work", shards)
    assert not (tmp_path / "work" / "plan.json").exists()


def test_as_many_shards_as_rows(tmp_path):
    """The edge of the range: one row per shard."""
    data = frame(rows=7)
    dataset = write(data, tmp_path / "data", "text/csv", sizes=[3, 4])
    analysis = config("text/csv", data, **BIAS)
    run_analysis(analysis, str(dataset), tmp_path / "single", options=EngineOptions(chunk_rows=2))
    info = plan(analysis, str(dataset), tmp_path / "work", 7, options=EngineOptions(chunk_rows=2))
    for index in range(7):
        assert run_shard(tmp_path / "work", index).rows == 1
    merge(tmp_path / "work", tmp_path / "merged", plan_hash=info.plan_hash)
    assert (tmp_path / "merged/analysis.json").read_bytes() == (
        tmp_path / "single/analysis.json"
    ).read_bytes()


def test_a_work_folder_of_another_analysis_is_refused(tmp_path, dataset):
    work = tmp_path / "work"
    first = _planned(dataset, work)
    again = plan(_analysis(), str(dataset), work, 3)
    assert again.plan_hash == first.plan_hash  # the same analysis: the plan (and its shards) are kept
    assert len(list((work / SHARD_FOLDER).iterdir())) == 3
    other = {"methods": {"pre_training_bias": {"methods": ["CI"]}}}
    with pytest.raises(AnalysisError, match=r"holds plan \w{12} of another analysis .* overwrite=True"):
        plan(_analysis(**other), str(dataset), work, 3)
    with pytest.raises(AnalysisError, match="another analysis"):
        plan(_analysis(), str(dataset), work, 2)  # another shard count is another plan
    replaced = plan(_analysis(**other), str(dataset), work, 3, overwrite=True)
    assert replaced.plan_hash != first.plan_hash
    assert not (work / SHARD_FOLDER).exists() or list((work / SHARD_FOLDER).iterdir()) == []


def test_steps_refuse_a_work_folder_planned_again(tmp_path, dataset):
    work = tmp_path / "work"
    first = _planned(dataset, work)
    plan(_analysis(methods={"pre_training_bias": {"methods": ["KL"]}}), str(dataset), work, 3, overwrite=True)
    with pytest.raises(AnalysisError, match=f"not plan {first.plan_hash[:12]} that this step was given"):
        run_shard(work, 0, plan_hash=first.plan_hash)
    with pytest.raises(AnalysisError, match=f"not plan {first.plan_hash[:12]}"):
        merge(work, tmp_path / "out", plan_hash=first.plan_hash)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("index", [-1, 3, "1"])
def test_a_shard_that_does_not_exist(tmp_path, dataset, index):
    plan(_analysis(), str(dataset), tmp_path / "work", 3)
    with pytest.raises(
        AnalysisError, match=rf"index: shard {index!r} does not exist; plan \w+ has shards 0 to 2"
    ):
        run_shard(tmp_path / "work", index)


def _earlier_output(folder: Path) -> bytes:
    """An output folder holding an earlier run's result."""
    folder.mkdir(parents=True)
    (folder / "analysis.json").write_text('{"version": "1.0"}\n')
    return (folder / "analysis.json").read_bytes()


def test_merge_with_a_missing_shard(tmp_path, dataset):
    work = tmp_path / "work"
    info = _planned(dataset, work, 4)
    (work / SHARD_FOLDER / "shard-00002-of-00004.zip").unlink()
    earlier = _earlier_output(tmp_path / "out")
    with pytest.raises(AnalysisError, match=rf"shard\(s\) 2 of 4 of plan {info.plan_hash[:12]} are missing"):
        merge(work, tmp_path / "out", plan_hash=info.plan_hash)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["analysis.json"]
    assert (tmp_path / "out/analysis.json").read_bytes() == earlier


def test_merge_with_a_duplicate_shard(tmp_path, dataset):
    work = tmp_path / "work"
    _planned(dataset, work)
    shutil.copy(
        work / SHARD_FOLDER / "shard-00001-of-00003.zip", work / SHARD_FOLDER / "shard-00001-copy.zip"
    )
    with pytest.raises(
        AnalysisError, match=r"shard 1 of plan \w+ is there twice \(.*shard-00001-copy\.zip, .*"
    ):
        merge(work, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_merge_with_a_shard_of_another_plan(tmp_path, dataset):
    work, other = tmp_path / "work", tmp_path / "other"
    info = _planned(dataset, work)
    _planned(dataset, other, methods={"pre_training_bias": {"methods": ["CI"]}})
    foreign = work / SHARD_FOLDER / "shard-00000-of-00003.zip"
    shutil.copy(other / SHARD_FOLDER / "shard-00000-of-00003.zip", foreign)
    with pytest.raises(
        AnalysisError, match=rf"{foreign} is shard 0 of plan \w{{12}}, not of plan {info.plan_hash[:12]}"
    ):
        merge(work, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_plan_changed_after_it_was_written(tmp_path, dataset):
    work = tmp_path / "work"
    _planned(dataset, work)
    text = (work / "plan.json").read_text().replace('"CI"', '"KL"')
    (work / "plan.json").write_text(text)
    with pytest.raises(AnalysisError, match="does not match its hash"):
        merge(work, tmp_path / "out")


def test_no_plan_in_the_work_folder(tmp_path):
    with pytest.raises(AnalysisError, match=r"plan\.json does not exist; run the plan step"):
        run_shard(tmp_path / "empty", 0)


def test_a_dataset_changed_after_the_plan(tmp_path, dataset):
    work = tmp_path / "work"
    plan(_analysis(), str(dataset), work, 3)
    with (dataset / "part-01.csv").open("a") as stream:
        stream.write("1,1,30,2,0.5,0,1,1\n")
    with pytest.raises(
        AnalysisError,
        match=r"the dataset changed since the plan was made \(changed file\(s\) \['part-01\.csv'\]",
    ):
        run_shard(work, 1)
    (dataset / "part-02.csv").unlink()
    with pytest.raises(AnalysisError, match=r"missing file\(s\) \['part-02\.csv'\]"):
        run_shard(work, 2)


def test_time_series_is_refused_by_the_plan(tmp_path, dataset):
    from airflow_provider_clarify.config import load_config
    from tests.unit.engine.timeseries.forecasting import analysis_config

    with pytest.raises(AnalysisError, match="time-series explanations run as one task"):
        plan(load_config(analysis_config()), str(dataset), tmp_path / "work", 2)
    assert not (tmp_path / "work").exists()


def test_an_in_process_model_must_be_given_to_every_step(tmp_path):
    data = frame().drop(columns=["predicted"])
    dataset = write(data, tmp_path / "data", "text/csv")
    analysis = config(
        "text/csv",
        data,
        facet=[{"name_or_index": "sex", "value_or_threshold": [1]}],
        methods={"post_training_bias": {"methods": ["DPPL"]}},
        predictor={"content_type": "text/csv", "accept_type": "text/csv"},
    )

    def model(body: bytes) -> str:
        return "\n".join("1" for _ in body.decode().splitlines())

    plan(analysis, str(dataset), tmp_path / "work", 2, predictor=model)
    with pytest.raises(
        AnalysisError, match=r"in-process model \(<in-process function>\); pass the same model"
    ):
        run_shard(tmp_path / "work", 0)
    assert run_shard(tmp_path / "work", 0, predictor=model).rows > 0
