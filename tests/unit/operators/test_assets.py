"""Assets of the analysis operators: the URI, the declared outlet, lineage that names the same object, and the
gate input read from triggering asset events."""

from __future__ import annotations

import json
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pendulum
import pytest
from airflow.sdk import DAG, AssetAlias

from airflow_provider_clarify.exceptions import ClarifyResultInputError
from airflow_provider_clarify.operators._assets import (
    ClarifyAssetEventResult,
    analysis_asset,
    analysis_asset_uri,
    emit_analysis_asset_event,
)
from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator
from airflow_provider_clarify.results import ClarifyResult
from airflow_provider_clarify.results.summary import compact_summary
from tests.unit.results import analysis_samples as samples

ROLE = "arn:aws:iam::123456789012:role/ClarifyRole"
CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {"pre_training_bias": {"methods": ["CI"]}},
}


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("s3://bucket/a/b", "s3://bucket/a/b/analysis.json"),
        ("s3://bucket/a/b/", "s3://bucket/a/b/analysis.json"),
        ("s3://bucket", "s3://bucket/analysis.json"),
        ("/data/run 1/", "file:///data/run 1/analysis.json"),
    ],
)
def test_the_asset_uri_is_the_analysis_json_under_the_output(output, expected):
    assert analysis_asset_uri(output) == expected


def test_a_relative_directory_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert analysis_asset_uri("out") == f"file://{tmp_path}/out/analysis.json"


@pytest.mark.parametrize("output", ["", "gs://bucket/x", None])
def test_an_output_that_is_neither_s3_nor_local_is_refused(output):
    with pytest.raises(ValueError, match="output"):
        analysis_asset_uri(output)


def _dag() -> DAG:
    return DAG(dag_id="monitoring", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))


def test_both_operators_declare_their_alias_as_outlet():
    with _dag():
        local = LocalClarifyOperator(task_id="local", config=CONFIG, output_uri="/out/{{ ds }}")
        named = LocalClarifyOperator(
            task_id="named", config=CONFIG, output_uri="/o", asset_alias="clarify-daily"
        )
        managed = ClarifyOperator(task_id="managed", config=CONFIG, role_arn=ROLE, output_uri="s3://b/o")
        silent = LocalClarifyOperator(task_id="silent", config=CONFIG, output_uri="/o", emit_asset=False)
        started = ClarifyOperator(
            task_id="started", config=CONFIG, role_arn=ROLE, output_uri="s3://b/o", wait_for_completion=False
        )
    assert local.outlets == [AssetAlias("clarify/monitoring/local")]
    assert named.outlets == [AssetAlias("clarify-daily")]
    assert managed.outlets == [AssetAlias("clarify/monitoring/managed")]
    assert silent.outlets == [] and started.outlets == []  # no result to announce: no outlet


class _Accessor:
    def __init__(self) -> None:
        self.added: list[tuple[object, dict]] = []

    def add(self, asset, extra=None):
        self.added.append((asset, extra))


def test_the_event_is_for_the_analysis_json_and_carries_the_summary():
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri="s3://bucket/run-7").to_xcom()
    accessor = _Accessor()
    events = {AssetAlias("clarify-daily"): accessor}
    asset = emit_analysis_asset_event({"outlet_events": events}, AssetAlias("clarify-daily"), result)

    [(added, extra)] = accessor.added
    assert added == asset == analysis_asset("s3://bucket/run-7")
    assert added.uri == "s3://bucket/run-7/analysis.json"
    assert extra == compact_summary(ClarifyResult.from_xcom(result))
    assert json.loads(json.dumps(extra)) == extra  # JSON, as Airflow stores it


@pytest.mark.parametrize("output", ["s3://out-bucket/clarify/run-1", "/data/clarify/run-1"])
def test_openlineage_outputs_include_the_asset_as_airflow_translates_it(output):
    """Airflow's OpenLineage provider turns an Asset into a dataset with its own converters: same object."""
    from airflow.providers.openlineage.utils.utils import translate_airflow_asset

    for operator in (
        LocalClarifyOperator(task_id="local", config=CONFIG, dataset_uri="/data/in.csv", output_uri=output),
        ClarifyOperator(
            task_id="managed", config=CONFIG, role_arn=ROLE, dataset_uri="s3://d/in.csv", output_uri=output
        ),
    ):
        translated = translate_airflow_asset(analysis_asset(output), None)
        _, outputs = operator.lineage_uris()
        assert (translated.namespace, translated.name) in outputs


# ------------------------------------------------------------------------------------------------ consumer


def _event(summary: dict, *, uri: str, minutes: int, aliases=("clarify-daily",), map_index=-1):
    return types.SimpleNamespace(
        asset=types.SimpleNamespace(uri=uri, name=uri),
        extra=summary,
        source_aliases=[types.SimpleNamespace(name=a) for a in aliases],
        timestamp=datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes),
        source_run_id="run",
        source_map_index=map_index,
    )


def _summary(output: str, di_scale: float = 1.0) -> dict:
    document = json.loads(json.dumps(samples.BIAS_ONLY))
    for group in document["post_training_bias_metrics"]["facets"]["sex"]:
        for metric in group["metrics"]:
            metric["value"] *= di_scale
    return compact_summary(ClarifyResult.from_analysis(document, output_uri=output))


def test_the_newest_triggering_summary_is_the_result():
    older, newer = _summary("/o/1"), _summary("/o/2", di_scale=2)
    events = {
        "alias": [_event(older, uri="file:///o/1/analysis.json", minutes=1)],
        "asset": [_event(newer, uri="file:///o/2/analysis.json", minutes=5)],
    }
    resolved = ClarifyAssetEventResult().resolve({"triggering_asset_events": events})
    assert resolved == newer


def test_events_of_other_aliases_and_without_a_summary_are_ignored():
    wanted = _summary("/o/1")
    events = {
        "a": [_event(wanted, uri="file:///o/1/analysis.json", minutes=1)],
        "b": [_event(_summary("/o/2"), uri="file:///o/2/analysis.json", minutes=9, aliases=("other",))],
        "c": [_event({"rows": 5}, uri="s3://b/table", minutes=10)],
    }
    assert (
        ClarifyAssetEventResult(asset_alias="clarify-daily").resolve({"triggering_asset_events": events})
        == wanted
    )


def test_a_run_no_asset_triggered_fails_clearly():
    context = {"triggering_asset_events": {}, "dag_run": types.SimpleNamespace(run_type="manual")}
    with pytest.raises(ClarifyResultInputError, match=r"not triggered by an asset event \(run type manual\)"):
        ClarifyAssetEventResult().resolve(context)


def test_events_without_a_clarify_summary_are_named_in_the_error():
    events = {"x": [_event({"rows": 5}, uri="s3://b/table", minutes=1)]}
    with pytest.raises(ClarifyResultInputError, match=r"no triggering asset event carries .*s3://b/table"):
        ClarifyAssetEventResult().resolve({"triggering_asset_events": events})


def test_a_partial_summary_is_replaced_by_the_full_analysis_json(tmp_path: Path):
    output = tmp_path / "run"
    output.mkdir()
    (output / "analysis.json").write_text(json.dumps(samples.BIAS_ONLY))
    full = ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri=str(output))
    partial = compact_summary(full, max_bytes=600)  # too small for every facet group
    assert partial["clarify_summary"]["complete"] is False
    events = {"a": [_event(partial, uri=f"file://{output}/analysis.json", minutes=1)]}

    resolved = ClarifyAssetEventResult().resolve({"triggering_asset_events": events})
    assert ClarifyResult.from_xcom(resolved).rows() == full.rows()
    kept = ClarifyAssetEventResult(read_full_result=False).resolve({"triggering_asset_events": events})
    assert len(ClarifyResult.from_xcom(kept).rows()) < len(full.rows())


def test_a_partial_summary_whose_file_is_gone_fails_clearly(tmp_path: Path):
    full = ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri=str(tmp_path / "gone"))
    partial = compact_summary(full, max_bytes=600)
    events = {"a": [_event(partial, uri=f"file://{tmp_path}/gone/analysis.json", minutes=1)]}
    with pytest.raises(ClarifyResultInputError, match=r"summary is partial and the full result at .*gone"):
        ClarifyAssetEventResult().resolve({"triggering_asset_events": events})
