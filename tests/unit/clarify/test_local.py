"""LocalClarifyProcessor: the SDK's processor calls, run by the local engine in this process.

Small hand-made datasets; expected metrics are computed from counts in the test. Where the output goes (local
directory or S3), what ``analysis_config.json`` holds, what is logged for arguments without a local meaning, and
that a refused input writes nothing.
"""

from __future__ import annotations

import json
import logging

import pytest

from airflow_provider_clarify import clarify
from tests.unit.clarify.fake_aws import sdk_session

# 12 rows of (sex, label, prediction): sex F (facet d) has 5 rows, sex M has 7.
ROWS = [
    ("F", "yes", "yes"), ("F", "no", "no"), ("F", "no", "no"), ("F", "no", "yes"), ("F", "no", "no"),
    ("M", "yes", "yes"), ("M", "yes", "yes"), ("M", "yes", "no"), ("M", "yes", "yes"), ("M", "no", "no"),
    ("M", "no", "yes"), ("M", "no", "no"),
]  # fmt: skip
HEADERS = ["sex", "y", "prediction"]


@pytest.fixture
def dataset(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(",".join(HEADERS) + "\n" + "".join(f"{s},{y},{p}\n" for s, y, p in ROWS))
    return path


def data_config(dataset, output, **extra):
    return clarify.DataConfig(
        s3_data_input_path=str(dataset),
        s3_output_path=str(output),
        label="y",
        headers=HEADERS,
        predicted_label="prediction",
        **extra,
    )


BIAS = clarify.BiasConfig(
    label_values_or_threshold=["yes"], facet_name="sex", facet_values_or_threshold=["F"]
)


def metric(section, name):
    (facet,) = section["facets"]["sex"]
    return next(entry["value"] for entry in facet["metrics"] if entry["name"] == name)


def test_bias_run_writes_the_output_and_the_config_to_the_output_path(dataset, tmp_path):
    output = tmp_path / "out"
    processor = clarify.LocalClarifyProcessor()
    processor.run_bias(
        data_config(dataset, output), BIAS, pre_training_methods=["CI"], post_training_methods=["DPPL"]
    )
    analysis = json.loads((output / "analysis.json").read_text())
    n_d, n_a = 5, 7
    assert metric(analysis["pre_training_bias_metrics"], "CI") == pytest.approx((n_a - n_d) / (n_a + n_d))
    predicted_d = sum(p == "yes" for s, _, p in ROWS if s == "F") / n_d
    predicted_a = sum(p == "yes" for s, _, p in ROWS if s == "M") / n_a
    assert metric(analysis["post_training_bias_metrics"], "DPPL") == pytest.approx(predicted_a - predicted_d)
    config = json.loads((output / "analysis_config.json").read_text())
    assert (
        config
        == processor._last_analysis_config
        == {
            "dataset_type": "text/csv",
            "headers": HEADERS,
            "label": "y",
            "predicted_label": "prediction",
            "label_values_or_threshold": ["yes"],
            "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
            "methods": {
                "report": {"name": "report", "title": "Analysis Report"},
                "pre_training_bias": {"methods": ["CI"]},
                "post_training_bias": {"methods": ["DPPL"]},
            },
        }
    )
    assert {path.name for path in output.iterdir()} >= {
        "analysis.json",
        "analysis_config.json",
        "report.ipynb",
    }
    assert processor.latest_job.analysis == analysis
    assert processor.latest_job.analysis_uri == str(output / "analysis.json")
    assert processor.latest_job.job_name.startswith("Clarify-Bias-")
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".clarify-local-")]


def test_explanations_with_an_in_process_model(tmp_path):
    """A linear model's SHAP values are known: w_j * (x_j - baseline_j), so the global mean_abs is their mean."""
    rows = [(1.0, 2.0), (3.0, -1.0), (0.0, 0.5), (2.0, 2.0)]
    dataset = tmp_path / "x.csv"
    dataset.write_text("a,b\n" + "".join(f"{a},{b}\n" for a, b in rows))
    weights = (2.0, -3.0)

    def model(body: bytes) -> str:
        lines = body.decode().strip().splitlines()
        return "\n".join(
            str(sum(w * float(v) for w, v in zip(weights, line.split(","), strict=True))) for line in lines
        )

    processor = clarify.LocalClarifyProcessor(predictor=model)
    processor.run_explainability(
        clarify.DataConfig(str(dataset), str(tmp_path / "out"), headers=["a", "b"]),
        clarify.ModelConfig(endpoint_name="in-process", content_type="text/csv", accept_type="text/csv"),
        clarify.SHAPConfig(baseline=[[0.0, 0.0]], num_samples=4, agg_method="mean_abs", seed=1),
        logs=False,
    )
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    global_shap = analysis["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert global_shap["a"] == pytest.approx(sum(abs(weights[0] * a) for a, _ in rows) / len(rows), abs=1e-9)
    assert global_shap["b"] == pytest.approx(sum(abs(weights[1] * b) for _, b in rows) / len(rows), abs=1e-9)
    # save_local_shap_values=True is the SDK's default: the local values were published too.
    assert (tmp_path / "out" / "explanations_shap" / "out.csv").is_file()


def test_the_config_goes_to_its_own_location_when_given(dataset, tmp_path):
    output, configs = tmp_path / "out", tmp_path / "configs"
    clarify.LocalClarifyProcessor().run_pre_training_bias(
        data_config(dataset, output, s3_analysis_config_output_path=str(configs)), BIAS, methods=["CI"]
    )
    assert (configs / "analysis_config.json").is_file()
    assert not (output / "analysis_config.json").exists() and (output / "analysis.json").is_file()


def test_an_output_on_s3_is_uploaded_with_the_kms_keys(dataset, tmp_path):
    session = sdk_session()
    processor = clarify.LocalClarifyProcessor(sagemaker_session=session, output_kms_key="output-key")
    processor.run_pre_training_bias(
        data_config(dataset, "s3://bucket/clarify/run-1/"), BIAS, methods=["CI"], kms_key="config-key"
    )
    objects = session.s3_client.objects
    analysis = objects[("bucket", "clarify/run-1/analysis.json")]
    assert analysis["SSEKMSKeyId"] == "output-key" and analysis["ServerSideEncryption"] == "aws:kms"
    config = objects[("bucket", "clarify/run-1/analysis_config.json")]
    assert config["SSEKMSKeyId"] == "config-key"
    assert json.loads(config["Body"]) == processor._last_analysis_config
    # The config goes up first (as the SDK uploads it before the job), then the stale marker is deleted and the
    # output uploaded, analysis.json last.
    assert session.s3_client.calls[:2] == ["put_object", "delete_object"]
    assert list(objects)[-1] == ("bucket", "clarify/run-1/analysis.json")
    assert processor.latest_job.analysis_uri == "s3://bucket/clarify/run-1/analysis.json"


def test_a_stale_analysis_json_is_replaced(dataset, tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    (output / "analysis.json").write_text('{"stale": true}')
    clarify.LocalClarifyProcessor().run_pre_training_bias(data_config(dataset, output), BIAS, methods=["CI"])
    assert "stale" not in json.loads((output / "analysis.json").read_text())


def test_arguments_without_a_local_meaning_are_logged(dataset, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="airflow_provider_clarify.clarify"):
        processor = clarify.LocalClarifyProcessor(
            role="arn:aws:iam::123456789012:role/Clarify",
            instance_count=2,
            instance_type="ml.c5.xlarge",
            volume_kms_key="volume-key",
            output_kms_key="output-key",
            network_config={"EnableNetworkIsolation": True},
        )
        processor.run_pre_training_bias(
            data_config(dataset, tmp_path / "out"),
            BIAS,
            methods=["CI"],
            wait=False,
            logs=False,
            experiment_config={"ExperimentName": "x"},
        )
    text = caplog.text
    for argument in ("role=", "instance_count=2", "instance_type=", "volume_kms_key=", "network_config=",
                     "experiment_config=", "wait=False", "logs=False"):  # fmt: skip
        assert f"{argument}" in text, argument
    assert "has no meaning for the local engine and is ignored" in text
    assert "output_kms_key='output-key' encrypt(s) objects on S3" in text
    assert (tmp_path / "out" / "analysis.json").is_file()  # wait=False: the run still finished


def test_arguments_left_at_the_sdks_defaults_are_not_reported(caplog):
    with caplog.at_level(logging.INFO):
        clarify.LocalClarifyProcessor(volume_size_in_gb=30, skip_early_validation=False)
    assert "has no meaning for the local engine" not in caplog.text
    with caplog.at_level(logging.INFO):
        clarify.LocalClarifyProcessor(volume_size_in_gb=31)
    assert "volume_size_in_gb=31" in caplog.text


def test_logs_without_wait_is_refused_as_in_the_sdk(dataset, tmp_path):
    with pytest.raises(ValueError, match="logs=True needs wait=True"):
        clarify.LocalClarifyProcessor().run_pre_training_bias(
            data_config(dataset, tmp_path / "out"), BIAS, wait=False
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "path", "message"),
    [
        (
            {"s3_output_path": "http://host/out"},
            "DataConfig.s3_output_path",
            "neither a local directory nor an s3://",
        ),
        ({"s3_output_path": None}, "DataConfig.s3_output_path", "is missing"),
        ({"s3_data_input_path": None}, "DataConfig.s3_data_input_path", "give the dataset"),
        ({"s3_compression_type": "Gzip"}, "DataConfig.s3_compression_type", "Gzip only in Pipe mode"),
    ],
)
def test_bad_data_config_is_refused_and_nothing_is_written(dataset, tmp_path, arguments, path, message):
    merged = {"s3_data_input_path": str(dataset), "s3_output_path": str(tmp_path / "out"), **arguments}
    config = clarify.DataConfig(label="y", headers=HEADERS, **merged)
    with pytest.raises(clarify.ClarifyConfigError) as caught:
        clarify.LocalClarifyProcessor().run_pre_training_bias(config, BIAS, methods=["CI"])
    assert caught.value.paths == [path] and message in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_a_shadow_endpoint_cannot_be_deployed_locally(dataset, tmp_path):
    model = clarify.ModelConfig(model_name="m", instance_type="ml.m5.xlarge", instance_count=1)
    config = clarify.DataConfig(str(dataset), str(tmp_path / "out"), label="y", headers=HEADERS)
    with pytest.raises(clarify.ClarifyConfigError) as caught:
        clarify.LocalClarifyProcessor().run_post_training_bias(config, BIAS, model, methods=["DPPL"])
    assert caught.value.paths == ["predictor.model_name"]
    assert "LocalClarifyProcessor(predictor=...)" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]
