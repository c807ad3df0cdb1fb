"""Time-series explanations on loopback AWS: the dataset and a URI baseline on S3 (SeaweedFS), the model behind a
real HTTP server and behind the SageMaker InvokeEndpoint protocol (boto3 sagemaker-runtime). Every path must give
the lines an in-process run on local files gives."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import numpy as np

from airflow_provider_clarify.engine.options import EngineOptions
from airflow_provider_clarify.engine.timeseries import explanation_lines
from tests.unit.engine.timeseries.forecasting import (
    ITEMS,
    Forecaster,
    analysis_config,
    nonlinear,
    run_time_series,
    timestamp_records_document,
    write_dataset,
)

from .model_servers import Failure, ModelServer

STATIC_BASELINE = {"static_covariates": {"store-1": [0], "store-2": [1], "42": [2]}}


def served(forecaster: Forecaster):
    def model(body: bytes, headers: dict[str, str]) -> bytes:
        return forecaster(body).encode("utf-8")

    return model


def lines_of(entry: dict) -> list[dict]:
    return list(explanation_lines(entry["asymmetric_shapley_value"]["explanation_results_path"]))


def local_reference(tmp_path: Path, config: dict) -> list[dict]:
    dataset = write_dataset(tmp_path, "timestamp_records")
    entry = run_time_series(config, dataset, tmp_path / "reference", predictor=Forecaster(nonlinear))
    return lines_of(entry)


def test_dataset_and_baseline_on_s3_with_an_http_model(s3_client, bucket, tmp_path):
    records = timestamp_records_document(ITEMS)
    half = len(records) // 2
    for index, part in enumerate((records[:half], records[half:])):
        s3_client.put_object(
            Bucket=bucket, Key=f"forecasts/part-{index}.json", Body=json.dumps(part).encode()
        )
    s3_client.put_object(Bucket=bucket, Key="baselines/asv.json", Body=json.dumps(STATIC_BASELINE).encode())
    config = analysis_config(
        granularity="fine_grained", num_samples=3, baseline=f"s3://{bucket}/baselines/asv.json"
    )
    (tmp_path / "local").mkdir()
    local_config = analysis_config(granularity="fine_grained", num_samples=3, baseline=STATIC_BASELINE)
    expected = local_reference(tmp_path / "local", local_config)
    with ModelServer(served(Forecaster(nonlinear))) as server:
        entry = run_time_series(
            config,
            f"s3://{bucket}/forecasts/",
            tmp_path / "out",
            predictor=server.url,
            s3_client=s3_client,
            options=EngineOptions(batch_size=16, max_concurrency=2),
            output_uri=f"s3://{bucket}/results",
        )
        requests = server.requests
    assert entry == {
        "asymmetric_shapley_value": {
            "direction": "chronological",
            "granularity": "fine_grained",
            "explanation_results_path": f"s3://{bucket}/results/asymmetric_shapley_value/"
            "fine_grained_chronological/out.jsonl",
        }
    }
    got = list(
        explanation_lines(tmp_path / "out/asymmetric_shapley_value/fine_grained_chronological/out.jsonl")
    )
    assert got == expected
    assert {r.headers["content-type"] for r in requests} == {"application/json"}
    assert max(len(json.loads(r.body)["instances"]) for r in requests) <= 16


def test_invoke_endpoint_protocol_with_a_throttle_retried(tmp_path):
    config = analysis_config(direction="bidirectional")
    config["predictor"]["endpoint_name"] = "forecaster"
    (tmp_path / "local").mkdir()
    expected = local_reference(tmp_path / "local", analysis_config(direction="bidirectional"))
    dataset = write_dataset(tmp_path, "timestamp_records")
    with ModelServer(served(Forecaster(nonlinear))) as server:
        client = boto3.client("sagemaker-runtime", endpoint_url=server.endpoint_url, region_name="us-east-1")
        server.fail_next(Failure(status=429, error_type="ThrottlingException"))
        entry = run_time_series(
            config,
            dataset,
            tmp_path / "out",
            sagemaker_runtime_client=client,
            options=EngineOptions(backoff_seconds=0.01),
        )
        requests = server.requests
    assert lines_of(entry) == expected
    assert requests[0].path == "/endpoints/forecaster/invocations"
    assert len(requests) >= 2  # the throttled request was sent again
    item = ITEMS[0]
    full = [v for v in item.target if v is not None]
    bodies = [json.loads(r.body) for r in requests]
    sent = [record for body in bodies for record in body["instances"]]
    assert {"start": "2024-01-01", "target": full, "dynamic_feat": item.related, "cat": item.statics} in sent
    np.testing.assert_allclose(
        np.array(expected[0]["offset"]) + np.sum([e["scores"] for e in expected[0]["explanations"]], axis=0),
        nonlinear(np.array(full), np.array(item.related), np.array(item.statics, float)),
        atol=1e-9,
    )


def test_local_operator_in_a_dag_run_on_s3(test_dags_dir, s3_client, bucket, tmp_path):
    from tests.integration.airflow_runs import run_dag
    from tests.integration.dags.local_time_series import CONFIG, forecaster

    s3_client.put_object(
        Bucket=bucket, Key="input/sales.json", Body=json.dumps(timestamp_records_document(ITEMS)).encode()
    )
    conf = {"dataset": f"s3://{bucket}/input/sales.json", "output": f"s3://{bucket}/clarify/run-1"}
    outcome = run_dag(test_dags_dir / "local_time_series.py", "local_time_series", conf=conf)
    assert outcome.task_states() == {"explain_forecasts": "success"}

    keys = sorted(o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket, Prefix="clarify/")["Contents"])
    results_key = "clarify/run-1/asymmetric_shapley_value/timewise_bidirectional/out.jsonl"
    assert results_key in keys and "clarify/run-1/analysis.json" in keys
    # the local engine writes a report for time series too (docs/time-series.md)
    assert {"clarify/run-1/report.html", "clarify/run-1/report.pdf", "clarify/run-1/report.ipynb"} <= set(
        keys
    )
    analysis = json.loads(
        s3_client.get_object(Bucket=bucket, Key="clarify/run-1/analysis.json")["Body"].read()
    )
    assert analysis == {
        "version": "1.0",
        "explanations": {
            "asymmetric_shapley_value": {
                "direction": "bidirectional",
                "granularity": "timewise",
                "explanation_results_path": f"s3://{bucket}/{results_key}",
            }
        },
    }
    published = s3_client.get_object(Bucket=bucket, Key=results_key)["Body"].read().decode().splitlines()
    dataset = write_dataset(tmp_path, "timestamp_records")
    entry = run_time_series(CONFIG, dataset, tmp_path / "direct", predictor=forecaster)
    assert [json.loads(line) for line in published] == lines_of(entry)
    result = outcome.xcom("explain_forecasts")
    assert not any("report" in w for w in result["warnings"])
    # the XCom result summarises out.jsonl: items, horizon, top time steps (results/kinds.py)
    series = result["time_series"]
    assert (series["items"], series["direction"], series["granularity"]) == (
        len(ITEMS),
        "bidirectional",
        "timewise",
    )
    assert series["results_path"] == f"s3://{bucket}/{results_key}" and series["top_time_steps"]
    page = s3_client.get_object(Bucket=bucket, Key="clarify/run-1/report.html")["Body"].read().decode()
    assert "Time-series explanations" in page and "Attributions over time" in page
