"""Full analyses driven by real model servers on loopback: a plain HTTP model and SageMaker InvokeEndpoint
(boto3 sagemaker-runtime against a server speaking its protocol). Failures are retried, then fail cleanly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import AnalysisError, EngineOptions, run_analysis

from .model_servers import Failure, ModelServer, estimator_csv_model

FEATURES = ["age", "education-num", "sex", "hours-per-week"]
NUMERIC = ["age", "education-num", "hours-per-week"]


@dataclass
class QuickRetryOptions(EngineOptions):
    """Engine options with short retry/timeout settings (read by the predictors' invoker)."""

    max_retries: int = 2
    backoff_seconds: float = 0.01
    timeout_seconds: float = 5.0


@pytest.fixture(scope="module")
def adult_subset(adult_csv, tmp_path_factory) -> Path:
    frame = pd.read_csv(adult_csv, nrows=200)[[*FEATURES, "income"]]
    path = tmp_path_factory.mktemp("data") / "adult_subset.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def estimator(adult_subset):
    frame = pd.read_csv(adult_subset)
    pipeline = make_pipeline(
        make_column_transformer(
            (StandardScaler(), NUMERIC), (OneHotEncoder(handle_unknown="ignore"), ["sex"])
        ),
        LogisticRegression(max_iter=500),
    )
    return pipeline.fit(frame[FEATURES], frame["income"])


def _config(**predictor) -> dict:
    return {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [">50K"],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
        "methods": {
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": {"num_clusters": 2, "num_samples": 20, "seed": 3, "save_local_shap_values": True},
            "pdp": {"features": ["age"], "grid_resolution": 4},
        },
        "predictor": predictor,
    }


def test_http_model_drives_bias_shap_and_pdp(adult_subset, estimator, tmp_path):
    frame = pd.read_csv(adult_subset)
    output = tmp_path / "out"
    with ModelServer(estimator_csv_model(estimator, FEATURES)) as server:
        analysis = run_analysis(
            load_config(_config(label_headers=["<=50K", ">50K"])),
            adult_subset,
            output,
            predictor=server.url,
            options=EngineOptions(batch_size=150, max_concurrency=3),
        )
        requests = server.requests
    assert all(
        r.headers["content-type"] == "text/csv" and r.headers["accept"] == "text/csv" for r in requests
    )
    assert max(r.body.count(b"\n") + 1 for r in requests) <= 150
    # Post-training bias from the served model's argmax labels, counted here from the estimator itself.
    predicted = estimator.predict(frame[FEATURES]) == ">50K"
    female = (frame["sex"] == "Female").to_numpy()
    dppl = predicted[~female].mean() - predicted[female].mean()
    (metric,) = analysis["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    assert metric["name"] == "DPPL" and metric["value"] == pytest.approx(dppl, abs=1e-12)
    # Local accuracy against the estimator's own probabilities.
    local = pd.read_csv(output / "explanations_shap" / "out.csv")
    probability = estimator.predict_proba(frame[FEATURES])[:, 1]
    expected_value = analysis["explanations"]["kernel_shap"][">50K"]["expected_value"]
    np.testing.assert_allclose(
        local[[f"{f}_>50K" for f in FEATURES]].sum(axis=1), probability - expected_value, atol=1e-9
    )
    assert len(pd.read_csv(output / "explanations_shap" / "baseline.csv")) == 2
    (pdp,) = analysis["explanations"]["pdp"]
    assert pdp["label_headers"] == ["<=50K", ">50K"] and len(pdp["model_predictions"][1]) == 4
    assert json.loads((output / "analysis.json").read_text()) == analysis


def _jsonlines_model(body: bytes, headers: dict[str, str]) -> bytes:
    """Reads {"features": [...]} lines and answers {"predictions": [{"score": ...}]}: a known function."""
    scores = []
    for line in body.decode().splitlines():
        age, education, sex, hours = json.loads(line)["features"]
        z = 0.04 * (age - 40) + 0.3 * (education - 10) + (0.5 if sex == "Male" else 0.0) + 0.01 * (hours - 40)
        scores.append({"score": 1 / (1 + np.exp(-z))})
    return json.dumps({"predictions": scores}).encode()


def test_invoke_endpoint_protocol_with_templates_jmespath_and_throttling(adult_subset, tmp_path):
    output = tmp_path / "out"
    predictor = {
        "endpoint_name": "income-model",
        "content_type": "application/jsonlines",
        "content_template": '{"features":$features}',
        "accept_type": "application/json",
        "probability": "predictions[*].score",
        "target_model": "model-a.tar.gz",
        "custom_attributes": "trace=on",
    }
    config = _config(**predictor)
    del config["methods"][
        "post_training_bias"
    ]  # one score → 0/1 labels, which never equal ">50K" (reference §5.3)
    config["methods"]["shap"]["use_logit"] = True
    with ModelServer(_jsonlines_model) as server:
        client = boto3.client("sagemaker-runtime", endpoint_url=server.endpoint_url, region_name="us-east-1")
        server.fail_next(Failure(status=429, error_type="ThrottlingException"))
        analysis = run_analysis(
            load_config(config),
            adult_subset,
            output,
            sagemaker_runtime_client=client,
            options=QuickRetryOptions(batch_size=500),
        )
        requests = server.requests
    first = requests[0]
    assert first.path == "/endpoints/income-model/invocations"
    assert first.headers["content-type"] == "application/jsonlines"
    assert first.headers["accept"] == "application/json"
    assert first.headers["x-amzn-sagemaker-target-model"] == "model-a.tar.gz"
    assert first.headers["x-amzn-sagemaker-custom-attributes"] == "trace=on"
    record_lines = [line for r in requests for line in r.body.split(b"\n")]
    assert (
        b'{"features":[39,13,"Male",40]}' in record_lines
    )  # the first dataset record, rendered by the template
    throttled = first.body  # the first request to arrive got the 429
    assert [r.body for r in requests].count(throttled) >= 2  # ... and was sent again
    frame = pd.read_csv(adult_subset)
    z = (
        0.04 * (frame["age"] - 40)
        + 0.3 * (frame["education-num"] - 10)
        + np.where(frame["sex"] == "Male", 0.5, 0.0)
        + 0.01 * (frame["hours-per-week"] - 40)
    )
    target = analysis["explanations"]["kernel_shap"]["income"]  # one score → named after the label
    local = pd.read_csv(output / "explanations_shap" / "out.csv")
    np.testing.assert_allclose(local.sum(axis=1), z - target["expected_value"], atol=1e-6)  # logit scale


def test_http_500_is_retried_then_fails_cleanly(adult_subset, tmp_path):
    output = tmp_path / "out"
    with ModelServer(lambda body, headers: b"") as server:
        server.fail_always(Failure(status=500))
        with pytest.raises(AnalysisError) as caught:
            run_analysis(
                load_config(_config()),
                adult_subset,
                output,
                predictor=server.url,
                options=QuickRetryOptions(max_concurrency=1),
            )
        sent = len(server.requests)
    assert "HTTP 500" in caught.value.reason and "gave up after 3 attempts" in caught.value.reason
    assert sent == 3
    assert not output.exists() or not any(output.rglob("*"))


def test_http_timeout_is_retried_then_fails_cleanly(adult_subset, tmp_path):
    output = tmp_path / "out"
    with ModelServer(lambda body, headers: b"0.5") as server:
        server.fail_always(Failure(status=0, delay_seconds=1.0))
        options = QuickRetryOptions(max_retries=1, timeout_seconds=0.2, max_concurrency=1)
        with pytest.raises(AnalysisError) as caught:
            run_analysis(load_config(_config()), adult_subset, output, predictor=server.url, options=options)
        sent = len(server.requests)
    assert (
        "timed out after 0.2 s" in caught.value.reason and "gave up after 2 attempts" in caught.value.reason
    )
    assert sent == 2
    assert not output.exists() or not any(output.rglob("*"))


def test_baseline_file_on_s3_through_the_command_line(adult_subset, estimator, s3_client, bucket, tmp_path):
    """The CLI with ``--predictor model.joblib`` and a baseline CSV on S3 (SeaweedFS): the linear-in-probability
    check is local accuracy against the estimator, and the expected value is the baseline row's probability."""
    import subprocess
    import sys

    import joblib

    model_path = tmp_path / "model.joblib"
    joblib.dump(estimator, model_path)
    baseline_row = [45, 10, "Female", 38]
    s3_client.put_object(Bucket=bucket, Key="baselines/b.csv", Body=",".join(map(str, baseline_row)).encode())
    config = _config(probability=1)
    config["methods"] = {
        "shap": {
            "baseline": f"s3://{bucket}/baselines/b.csv",
            "num_samples": 14,
            "save_local_shap_values": True,
        }
    }
    config_path = tmp_path / "analysis_config.json"
    config_path.write_text(json.dumps(config))
    output = tmp_path / "out"
    endpoint = s3_client.meta.endpoint_url
    environment = {**__import__("os").environ, "AWS_ENDPOINT_URL_S3": endpoint}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_provider_clarify.engine",
            "--config",
            str(config_path),
            "--dataset",
            str(adult_subset),
            "--output",
            str(output),
            "--predictor",
            str(model_path),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    analysis = json.loads((output / "analysis.json").read_text())
    summary = analysis["explanations"]["kernel_shap"]["income"]
    baseline_probability = estimator.predict_proba(pd.DataFrame([baseline_row], columns=FEATURES))[0, 1]
    assert summary["expected_value"] == pytest.approx(baseline_probability, abs=1e-12)
    frame = pd.read_csv(adult_subset)
    local = pd.read_csv(output / "explanations_shap" / "out.csv")
    np.testing.assert_allclose(
        local.sum(axis=1), estimator.predict_proba(frame[FEATURES])[:, 1] - baseline_probability, atol=1e-9
    )
