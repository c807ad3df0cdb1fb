"""The analysis config is validated exactly once per operator execution, OpenLineage extraction included.

Both operators resolve their ``config`` argument once; the engine, the managed-job checks, the request, the config
upload and the lineage datasets all read that one ``AnalysisConfig``. Counted here by wrapping the config layer's
validator, ``config.validation.validate_document``, wherever the provider holds a reference to it, around a real
execution: ``dag.test()`` and ``execute()`` of LocalClarifyOperator, and ClarifyOperator against the loopback
SageMaker (the stand-in's container runs as a separate process and is not counted).
"""

from __future__ import annotations

import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_clarify.config import validation
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from tests.integration.airflow_runs import run_dag
from tests.integration.clarify_standin import ClarifyStandIn, running_standin

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "predicted_label": "prediction",
    "excluded_columns": ["split"],
    "methods": {
        "pre_training_bias": {"methods": ["CI", "DPL"]},
        "post_training_bias": {"methods": ["DI", "DPPL"]},
    },
}
ROWS = "".join(
    f"{20 + i % 40},{'Female' if i % 3 == 0 else 'Male'},{'>50K' if i % 4 == 0 else '<=50K'},"
    f"{'>50K' if i % 5 == 0 else '<=50K'},train\n"
    for i in range(60)
)
SAMPLE = "age,sex,income,prediction,split\n" + ROWS


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every document the config layer validates from now on (one entry per ``validate_document`` call)."""
    original = validation.validate_document
    seen: list[object] = []

    def counted(document: object, *args: object, **kwargs: object) -> object:
        seen.append(document)
        return original(document, *args, **kwargs)

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if (
            name.startswith("airflow_provider_clarify")
            and getattr(module, "validate_document", None) is original
        ):
            monkeypatch.setattr(module, "validate_document", counted)
    return seen


def extract_lineage(operator: object) -> object:
    """What Airflow's OpenLineage listener does after a task succeeded: the provider's extractor manager."""
    from airflow.providers.openlineage.extractors.manager import ExtractorManager
    from airflow.utils.state import TaskInstanceState

    return ExtractorManager().extract_metadata(
        types.SimpleNamespace(run_id="run"), operator, TaskInstanceState.SUCCESS, task_instance=None
    )


class _TaskInstance:
    def __init__(self, run_id: str) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = "validated_once", "clarify", run_id, -1

    def xcom_push(self, key: str, value: object) -> None:
        pass


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE)
    return path


def test_local_operator_in_a_dag_run_validates_once(validations, test_dags_dir, sample_csv, tmp_path):
    conf = {"dataset": str(sample_csv), "output": str(tmp_path / "out"), "rules": {"DI": [0, 100]}}
    outcome = run_dag(test_dags_dir / "local_gate.py", "local_gate", conf=conf)
    assert outcome.task_states()["bias_analysis"] == "success"
    assert len(validations) == 1


def test_local_operator_execute_and_lineage_validate_once(validations, sample_csv, tmp_path):
    operator = LocalClarifyOperator(
        task_id="bias", config=CONFIG, dataset_uri=str(sample_csv), output_uri=str(tmp_path / "out")
    )
    summary = operator.execute({})
    lineage = extract_lineage(operator)
    assert summary["job_status"] == "Completed"
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("file", str(sample_csv))]
    assert len(validations) == 1


@pytest.fixture
def clarify_standin(moto_server, s3_server) -> Iterator[ClarifyStandIn]:
    with running_standin(moto_server, s3_server) as stand_in:
        yield stand_in


def test_managed_operator_execute_and_lineage_validate_once(validations, clarify_standin, bucket, s3_client):
    s3_client.put_object(Bucket=bucket, Key="data/sample.csv", Body=SAMPLE.encode())
    config = {**CONFIG, "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}}}
    operator = ClarifyOperator(
        task_id="clarify",
        config=config,
        dataset_uri=f"s3://{bucket}/data/sample.csv",
        output_uri=f"s3://{bucket}/out",
        role_arn=ROLE,
        check_interval=0.2,
    )
    ti = _TaskInstance(f"run-{uuid.uuid4().hex}")
    summary = operator.execute({"ti": ti, "task_instance": ti, "run_id": ti.run_id})
    lineage = extract_lineage(operator)
    assert summary["job_status"] == "Completed"
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        (f"s3://{bucket}", "out"),
        (f"s3://{bucket}", "out/analysis.json"),
    ]
    assert len(validations) == 1
