"""The example DAGs on Airflow as it is deployed, end to end.

Airflow's api-server, scheduler, dag-processor and triggerer run as four processes (LocalExecutor) on a
PostgreSQL metadata DB (Debian's server, installed when missing and running as root); the DAGs are the
repository's ``dags/``; the sandbox CLI (its own process) is the AWS account. Runs are triggered through the
REST API and checked through it (run and task states, XComs, extra links) and on disk; the UI is opened in
headless Chromium. Every process is stopped by the fixture that started it, on failure too.

Bounded: the module's tests share one stack and each has a timeout; the whole module takes a few minutes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import boto3
import joblib
import pandas as pd
import pytest

from airflow_provider_clarify.sandbox.servers import free_port
from tests.deployment.airflow_stack import AirflowStack, airflow_environment
from tests.deployment.conftest import FEATURES, REPO_ROOT, SAMPLE, running_sandbox

pytestmark = pytest.mark.timeout(480)
DAG_IDS = {"clarify_deploy_gate", "clarify_monitoring", "clarify_backfill"}
BUCKET = "clarify-sandbox"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, candidate_model):
    workdir = tmp_path_factory.mktemp("sandbox")
    with running_sandbox(
        workdir,
        "--upload",
        f"{SAMPLE}=s3://{BUCKET}/sample_data/adult",
        "--model",
        f"adult-candidate={candidate_model}",
        "--min-runtime",
        "8",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory, postgres, sandbox) -> Iterator[AirflowStack]:
    home = tmp_path_factory.mktemp("airflow-home")
    output = tmp_path_factory.mktemp("clarify-output")
    api_port = free_port()
    env = airflow_environment(
        home=home,
        dags_folder=REPO_ROOT / "dags",
        database_url=postgres.url,
        api_port=api_port,
        extra={
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(sandbox.state["connection"]),
            "CLARIFY_EXAMPLES_OUTPUT": str(output),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
    )
    airflow = AirflowStack(home, env, api_port)
    airflow.output = output  # type: ignore[attr-defined]
    try:
        airflow.start()
        airflow.wait_for_dags(DAG_IDS)
        yield airflow
    finally:
        airflow.stop()
    leftovers = {name: p.pid for name, p in airflow.processes.items() if p.alive()}
    assert leftovers == {}, leftovers


def post_training(result: dict, metric: str) -> float:
    [group] = result["bias"]["post_training"]["facets"]["sex"]
    return next(m["value"] for m in group["metrics"] if m["name"] == metric)


def predicted_rates(model_file: Path, data: pd.DataFrame) -> tuple[float, float]:
    predicted = joblib.load(model_file).predict(data[FEATURES])
    women = (data["sex"] == 0).to_numpy()
    return predicted[women].mean(), predicted[~women].mean()


def test_deploy_gate_local_engine_through_the_rest_api(stack):
    run_id = stack.trigger("clarify_deploy_gate", {"shap_num_samples": 8})
    assert stack.wait_for_run("clarify_deploy_gate", run_id, timeout=300) == "success", stack.task_states(
        "clarify_deploy_gate", run_id
    )
    assert stack.task_states("clarify_deploy_gate", run_id) == {
        "train_candidate": "success",
        "choose_engine": "success",
        "local_analysis": "success",
        "managed_analysis": "skipped",
        "analysis_result": "success",
        "bias_gate": "success",
        "deploy": "success",
    }
    candidate = Path(stack.xcom("clarify_deploy_gate", run_id, "train_candidate"))
    result = stack.xcom("clarify_deploy_gate", run_id, "analysis_result")
    assert result["engine"] == "local"
    women, men = predicted_rates(candidate, pd.read_csv(SAMPLE / "validation.csv"))
    assert post_training(result, "DI") == pytest.approx(women / men, rel=1e-9)
    assert post_training(result, "DPPL") == pytest.approx(men - women, abs=1e-12)
    deployed = stack.output / "clarify_deploy_gate" / "deployed"
    assert (deployed / "model.joblib").read_bytes() == candidate.read_bytes()
    assert json.loads((deployed / "manifest.json").read_text())["run_id"] == run_id


def test_deploy_gate_managed_engine_defers_to_the_triggerer_on_the_sandbox(stack, sandbox, candidate_model):
    conf = {
        "engine": "managed",
        "candidate_model": str(candidate_model),
        "validation_data": f"s3://{BUCKET}/sample_data/adult/validation.csv",
        "managed_s3_output": f"s3://{BUCKET}/clarify",
        "managed_role_arn": sandbox.state["role_arn"],
        "managed_model_name": "adult-candidate",
        "deferrable": True,
        "check_interval": 2,
        "shap_num_samples": 8,
        "min_di": 0.0,  # this quick model is not mitigated; the test is about the managed path
        "max_abs_dppl": 1.0,
    }
    run_id = stack.trigger("clarify_deploy_gate", conf)
    seen: list[str] = []
    runners: set[tuple[str, int]] = (
        set()
    )  # (trigger class, triggerer job id) seen while the task was deferred
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        managed = {ti["task_id"]: ti for ti in stack.task_instances("clarify_deploy_gate", run_id)}.get(
            "managed_analysis", {}
        )
        state = str(managed.get("state", "none"))
        if not seen or seen[-1] != state:
            seen.append(state)
        trigger = managed.get("trigger") or {}
        if state == "deferred" and trigger.get("triggerer_id") is not None:
            runners.add((str(trigger["classpath"]), int(trigger["triggerer_id"])))
        if stack.run_state("clarify_deploy_gate", run_id) in ("success", "failed"):
            break
        time.sleep(0.5)
    states = stack.task_states("clarify_deploy_gate", run_id)
    assert stack.run_state("clarify_deploy_gate", run_id) == "success", (states, stack.logs())
    assert "deferred" in seen, seen  # the worker slot was freed while the job ran
    assert (states["local_analysis"], states["managed_analysis"], states["deploy"]) == (
        "skipped",
        "success",
        "success",
    )
    # ... and the triggerer, a process of its own, ran the wait: the deferred task's trigger was our trigger class,
    # assigned to the triggerer's job (a task resumes from deferral only when its trigger fires there).
    triggerers = {
        job["id"]
        for job in stack.api("GET", "/jobs", params={"job_type": "TriggererJob", "limit": 100})["jobs"]
    }
    assert runners, f"the deferred task was never seen assigned to a triggerer: {seen}"
    assert {(classpath.rsplit(".", 1)[-1], job in triggerers) for classpath, job in runners} == {
        ("ClarifyProcessingJobTrigger", True)
    }, (runners, triggerers)

    result = stack.xcom("clarify_deploy_gate", run_id, "analysis_result")
    assert (result["engine"], result["job_status"]) == ("managed", "Completed")
    assert result["output_uri"].startswith(f"s3://{BUCKET}/clarify/")
    women, men = predicted_rates(candidate_model, pd.read_csv(SAMPLE / "validation.csv"))
    assert post_training(result, "DI") == pytest.approx(women / men, rel=1e-9)

    # The job on the sandbox's SageMaker API, as DescribeProcessingJob tells it, and its outputs on its S3.
    common = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    sagemaker = boto3.client("sagemaker", endpoint_url=sandbox.state["sagemaker_endpoint_url"], **common)
    job = sagemaker.describe_processing_job(ProcessingJobName=result["job_name"])
    assert job["ProcessingJobStatus"] == "Completed"
    assert job["RoleArn"] == sandbox.state["role_arn"]
    s3 = boto3.client("s3", endpoint_url=sandbox.state["s3_endpoint_url"], **common)
    bucket, _, prefix = result["output_uri"][len("s3://") :].partition("/")
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    assert f"{prefix.rstrip('/')}/analysis.json" in keys

    # The console link of the Clarify task, through the API and in the UI (below).
    links = stack.extra_links("clarify_deploy_gate", run_id, "managed_analysis")
    assert links["SageMaker Clarify Processing Job"] == (
        "https://console.aws.amazon.com/sagemaker/home?region=us-east-1#/processing-jobs/"
        + result["job_name"]
    )
    stack.managed_run = (run_id, result["job_name"])  # type: ignore[attr-defined]


def test_unpaused_monitoring_schedules_the_samples_first_day_and_it_succeeds(stack):
    stack.api("PATCH", "/dags/clarify_monitoring", json={"is_paused": False})
    deadline = time.monotonic() + 300
    first = None
    while time.monotonic() < deadline:
        runs = stack.api(
            "GET", "/dags/clarify_monitoring/dagRuns", params={"order_by": "logical_date", "limit": 5}
        )["dag_runs"]
        scheduled = [run for run in runs if run["run_type"] == "scheduled"]
        if scheduled and scheduled[0]["state"] in ("success", "failed"):
            first = scheduled[0]
            break
        time.sleep(2)
    stack.api("PATCH", "/dags/clarify_monitoring", json={"is_paused": True})
    assert first is not None, f"no scheduled run finished: {stack.logs()}"
    assert first["logical_date"].startswith("2024-01-01"), first
    assert first["state"] == "success", stack.task_states("clarify_monitoring", first["dag_run_id"])
    assert stack.xcom("clarify_monitoring", first["dag_run_id"], "select_partition")["ds"] == "2024-01-01"
    history = pd.read_csv(stack.output / "clarify_monitoring" / "history.csv")
    assert set(history["ds"]) == {"2024-01-01"}


def launch(playwright, chromium: str):
    return playwright.chromium.launch(
        executable_path=chromium,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


def test_ui_trigger_form_submits_on_defaults(stack, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(
                f"{stack.base_url}/auth/token/login?next={stack.base_url}/dags", wait_until="networkidle"
            )
            for dag_id in sorted(DAG_IDS):
                page.goto(f"{stack.base_url}/dags/{dag_id}", wait_until="networkidle")
                page.get_by_role("button", name="Trigger").first.click()
                dialog = page.get_by_role("dialog")
                dialog.wait_for(timeout=30_000)
                submit = dialog.get_by_role("button", name="Trigger")
                submit.wait_for(timeout=30_000)
                page.screenshot(path=str(tmp_path / f"trigger-{dag_id}.png"))
                assert submit.is_enabled(), f"{dag_id}: the Trigger button is disabled with default params"
                page.keyboard.press("Escape")
        finally:
            browser.close()


def test_ui_task_page_shows_the_console_link(stack, chromium, tmp_path):
    """The task instance's Details tab lists its extra links (Airflow's UI fetches them from the REST API's
    ``.../taskInstances/{task_id}/links`` and draws each as an ``<a>`` under the heading "Extra Links")."""
    from playwright.sync_api import sync_playwright

    run_id, job_name = stack.managed_run
    expected = f"https://console.aws.amazon.com/sagemaker/home?region=us-east-1#/processing-jobs/{job_name}"
    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                page.goto(
                    f"{stack.base_url}/auth/token/login?next={stack.base_url}/dags", wait_until="networkidle"
                )
                task_page = (
                    f"{stack.base_url}/dags/clarify_deploy_gate/runs/{quote(run_id, safe='')}"
                    "/tasks/managed_analysis/details"
                )
                links_request = "/taskInstances/managed_analysis/links"
                with page.expect_response(lambda response: links_request in response.url) as answer:
                    page.goto(task_page, wait_until="networkidle")
                assert answer.value.ok, answer.value.status
                page.get_by_text("Extra Links", exact=True).wait_for(timeout=30_000)
                link = page.get_by_role("link", name="SageMaker Clarify Processing Job", exact=True)
                link.wait_for(timeout=30_000)
                assert link.count() == 1
                assert link.inner_text().strip() == "SageMaker Clarify Processing Job"
                assert link.get_attribute("href") == expected
                assert link.get_attribute("target") == "_blank"  # another origin: opened beside the UI
            finally:
                page.screenshot(path=str(tmp_path / "console-link.png"))
        finally:
            browser.close()
