"""Gate violations published through the amazon provider's SnsNotifier to the loopback SNS (moto), read back
through an SQS queue subscribed to the topic — what a team's alert subscription would receive."""

from __future__ import annotations

import json

import boto3

from airflow_provider_clarify.results import ClarifyResult
from tests.integration.airflow_runs import run_dag
from tests.integration.conftest import REGION
from tests.unit.results import analysis_samples as samples

# BIAS_ONLY has DI 0.35 for sex=Female (post-training).
DI_LINE = "DI sex=Female: Value 0.35 does not meet the constraint requirement [0.8, 1.25]"


def test_a_violation_is_published_to_the_sns_topic(test_dags_dir, moto_server):
    sns = boto3.client("sns", endpoint_url=moto_server.url, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=moto_server.url, region_name=REGION)
    topic_arn = sns.create_topic(Name="clarify-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="clarify-alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    result = ClarifyResult.from_analysis(samples.BIAS_ONLY, output_uri="/nowhere").to_xcom()

    outcome = run_dag(
        test_dags_dir / "gate_sns.py", "gate_sns", conf={"result": result, "topic_arn": topic_arn}
    )

    assert outcome.task_states() == {"gate": "failed"}
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
    [envelope] = [json.loads(m["Body"]) for m in messages]
    assert envelope["TopicArn"] == topic_arn
    assert envelope["Subject"] == "Clarify gate: 1 violation(s) in gate_sns.gate"
    assert DI_LINE in envelope["Message"]
    assert envelope["Message"].startswith("Clarify gate gate_sns.gate (run manual__")
