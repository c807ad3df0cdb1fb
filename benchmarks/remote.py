"""The remote operator's own overhead per job: render templates, validate the config, upload it, create the job.

Runs ClarifyOperator (``wait_for_completion=False``, so the job's run time is not counted) against moto's server
on loopback (SageMaker and S3), with a templated config as a DAG would pass it, and prints the time per job and per
phase. The target is under one second per job; nothing asserts it — read the figure.

    .venv/bin/python benchmarks/remote.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {
    "dataset_type": "text/csv",
    "headers": ["age", "education-num", "sex", "hours-per-week", "income"],
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "methods": {
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": "all"},
        "shap": {
            "num_clusters": 2,
            "num_samples": 100,
            "agg_method": "mean_abs",
            "save_local_shap_values": False,
        },
        "report": {"name": "report", "title": "Analysis Report"},
    },
    "predictor": {"endpoint_name": "income-model", "content_type": "text/csv", "probability": 0},
}


def _isolate() -> None:
    home = Path(tempfile.mkdtemp(prefix="clarify-bench-home-"))
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
        }
    )


class _TaskInstance:
    def __init__(self, run_id: str) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = "bench", "clarify", run_id, -1

    def xcom_push(self, key, value) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    _isolate()
    sys.path.insert(0, str(ROOT))
    import boto3
    import jinja2

    from tests.integration.servers import MotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = MotoServer().start()
    os.environ["AIRFLOW_CONN_AWS_BENCH"] = json.dumps(
        {"conn_type": "aws", "extra": {"region_name": "us-east-1", "endpoint_url": server.url}}
    )
    boto3.client("s3", endpoint_url=server.url).create_bucket(Bucket="bench")

    from airflow_provider_clarify.operators.clarify import ClarifyOperator

    phases: dict[str, list[float]] = {
        "render": [],
        "validate": [],
        "boto3 clients": [],
        "list+upload+create": [],
        "total": [],
    }
    jinja_env = jinja2.Environment()
    try:
        for index in range(args.jobs + 1):  # the first job warms clients and imports; it is not counted
            operator = ClarifyOperator(
                task_id="clarify",
                aws_conn_id="aws_bench",
                config="{{ params.analysis_config | tojson }}",
                dataset_uri="s3://bench/data/{{ params.day }}/",
                output_uri="s3://bench/out/{{ params.day }}/{{ run_id }}",
                role_arn="arn:aws:iam::123456789012:role/ClarifyRole",
                tags={"team": "{{ params.team }}"},
                wait_for_completion=False,
            )
            run_id = f"bench-{index}"
            context = {
                "params": {"analysis_config": CONFIG, "day": "2024-01-01", "team": "ml"},
                "run_id": run_id,
                "ti": _TaskInstance(run_id),
            }
            start = time.perf_counter()
            operator.render_template_fields(context, jinja_env=jinja_env)
            rendered = time.perf_counter()
            operator.plan_job()
            validated = time.perf_counter()
            _ = operator.hook.conn, operator.hook.s3_client  # what any AWS operator pays once per task
            clients = time.perf_counter()
            result = operator.execute(context)
            done = time.perf_counter()
            assert result["job_status"] in ("InProgress", "Completed"), result
            if index:
                phases["render"].append(rendered - start)
                phases["validate"].append(validated - rendered)
                phases["boto3 clients"].append(clients - validated)
                phases["list+upload+create"].append(done - clients)
                phases["total"].append(done - start)
    finally:
        server.stop()
    print(f"ClarifyOperator overhead per job, {args.jobs} jobs against loopback moto (SageMaker + S3):")
    for name, values in phases.items():
        print(
            f"  {name:<20} median {statistics.median(values) * 1000:7.1f} ms   "
            f"mean {statistics.mean(values) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms"
        )
    print(
        "  (list+upload+create is execute(): a second validation, the job-family lookup, the config upload and"
    )
    print("   CreateProcessingJob; boto3 clients is botocore parsing its endpoint and service data for a new")
    print(
        "   session, paid once per task by any AWS operator. Target: total under 1000 ms per job. Load average"
    )
    print(f"   while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
