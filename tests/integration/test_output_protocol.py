"""Complete or absent: LocalClarifyOperator's output on a local folder and on S3 (SeaweedFS on loopback).

Every case is a way an output used to be half written or mixed with an earlier run: a lost response to the
``analysis.json`` upload, a rerun with a smaller config, a SIGKILL while publishing (a real process, really killed),
a reader looking at a folder that a killed run left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ReadTimeoutError

from airflow_provider_clarify.contract import MANIFEST_FILE
from airflow_provider_clarify.exceptions import ClarifyAnalysisError, ClarifyResultInputError
from airflow_provider_clarify.operators import storage
from airflow_provider_clarify.operators.gate import check_clarify_result
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from airflow_provider_clarify.results import ClarifyResult

ROWS = 60
FEATURES = ["x1", "x2", "group"]
SMALL_CONFIG = {
    "dataset_type": "text/csv",
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "group", "value_or_threshold": [1]}],
    "methods": {"pre_training_bias": {"methods": ["CI"]}},
}
FULL_CONFIG = {
    **SMALL_CONFIG,
    "predictor": {"content_type": "text/csv"},
    "methods": {
        "pre_training_bias": {"methods": ["CI"]},
        "shap": {"baseline": [[3, 2, 0]], "num_samples": 8, "save_local_shap_values": True},
        "report": {"name": "first", "title": "The larger run"},
    },
}
# CI = (n_a - n_d) / n: 20 of the 60 rows have group 1 (every third row).
EXPECTED_CI = (40 - 20) / ROWS
HELPER = Path(__file__).with_name("publish_then_hang.py")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    i = np.arange(ROWS)
    frame = pd.DataFrame(
        {
            "label": ((i % 7 + (i * 3) % 5) > 5).astype(int),
            "x1": i % 7,
            "x2": (i * 3) % 5,
            "group": (i % 3 == 0).astype(int),
        }
    )
    path = tmp_path_factory.mktemp("protocol") / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model(dataset):
    from sklearn.linear_model import LogisticRegression

    frame = pd.read_csv(dataset)
    return LogisticRegression().fit(frame[FEATURES], frame["label"])


def _stored(output: str, s3_client) -> list[str]:
    """What the output location holds, by relative name (the test's own eyes: a plain listing)."""
    if output.startswith("s3://"):
        bucket, _, prefix = output[len("s3://") :].partition("/")
        listed = s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
        return sorted(item["Key"][len(prefix) + 1 :] for item in listed)
    root = Path(output)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _read_back(output: str) -> ClarifyResult:
    """The output as a downstream reader sees it: ClarifyResult on a local folder, the gate's reading on S3."""
    if output.startswith("s3://"):
        document, files = storage.read_analysis_output(output, aws_conn_id="aws_default")
        return ClarifyResult.from_analysis(document, output_uri=output, output_files=files)
    return ClarifyResult.from_analysis(output)


def _gate_on_baseline(output: str) -> dict:
    """A gate with ``output`` as its drift baseline (the current result is a trivial one that passes)."""
    current = ClarifyResult.from_analysis({"version": "1.0"}).to_xcom()
    return check_clarify_result(current, baseline=output, write_violations=False)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_rerun_with_a_smaller_config_leaves_no_file_of_the_earlier_run(
    where, dataset, model, tmp_path, s3_server, bucket, s3_client
):
    output = str(tmp_path / "out") if where == "local" else f"s3://{bucket}/clarify/out"
    first = LocalClarifyOperator(
        task_id="first", config=FULL_CONFIG, dataset_uri=str(dataset), output_uri=output, predictor=model
    ).execute({})
    run_files = ["analysis.json", "explanations_shap/out.csv", "first.html", "first.ipynb", "first.pdf"]
    assert sorted(first["output_files"]) == run_files
    assert _stored(output, s3_client) == sorted([*run_files, MANIFEST_FILE])

    second = LocalClarifyOperator(
        task_id="second", config=SMALL_CONFIG, dataset_uri=str(dataset), output_uri=output
    ).execute({})
    assert list(second["output_files"]) == ["analysis.json"]
    assert _stored(output, s3_client) == [MANIFEST_FILE, "analysis.json"]
    manifest = json.loads(_read(output, MANIFEST_FILE, s3_client))
    assert manifest["status"] == "complete" and [f["path"] for f in manifest["files"]] == ["analysis.json"]
    reread = _read_back(output)
    assert list(reread.output_files) == ["analysis.json"]
    assert reread.metric("CI") == pytest.approx(EXPECTED_CI, abs=1e-12)


def _read(output: str, name: str, s3_client) -> bytes:
    if output.startswith("s3://"):
        bucket, _, prefix = output[len("s3://") :].partition("/")
        return s3_client.get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read()
    return (Path(output) / name).read_bytes()


class _LostAnalysisResponse(LocalClarifyOperator):
    """S3 stores ``analysis.json`` but its response never arrives: after the PUT came back (status recorded),
    botocore's own event hook raises ReadTimeoutError, as when the connection drops before the answer is read."""

    stored_statuses: list[int] = []

    def _s3_client(self):
        client = super()._s3_client()

        def remember_key(params, context, **kwargs):
            context["clarify_test_key"] = params.get("Key", "")

        def lose_response(http_response, context, **kwargs):
            if context.get("clarify_test_key", "").endswith("/analysis.json"):
                _LostAnalysisResponse.stored_statuses.append(http_response.status_code)
                raise ReadTimeoutError(endpoint_url="http://s3.loopback/analysis.json")

        client.meta.events.register("before-parameter-build.s3.PutObject", remember_key)
        client.meta.events.register("after-call.s3.PutObject", lose_response)
        return client


def test_lost_response_to_the_analysis_upload_rolls_back_and_fails_clearly(
    dataset, s3_server, bucket, s3_client
):
    output = f"s3://{bucket}/clarify/out"
    LocalClarifyOperator(
        task_id="earlier", config=SMALL_CONFIG, dataset_uri=str(dataset), output_uri=output
    ).execute({})
    assert _stored(output, s3_client) == [MANIFEST_FILE, "analysis.json"]

    operator = _LostAnalysisResponse(
        task_id="lost", config=SMALL_CONFIG, dataset_uri=str(dataset), output_uri=output
    )
    with pytest.raises(ClarifyAnalysisError) as caught:
        operator.execute({})
    assert _LostAnalysisResponse.stored_statuses == [200]  # S3 did store the object before the "timeout"
    message = str(caught.value)
    assert type(caught.value) is ClarifyAnalysisError
    assert f"publishing the output to {output} failed" in message
    assert "ReadTimeoutError" in message and "removed" in message
    # Neither run's analysis.json is left: not the earlier one (it would pass for this run), not this one.
    assert _stored(output, s3_client) == []
    with pytest.raises(ClarifyResultInputError, match=r"no analysis\.json there"):
        _gate_on_baseline(output)


# ------------------------------------------------------------------------------------------ SIGKILL while publishing


def _helper(config: dict, dataset: Path, output: str, marker: str, tmpdir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
    }  # the run's temp folders (S3 work copy, scratch) where we look
    return subprocess.Popen(
        [sys.executable, str(HELPER), json.dumps(config), str(dataset), output, marker],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _wait_for(process: subprocess.Popen[str], word: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == word:
            return
        if not line and process.poll() is not None:
            raise AssertionError(f"the helper exited with {process.returncode} before printing {word}")
    process.kill()
    raise AssertionError(f"the helper did not print {word} within {timeout} s")


def _work_copies(where: str, output: str, tmpdir: Path) -> list[str]:
    parent = Path(output).parent if where == "local" else tmpdir
    return sorted(
        p.name for p in parent.iterdir() if p.name.startswith((".clarify-local-", "clarify-engine-"))
    )


@pytest.mark.parametrize(
    ("where", "step"),
    [("local", "started publishing"), ("local", "/analysis.json"), ("s3", "/analysis.json")],
    ids=["local-after-running-manifest", "local-after-analysis-json", "s3-after-analysis-json"],
)
def test_sigkill_while_publishing_reads_as_incomplete_and_the_next_run_cleans_up(
    where, step, dataset, tmp_path, s3_server, bucket, s3_client, monkeypatch
):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))  # this process's runs use the helper's temp folder
    output = str(tmp_path / "out") if where == "local" else f"s3://{bucket}/clarify/out"

    def run_here() -> None:
        LocalClarifyOperator(
            task_id="here", config=SMALL_CONFIG, dataset_uri=str(dataset), output_uri=output
        ).execute({})

    run_here()  # a complete earlier output, to be replaced by the run that gets killed
    assert _read_back(output).metric("CI") == pytest.approx(EXPECTED_CI, abs=1e-12)

    marker = f"{output}: run" if step == "started publishing" else f"published {output}{step}"
    killed = _helper(SMALL_CONFIG, dataset, output, marker, tmpdir)
    _wait_for(killed, "FROZEN")
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL

    with pytest.raises(ValueError, match="has not finished writing this output"):
        _read_back(output)
    with pytest.raises(ClarifyResultInputError, match="has not finished writing this output"):
        _gate_on_baseline(output)
    left = _work_copies(where, output, tmpdir)
    assert any(name.startswith(".clarify-local-") for name in left)

    run_here()  # the next run: removes what the killed one left, publishes a complete output
    assert _work_copies(where, output, tmpdir) == []
    assert _stored(output, s3_client) == [MANIFEST_FILE, "analysis.json"]
    assert _read_back(output).metric("CI") == pytest.approx(EXPECTED_CI, abs=1e-12)
