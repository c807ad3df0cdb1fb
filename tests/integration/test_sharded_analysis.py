"""A sharded analysis on Airflow: ``dag.test()`` runs plan → 4 mapped shards → merge with the dataset, the work
folder and the output on S3 (SeaweedFS on loopback); the published analysis.json equals one ``run_analysis`` over
the whole dataset. A shard whose model fails once is retried alone and the result is unchanged. A merge over a
work folder with a missing, duplicated or foreign shard fails naming it and publishes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import EngineOptions, run_analysis
from airflow_provider_clarify.engine.distributed import plan, run_shard
from airflow_provider_clarify.exceptions import ClarifyAnalysisError
from airflow_provider_clarify.operators.sharded import ClarifyMergeOperator
from airflow_provider_clarify.results import ClarifyResult
from tests.integration.airflow_runs import load_dag, run_dag
from tests.integration.dags.sharded_analysis import CONFIG
from tests.integration.sharded_models import FAIL_ONCE
from tests.unit.engine.distributed.datasets import frame, write

REGION = "us-east-1"
PREDICTOR = "tests.integration.sharded_models:labels"


@pytest.fixture
def s3_dataset(tmp_path, bucket, s3_client) -> str:
    folder = write(frame(), tmp_path / "data", "text/csv")
    for path in sorted(folder.iterdir()):
        s3_client.upload_file(str(path), bucket, f"data/{path.name}")
    return f"s3://{bucket}/data/"


def _objects(s3_client, bucket: str, prefix: str) -> list[str]:
    return sorted(
        o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    )


def _single_run(s3_server, dataset: str, output: Path) -> bytes:
    client = boto3.client("s3", endpoint_url=s3_server.url, region_name=REGION)
    run_analysis(
        load_config(CONFIG),
        dataset,
        output,
        s3_client=client,
        predictor=PREDICTOR,
        options=EngineOptions(chunk_rows=23, pdp_max_records=60),
    )
    return (output / "analysis.json").read_bytes()


@pytest.mark.parametrize("fail_once", [False, True])
def test_dag_with_four_mapped_shards_on_s3_equals_one_run(
    test_dags_dir, tmp_path, s3_server, s3_client, bucket, s3_dataset, monkeypatch, fail_once
):
    marker = tmp_path / "fail-once"
    if fail_once:
        marker.write_text("")
        monkeypatch.setenv(FAIL_ONCE, str(marker))
    conf = {
        "dataset": s3_dataset,
        "work": f"s3://{bucket}/work/run-1",
        "output": f"s3://{bucket}/clarify/run-1",
        "shards": 4,
    }
    outcome = run_dag(test_dags_dir / "sharded_analysis.py", "sharded_analysis", conf=conf)
    states = outcome.task_states()
    assert states == {
        "bias.plan": "success",
        **{f"bias.shard[{i}]": "success" for i in range(4)},
        "bias.merge": "success",
    }
    assert not marker.exists()  # the failure the test asked for did happen (and was retried)
    tries = outcome.try_numbers("bias.shard")
    assert sorted(tries.values()) == ([1, 1, 1, 2] if fail_once else [1, 1, 1, 1])
    published = s3_client.get_object(Bucket=bucket, Key="clarify/run-1/analysis.json")["Body"].read()
    assert published == _single_run(s3_server, s3_dataset, tmp_path / "single")
    assert _objects(s3_client, bucket, "clarify/run-1/") == [
        "clarify/run-1/_manifest.json",
        "clarify/run-1/analysis.json",
    ]
    work = _objects(s3_client, bucket, "work/run-1/shards/")
    assert work == [f"work/run-1/shards/shard-0000{i}-of-00004.zip" for i in range(4)]
    result = ClarifyResult.from_xcom(outcome.xcom("bias.merge"))
    assert result.engine == "local" and result.analysis_uri == f"s3://{bucket}/clarify/run-1/analysis.json"
    assert outcome.xcom("bias.plan") == [0, 1, 2, 3]
    plan_xcom = outcome.xcom("bias.plan", key="plan")
    assert set(plan_xcom) == {"work_uri", "plan_hash", "shards"} and plan_xcom["shards"] == 4
    for index in range(4):  # the shards' XComs are a few numbers, never the partial state
        assert set(outcome.xcom("bias.shard", map_index=index)) == {"index", "plan_hash", "rows"}


def test_the_group_bounds_the_shards_running_at_once(test_dags_dir):
    dag = load_dag(test_dags_dir / "sharded_analysis.py", "sharded_analysis")
    shard = dag.get_task("bias.shard")
    assert shard.max_active_tis_per_dagrun == 2 and shard.retries == 1
    assert {t.task_id for t in dag.get_task("bias.merge").upstream_list} == {"bias.plan", "bias.shard"}


@pytest.mark.parametrize("problem", ["missing", "duplicate", "foreign"])
def test_merge_over_a_bad_work_folder_publishes_nothing(
    tmp_path, s3_server, s3_client, bucket, s3_dataset, problem
):
    client = boto3.client("s3", endpoint_url=s3_server.url, region_name=REGION)
    config = load_config(CONFIG)
    work, other = f"s3://{bucket}/work/a", f"s3://{bucket}/work/b"
    info = plan(config, s3_dataset, work, 3, s3_client=client, predictor=PREDICTOR)
    for index in range(3):
        run_shard(work, index, s3_client=client)
    shards = "work/a/shards/"
    if problem == "missing":
        s3_client.delete_object(Bucket=bucket, Key=f"{shards}shard-00001-of-00003.zip")
        expected = r"shard\(s\) 1 of 3 of plan \w+ are missing"
    elif problem == "duplicate":
        s3_client.copy_object(
            Bucket=bucket,
            CopySource={"Bucket": bucket, "Key": f"{shards}shard-00002-of-00003.zip"},
            Key=f"{shards}shard-00002-again.zip",
        )
        expected = r"shard 2 of plan \w+ is there twice"
    else:
        plan(
            config,
            s3_dataset,
            other,
            3,
            s3_client=client,
            predictor=PREDICTOR,
            options=EngineOptions(chunk_rows=7),
        )
        run_shard(other, 0, s3_client=client)
        s3_client.copy_object(
            Bucket=bucket,
            CopySource={"Bucket": bucket, "Key": "work/b/shards/shard-00000-of-00003.zip"},
            Key=f"{shards}shard-00000-of-00003.zip",
        )
        expected = rf"shard-00000-of-00003\.zip is shard 0 of plan \w+, not of plan {info.plan_hash[:12]}"
    operator = ClarifyMergeOperator(
        task_id="merge", plan=info.to_dict(), output_uri=f"s3://{bucket}/out", emit_asset=False
    )
    with pytest.raises(ClarifyAnalysisError, match=expected):
        operator.execute({})
    assert _objects(s3_client, bucket, "out/") == []
    assert (
        json.loads(s3_client.get_object(Bucket=bucket, Key="work/a/plan.json")["Body"].read())["hash"]
        == info.plan_hash
    )
