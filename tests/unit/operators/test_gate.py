"""Gate operator / TaskFlow function inputs: parse-time rule checks, result inputs, the violations file."""

from __future__ import annotations

import json

import pytest

from airflow_provider_clarify.exceptions import (
    ClarifyGateRuleError,
    ClarifyGateViolationError,
    ClarifyResultInputError,
)
from airflow_provider_clarify.operators.gate import ClarifyGateOperator, check_clarify_result
from airflow_provider_clarify.results import ClarifyResult, GateRuleError
from tests.unit.results import analysis_samples as samples


def _result(tmp_path) -> dict:
    return ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri=str(tmp_path)).to_xcom()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rules": {"DI": [1.25, 0.8]}}, GateRuleError, r"contradictory band, min 1.25 > max 0.8"),
        ({"rules": {"DIX": [0.8, 1.25]}}, GateRuleError, "unknown metric 'DIX'"),
        ({"rules": {"DI": [0.8, 1.25]}, "mode": "warn"}, ValueError, "mode must be one of"),
        ({"rules": {"DI": [0.8, 1.25]}, "mode": "branch"}, ValueError, "needs pass_task_ids"),
        (
            {"rules": {"DI": [0.8, 1.25]}, "pass_task_ids": "deploy"},
            ValueError,
            "only apply to mode='branch'",
        ),
        ({}, ValueError, "nothing to check"),
        ({"rules": {"DI": [0.8, 1.25]}, "on_null": "ignore"}, ValueError, "on_null must be one of"),
    ],
)
def test_bad_gate_arguments_fail_when_the_dag_is_parsed(kwargs, error, message):
    with pytest.raises(error, match=message):
        ClarifyGateOperator(task_id="gate", result="upstream", **kwargs)


def test_templated_rules_are_checked_at_run_time_only():
    ClarifyGateOperator(task_id="gate", result="upstream", rules="{{ params.rules }}")
    ClarifyGateOperator(task_id="gate", result="upstream", rules={"DI": ["{{ params.low }}", 1.25]})


class _TaskInstance:
    """The slice of Airflow's task instance the gate talks to, recording what is pushed."""

    def __init__(self, xcoms: dict | None = None) -> None:
        self.xcoms = xcoms or {}
        self.pushed: dict[str, object] = {}

    def xcom_pull(self, task_ids: str):
        return self.xcoms.get(task_ids)

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed[key] = value


def test_result_named_by_task_id_without_xcom(tmp_path):
    gate = ClarifyGateOperator(task_id="gate", result="analysis", rules={"DI": [0.8, 1.25]})
    with pytest.raises(ClarifyResultInputError, match=r"no Clarify result in XCom from task 'analysis'"):
        gate.execute({"ti": _TaskInstance()})


def test_rule_for_a_facet_the_result_lacks(tmp_path):
    ti = _TaskInstance({"analysis": _result(tmp_path)})
    gate = ClarifyGateOperator(
        task_id="gate", result="analysis", rules=[{"metric": "DI", "max": 1, "facet": "race"}]
    )
    with pytest.raises(ClarifyGateRuleError, match=r"facet 'race' is not in this result; facets: \['sex'\]"):
        gate.execute({"ti": ti})
    assert ti.pushed == {} and not (tmp_path / "constraint_violations.json").exists()


def test_fail_mode_pushes_before_failing(tmp_path):
    ti = _TaskInstance({"analysis": _result(tmp_path)})
    gate = ClarifyGateOperator(
        task_id="gate", result="analysis", rules={"DI": [0.8, 1.25], "DPPL": [-0.1, 0.1]}
    )
    with pytest.raises(ClarifyGateViolationError, match=r"2 violation\(s\)") as caught:
        gate.execute({"ti": ti})
    assert [v["metric_name"] for v in ti.pushed["violations"]] == ["DI", "DPPL"]
    assert caught.value.violations == ti.pushed["violations"]
    assert ti.pushed["constraint_violations_uri"] == str(tmp_path / "constraint_violations.json")
    assert ti.pushed["return_value"]["passed"] is False


def test_rendered_result_string_is_accepted(tmp_path):
    ti = _TaskInstance()
    rendered = str(
        _result(tmp_path)
    )  # what "{{ ti.xcom_pull('analysis') }}" renders to without native objects
    gate = ClarifyGateOperator(task_id="gate", result=rendered, rules={"DI": [0.3, 1.25]})
    gate.execute({"ti": ti})
    assert ti.pushed["return_value"]["passed"] is True


def test_taskflow_function_outside_a_task(tmp_path):
    summary = check_clarify_result(_result(tmp_path), {"DI": [0.3, 1.25]})
    assert summary == {
        "passed": True,
        "counts": {"pass": 1, "violation": 0, "skipped": 0, "not compared": 0},
        "version": "1.0",
        "violations": [],
    }
    with pytest.raises(ClarifyGateViolationError):
        check_clarify_result(_result(tmp_path), {"DI": [0.8, 1.25]})
    written = json.loads((tmp_path / "constraint_violations.json").read_text())
    assert [v["metric_name"] for v in written["violations"]] == ["DI"]
    report = check_clarify_result(_result(tmp_path), {"DI": [0.8, 1.25]}, raise_on_violation=False)
    assert report["passed"] is False
    with pytest.raises(ClarifyResultInputError, match="not a Clarify result"):
        check_clarify_result({"rows": 1}, {"DI": [0.8, 1.25]})


@pytest.mark.parametrize(
    "rendered",
    ['{"a": ' * 100_000 + "1" + "}" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a": ' * 40 + "1" + "}" * 40],
    ids=["object-too-deep-to-parse", "list-too-deep-to-parse", "object-deeper-than-the-limit"],
)
def test_a_deeply_nested_rendered_result_is_an_input_error(rendered):
    with pytest.raises(ClarifyResultInputError, match="nested"):
        check_clarify_result(rendered, {"DI": [0.8, 1.25]})
