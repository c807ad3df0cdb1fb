"""LocalClarifyOperator: real engine on UCI Adult, real Airflow runs, real S3 (SeaweedFS) on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import MagicMock, PropertyMock, patch

import boto3
import pandas as pd
import pytest

from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyInvalidConfigError
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from airflow_provider_clarify.results import ClarifyResult
from tests.integration.airflow_runs import run_dag
from tests.unit.engine.compas_like import bias_config, write_compas

BIAS_CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "predicted_label": "prediction",
    "excluded_columns": ["split"],
    "methods": {"post_training_bias": {"methods": ["DI", "DPPL"]}},
}


@pytest.fixture(scope="module")
def adult_with_predictions(adult_csv, tmp_path_factory) -> tuple[Path, dict[str, float]]:
    """Adult plus a rule-based 'prediction' column, and DI / DPPL for sex=Female computed from counts."""
    frame = pd.read_csv(adult_csv)
    predicted = (frame["education-num"] >= 13) & (frame["hours-per-week"] >= 40)
    frame["prediction"] = predicted.map({True: ">50K", False: "<=50K"})
    path = tmp_path_factory.mktemp("adult") / "adult_predicted.csv"
    frame.to_csv(path, index=False)
    female = frame["sex"] == "Female"
    n_d, n_a = int(female.sum()), int((~female).sum())
    pos_d, pos_a = int((predicted & female).sum()), int((predicted & ~female).sum())
    expected = {"DI": (pos_d / n_d) / (pos_a / n_a), "DPPL": pos_a / n_a - pos_d / n_d}
    return path, expected


def test_local_analysis_then_gate_blocks_deploy(test_dags_dir, adult_with_predictions, tmp_path):
    dataset, expected = adult_with_predictions
    output = tmp_path / "clarify-output"
    conf = {"dataset": str(dataset), "output": str(output), "rules": {"DI": [0.8, 1.25]}}
    outcome = run_dag(test_dags_dir / "local_gate.py", "local_gate", conf=conf)
    assert outcome.task_states() == {
        "bias_analysis": "success",
        "gate": "failed",
        "deploy": "upstream_failed",
    }
    result = ClarifyResult.from_xcom(outcome.xcom("bias_analysis"))
    assert result.engine == "local" and result.analysis_uri == f"{output}/analysis.json"
    assert result.metric("DI", facet="sex", value="Female") == pytest.approx(expected["DI"], abs=1e-12)
    assert result.metric("DPPL") == pytest.approx(expected["DPPL"], abs=1e-12)
    assert result.metric("CI") == pytest.approx(
        (32650 - 16192) / (32650 + 16192), abs=1e-12
    )  # Male vs Female rows
    # The output directory holds the published result (with its run manifest) and the gate's verdict, and no
    # temporary leftovers.
    assert sorted(p.name for p in output.iterdir()) == [
        "_manifest.json",
        "analysis.json",
        "constraint_violations.json",
    ]
    assert not [p for p in output.parent.iterdir() if p.name.startswith(".clarify-local-")]
    violations = json.loads((output / "constraint_violations.json").read_text())["violations"]
    assert violations == outcome.xcom("gate", key="violations")
    assert [(v["metric_name"], v["facet"], v["facet_value"]) for v in violations] == [("DI", "sex", "Female")]
    assert violations[0]["description"].startswith(f"Value {result.metric('DI')!r} does not meet")


def test_local_analysis_to_s3_then_gate_passes(test_dags_dir, adult_with_predictions, bucket, s3_client):
    dataset, expected = adult_with_predictions
    s3_client.upload_file(str(dataset), bucket, "data/adult.csv")
    conf = {
        "dataset": f"s3://{bucket}/data/adult.csv",
        "output": f"s3://{bucket}/clarify/run-1",
        "rules": {"DPPL": [-0.1, 0.1]},
    }
    outcome = run_dag(test_dags_dir / "local_gate.py", "local_gate", conf=conf)
    assert outcome.task_states() == {"bias_analysis": "success", "gate": "success", "deploy": "success"}
    keys = sorted(o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket, Prefix="clarify/")["Contents"])
    assert keys == [
        "clarify/run-1/_manifest.json",
        "clarify/run-1/analysis.json",
        "clarify/run-1/constraint_violations.json",
    ]
    analysis = json.loads(
        s3_client.get_object(Bucket=bucket, Key="clarify/run-1/analysis.json")["Body"].read()
    )
    metrics = analysis["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    values = {m["name"]: m["value"] for m in metrics}
    assert sorted(values) == ["AD", "DI", "DPPL"]
    assert {name: values[name] for name in expected} == pytest.approx(expected, abs=1e-12)
    result = ClarifyResult.from_xcom(outcome.xcom("bias_analysis"))
    assert result.analysis_uri == f"s3://{bucket}/clarify/run-1/analysis.json"
    assert result.output_files == {"analysis.json": result.analysis_uri}


# Bad input and failure handling: execute() directly (no DAG run needed to see the operator refuse).


def _operator(**kwargs) -> LocalClarifyOperator:
    return LocalClarifyOperator(task_id="local", **kwargs)


def test_bad_config_fails_before_any_output(tmp_path, adult_with_predictions):
    dataset, _ = adult_with_predictions
    output = tmp_path / "out"
    bad = {**BIAS_CONFIG, "methods": {"post_training_bias": {"methods": ["DI", "XYZ"]}}}
    operator = _operator(config=bad, dataset_uri=str(dataset), output_uri=str(output))
    with pytest.raises(ClarifyInvalidConfigError, match=r"methods\.post_training_bias\.methods") as caught:
        operator.execute({})
    assert caught.value.problems and not output.exists() and list(tmp_path.iterdir()) == []


def test_missing_config_file_names_the_argument(tmp_path):
    operator = _operator(config=str(tmp_path / "nope.json"), output_uri=str(tmp_path / "out"))
    with pytest.raises(ClarifyInvalidConfigError, match=r"config names a config file that does not exist"):
        operator.execute({})


def test_model_needed_but_missing_is_a_config_error(tmp_path, adult_with_predictions):
    dataset, _ = adult_with_predictions
    no_predictions = {key: value for key, value in BIAS_CONFIG.items() if key != "predicted_label"}
    operator = _operator(config=no_predictions, dataset_uri=str(dataset), output_uri=str(tmp_path / "out"))
    with pytest.raises(ClarifyInvalidConfigError, match="not runnable"):
        operator.execute({})
    assert list(tmp_path.iterdir()) == []


def test_engine_failure_is_a_clarify_analysis_error_and_leaves_nothing(tmp_path, adult_with_predictions):
    dataset, _ = adult_with_predictions
    wrong_facet = {**BIAS_CONFIG, "facet": [{"name_or_index": "gender", "value_or_threshold": ["Female"]}]}
    output = tmp_path / "out"
    operator = _operator(config=wrong_facet, dataset_uri=str(dataset), output_uri=str(output))
    with pytest.raises(ClarifyAnalysisError, match="gender") as caught:
        operator.execute({})
    assert "gender" in caught.value.reason
    assert not output.exists() or list(output.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".clarify-local-")] == []


def test_output_uri_must_be_a_directory_or_s3(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(BIAS_CONFIG))
    a_file = tmp_path / "occupied"
    a_file.write_text("x")
    with pytest.raises(ClarifyInvalidConfigError, match="is a file; give a directory"):
        _operator(config=str(config_file), output_uri=str(a_file)).execute({})
    with pytest.raises(ClarifyInvalidConfigError, match="local directory or an s3:// prefix"):
        _operator(config=str(config_file), output_uri="gs://bucket/x").execute({})


class _FailingOnMarker:
    """A real boto3 S3 client that fails when the completion marker is uploaded (a crash at the last step)."""

    def __init__(self, client, error: BaseException) -> None:
        self._client, self._error = client, error

    def upload_file(self, filename, bucket, key):
        if key.endswith("analysis.json"):
            raise self._error
        return self._client.upload_file(filename, bucket, key)

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.mark.parametrize("error", [OSError("connection reset"), KeyboardInterrupt()])
def test_s3_publication_is_all_or_nothing(tmp_path, s3_server, bucket, s3_client, error):
    (tmp_path / "explanations_shap").mkdir()
    (tmp_path / "explanations_shap" / "out.csv").write_text("a_label0\n0.1\n")
    (tmp_path / "report.html").write_text("<html/>")
    (tmp_path / "analysis.json").write_text("{}")
    client = boto3.client("s3", endpoint_url=s3_server.url, region_name="us-east-1")
    with pytest.raises(type(error)):
        storage.upload_directory(
            tmp_path, f"s3://{bucket}/out", _FailingOnMarker(client, error), log=lambda m: None
        )
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    # Without the failure, everything lands and analysis.json is uploaded last.
    names = storage.upload_directory(tmp_path, f"s3://{bucket}/out", client, log=lambda m: None)
    assert names == ["explanations_shap/out.csv", "report.html", "analysis.json"]
    assert s3_client.list_objects_v2(Bucket=bucket)["KeyCount"] == 3


def test_on_kill_removes_the_working_directory(tmp_path):
    operator = _operator(config=BIAS_CONFIG, output_uri=str(tmp_path / "out"))
    operator._workdir = tmp_path / ".clarify-local-x"
    (operator._workdir / "explanations_shap").mkdir(parents=True)
    (operator._workdir / "explanations_shap" / "out.csv").write_text("partial")
    operator.on_kill()
    assert list(tmp_path.iterdir()) == []


def test_in_process_predictor_override(adult_csv, tmp_path):
    """Post-training bias with predictions from a scikit-learn model handed to the operator (no endpoint)."""
    from sklearn.linear_model import LogisticRegression

    frame = pd.read_csv(adult_csv, nrows=3000)
    data = pd.DataFrame(
        {
            "income": (frame["income"] == ">50K").astype(int),
            "age": frame["age"],
            "education-num": frame["education-num"],
            "hours-per-week": frame["hours-per-week"],
            "female": (frame["sex"] == "Female").astype(int),
        }
    )
    features = data.drop(columns="income")
    model = LogisticRegression(max_iter=1000).fit(features.to_numpy(), data["income"])
    dataset = tmp_path / "adult_numeric.csv"
    data.to_csv(dataset, index=False)
    config = {
        "dataset_type": "text/csv",
        "label": "income",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "female", "value_or_threshold": [1]}],
        "methods": {"post_training_bias": {"methods": ["DI", "DPPL"]}},
    }
    operator = _operator(
        config=config, dataset_uri=str(dataset), output_uri=str(tmp_path / "out"), predictor=model
    )
    result = ClarifyResult.from_xcom(operator.execute({}))
    # Expected from the model's own probabilities: predicted positive when P(y=1) > 0.5.
    predicted = model.predict_proba(features.to_numpy())[:, 1] > 0.5
    female = data["female"] == 1
    q_d, q_a = predicted[female.to_numpy()].mean(), predicted[~female.to_numpy()].mean()
    assert result.metric("DI") == pytest.approx(q_d / q_a, abs=1e-12)
    assert result.metric("DPPL") == pytest.approx(q_a - q_d, abs=1e-12)
    assert (tmp_path / "out" / "analysis.json").is_file()


class _KilledAfterFirstUpload:
    """A real boto3 S3 client; after the first upload, Airflow's SIGTERM handler runs the operator's on_kill."""

    def __init__(self, client, operator) -> None:
        self._client, self._operator = client, operator

    def upload_file(self, filename, bucket, key):
        self._client.upload_file(filename, bucket, key)
        self._operator.on_kill()

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_kill_during_s3_publication_rolls_back(tmp_path, s3_server, bucket, s3_client):
    operator = _operator(config=BIAS_CONFIG, output_uri=f"s3://{bucket}/out")
    workdir = tmp_path / ".clarify-local-y"
    (workdir / "explanations_shap").mkdir(parents=True)
    (workdir / "explanations_shap" / "out.csv").write_text("a_label0\n0.1\n")
    (workdir / "analysis.json").write_text("{}")
    operator._workdir = workdir
    client = boto3.client("s3", endpoint_url=s3_server.url, region_name="us-east-1")
    with pytest.raises(storage.PublicationCancelled):
        operator._publish(workdir, f"s3://{bucket}/out", _KilledAfterFirstUpload(client, operator))
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert not workdir.exists()


def test_output_uri_missing_names_the_argument_and_writes_nothing(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(BIAS_CONFIG))
    with pytest.raises(ClarifyInvalidConfigError, match="output_uri is missing: pass output_uri="):
        _operator(config=str(config_file)).execute({})
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_builder_s3_paths_are_the_default_dataset_and_output(s3_server, bucket, s3_client):
    """SDK-style DataConfig(s3_data_input_path=..., s3_output_path=...) is enough to locate the run."""
    from airflow_provider_clarify.config.builders import BiasConfig, DataConfig

    sexes = ["Female" if i % 3 == 0 else "Male" for i in range(30)]
    body = "age,sex,income\n" + "".join(
        f"{20 + i},{sex},{'>50K' if i % 4 == 0 else '<=50K'}\n" for i, sex in enumerate(sexes)
    )
    s3_client.put_object(Bucket=bucket, Key="builder/in/data.csv", Body=body.encode())
    data = DataConfig(
        s3_data_input_path=f"s3://{bucket}/builder/in/data.csv",
        s3_output_path=f"s3://{bucket}/builder/out",
        label="income",
    )
    bias = BiasConfig(
        label_values_or_threshold=[">50K"], facet_name="sex", facet_values_or_threshold=["Female"]
    )
    summary = _operator(config=[data, bias]).execute({})
    result = ClarifyResult.from_xcom(summary)
    assert result.output_uri == f"s3://{bucket}/builder/out"
    n_female = sexes.count("Female")
    assert result.metric("CI", facet="sex", value="Female") == pytest.approx(
        (len(sexes) - 2 * n_female) / len(sexes), abs=1e-12
    )
    keys = [
        item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket, Prefix="builder/out/")["Contents"]
    ]
    assert "builder/out/analysis.json" in keys


def test_openlineage_reports_what_the_local_run_read_and_wrote(tmp_path, adult_with_predictions):
    """The OpenLineage provider's extractor manager (what its listener calls) sees the local files by path."""
    import types

    from airflow.providers.openlineage.extractors.manager import ExtractorManager
    from airflow.utils.state import TaskInstanceState

    dataset, _ = adult_with_predictions
    output = tmp_path / "lineage-out"
    operator = _operator(config=BIAS_CONFIG, dataset_uri=str(dataset), output_uri=str(output))
    operator.execute({})
    lineage = ExtractorManager().extract_metadata(
        types.SimpleNamespace(run_id="lineage"), operator, TaskInstanceState.SUCCESS, task_instance=None
    )
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("file", str(dataset.resolve()))]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        ("file", str(output.resolve())),
        ("file", str(output.resolve() / "analysis.json")),
    ]
    assert (output / "analysis.json").is_file()


def test_the_summary_counts_every_warning_and_the_result_carries_them(tmp_path):
    """A failed metric (CDDL without a group variable) is a warning: counted in the summary, kept in the result."""
    dataset, _ = write_compas(tmp_path, rows=100)
    config = bias_config(methods={"pre_training_bias": {"methods": ["CDDL", "CI"]}})
    operator = _operator(config=config, dataset_uri=str(dataset), output_uri=str(tmp_path / "out"))
    task_log = MagicMock()
    with patch.object(LocalClarifyOperator, "log", new_callable=PropertyMock, return_value=task_log):
        result = ClarifyResult.from_xcom(operator.execute({}))
    (warning,) = result.warnings
    assert warning.startswith("CDDL failed for facet race=African-American: ")
    lines = [call.args[0] % call.args[1:] for call in task_log.info.call_args_list]
    assert any(
        line.startswith("Clarify analysis complete: 2 bias metric(s), 0 SHAP target(s), 1 warning(s)")
        for line in lines
    ), lines


def test_rows_an_inner_join_drops_are_one_warning_of_the_run_and_no_step_uses_them(tmp_path):
    """Bias and SHAP each read the data: the join's drop is said once, counted, and kept in the result; SHAP
    explains the joined rows only (the features come from the main file alone, yet its rows are joined too)."""
    from tests.unit.engine.model_fixtures import CsvFunctionModel

    rows = range(120)
    sex = [i % 2 for i in rows]
    x = [i % 9 for i in rows]
    pd.DataFrame({"id": list(rows), "label": [(i * 7) % 5 < 2 for i in rows], "sex": sex, "x": x}).astype(
        {"label": int}
    ).to_csv(tmp_path / "data.csv", index=False)
    joined = [i for i in rows if i % 3 != 0]  # ids divisible by 3 have no prediction: 40 of 120 rows dropped
    pd.DataFrame({"id": joined, "pred": [(i * 3) % 7 < 3 for i in joined]}).astype({"pred": int}).to_csv(
        tmp_path / "predictions.csv", index=False
    )
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [1]}],
        "joinsource_name_or_index": "id",
        "predicted_label_dataset_uri": str(tmp_path / "predictions.csv"),
        "predicted_label_headers": ["id", "pred"],
        "predicted_label": "pred",
        "methods": {
            "pre_training_bias": {"methods": ["CI"]},
            "post_training_bias": {"methods": ["DPPL"]},
            "shap": {"baseline": [[0, 0]], "num_samples": 10, "save_local_shap_values": True},
        },
        "predictor": {},
    }
    operator = _operator(
        config=config,
        dataset_uri=str(tmp_path / "data.csv"),
        output_uri=str(tmp_path / "out"),
        predictor=CsvFunctionModel(lambda v: 2 * v[0] + v[1]),  # features: sex, x
    )
    task_log = MagicMock()
    with patch.object(LocalClarifyOperator, "log", new_callable=PropertyMock, return_value=task_log):
        result = ClarifyResult.from_xcom(operator.execute({}))

    joins = [w for w in result.warnings if w.startswith("Inner join on 'id'")]
    assert joins == [
        "Inner join on 'id' (joinsource_name_or_index) dropped 40 of 120 dataset row(s) (40 without a match in "
        "predicted_label_dataset_uri); every metric and explanation uses the 80 joined row(s). If no row should "
        "be dropped, make column 'id' hold the same values in the dataset and in each joined file"
    ]
    lines = [call.args[0] % call.args[1:] for call in task_log.info.call_args_list]
    summary = next(line for line in lines if line.startswith("Clarify analysis complete:"))
    assert f"{len(result.warnings)} warning(s)" in summary
    # CI over the 80 joined rows: (n_a − n_d) / n with d = sex 1.
    n_d = sum(sex[i] for i in joined)
    assert result.metric("CI") == pytest.approx((80 - 2 * n_d) / 80, abs=1e-12)
    # A linear model against a zero baseline: φ_sex = 2·sex, φ_x = x; global = mean |φ| over the joined rows.
    local = pd.read_csv(tmp_path / "out" / "explanations_shap" / "out.csv")
    assert len(local) == 80
    shap = result.shap["label"].global_shap_values
    assert shap["sex"] == pytest.approx(sum(2 * sex[i] for i in joined) / 80, abs=1e-9)
    assert shap["x"] == pytest.approx(sum(x[i] for i in joined) / 80, abs=1e-9)
