"""Gate alerts through Airflow notifiers: who is called, with what text, and what a failing notifier does."""

from __future__ import annotations

import logging
import types

import pytest
from airflow.sdk import BaseNotifier

from airflow_provider_clarify.operators._alerts import (
    VIOLATIONS_MESSAGE,
    checked_notifiers,
    notify_violations,
    sns_violation_notifier,
)
from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.results import ClarifyResult, evaluate
from tests.unit.results import analysis_samples as samples

# BIAS_ONLY: post-training DI 0.35 for sex=Female.
DI_LINE = "DI sex=Female: Value 0.35 does not meet the constraint requirement [0.8, 1.25]"


class Recording(BaseNotifier):
    """Records the rendered message (the template is rendered by BaseNotifier itself)."""

    template_fields = ("message",)

    def __init__(self, sent: list[str], message: str = VIOLATIONS_MESSAGE) -> None:
        super().__init__()
        self.sent = sent
        self.message = message

    def notify(self, context):
        self.sent.append(self.message)


class Broken(BaseNotifier):
    def notify(self, context):
        raise ConnectionError("alert endpoint down")


class _TI:
    dag_id, task_id, run_id = "deploy", "bias_gate", "manual__1"

    def __init__(self) -> None:
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


def _gate(**kwargs) -> ClarifyGateOperator:
    return ClarifyGateOperator(task_id="bias_gate", result="unused", write_violations=False, **kwargs)


def _result() -> dict:
    return ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri="s3://b/run").to_xcom()


def test_a_violation_calls_every_notifier_with_the_violation_text():
    sent: list[str] = []
    gate = _gate(rules={"DI": [0.8, 1.25]}, mode="skip", notifiers=[Recording(sent)])
    gate.result = _result()
    ti = _TI()
    gate._skip_downstream = lambda context: None  # no DAG around this gate: nothing to skip
    gate.execute({"ti": ti, "run_id": ti.run_id, "task": gate})

    [message] = sent
    assert message.splitlines()[0] == (
        "Clarify gate deploy.bias_gate (run manual__1) found 1 violation(s) in the local result s3://b/run:"
    )
    assert f"  {DI_LINE}" in message.splitlines()
    assert "analysis.json: s3://b/run/analysis.json" in message
    assert gate.notifiers[0].message == VIOLATIONS_MESSAGE  # a copy was rendered, not the gate's notifier


def test_a_passing_gate_sends_nothing():
    sent: list[str] = []
    gate = _gate(rules={"DI": [0.3, 1.25]}, notifiers=Recording(sent))
    gate.result = _result()
    ti = _TI()
    gate.execute({"ti": ti, "run_id": ti.run_id})
    assert sent == []


def test_a_failing_notifier_is_logged_and_the_next_one_still_called(caplog):
    sent: list[str] = []
    report = evaluate(ClarifyResult.from_xcom(_result()), {"DI": [0.8, 1.25]})
    log = logging.getLogger("alerts-test")
    with caplog.at_level(logging.INFO, logger="alerts-test"):
        errors = notify_violations(
            [Broken(), Recording(sent)], {"ti": _TI()}, report, ClarifyResult.from_xcom(_result()), None, log
        )
    assert errors == ["Broken: ConnectionError: alert endpoint down"]
    assert len(sent) == 1
    assert "Gate alert through Broken failed: ConnectionError: alert endpoint down" in caplog.text


def test_the_violation_still_fails_the_gate_when_the_alert_fails():
    from airflow_provider_clarify.exceptions import ClarifyGateViolationError

    gate = _gate(rules={"DI": [0.8, 1.25]}, notifiers=[Broken()])
    gate.result = _result()
    ti = _TI()
    with pytest.raises(ClarifyGateViolationError, match="DI sex=Female"):
        gate.execute({"ti": ti, "run_id": ti.run_id})


@pytest.mark.parametrize("wrong", ["sns", 5, ["ok", None]])
def test_notifiers_must_be_callables(wrong):
    with pytest.raises(TypeError, match="notifiers must be notifiers"):
        checked_notifiers(wrong)


def test_the_sns_notifier_publishes_the_violation_text():
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    notifier = sns_violation_notifier("arn:aws:sns:us-east-1:123456789012:alerts", aws_conn_id="aws_x")
    assert isinstance(notifier, SnsNotifier)
    assert (notifier.message, notifier.target_arn, notifier.aws_conn_id) == (
        VIOLATIONS_MESSAGE,
        "arn:aws:sns:us-east-1:123456789012:alerts",
        "aws_x",
    )
    assert notifier.subject == "{{ clarify_gate.subject }}"


def test_subjects_stay_within_what_sns_accepts():
    from airflow_provider_clarify.operators._alerts import alert_context

    report = evaluate(ClarifyResult.from_xcom(_result()), {"DI": [0.8, 1.25]})
    ti = types.SimpleNamespace(dag_id="d" * 80, task_id="t" * 80, run_id="r")
    context = alert_context({"ti": ti}, report, ClarifyResult.from_xcom(_result()), None)
    assert len(context["clarify_gate"]["subject"]) <= 100
    assert "\n" not in context["clarify_gate"]["subject"]
