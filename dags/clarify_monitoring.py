"""Daily Clarify monitoring: bias + explainability of each day's data, a metric history, and drift flags.

What it does, once per day of data
    1. ``select_partition`` picks the day's data: ``<data_root>/ds={{ ds }}/data.csv`` for scheduled runs. A
       manual run analyses ``partition_date`` when set, else the newest partition under ``data_root`` (a manual
       run has no meaningful ``ds``). A missing partition fails here, before anything runs, naming the path and
       the dates that exist.
    2. ``prepare_model`` returns the model to monitor: ``model`` when given, else a reference model trained once
       on ``train_data`` and kept in ``<output_dir>/model/`` so every day is scored by the same model.
    3. ``choose_engine`` runs ``local_analysis`` (``LocalClarifyOperator``, in the worker) or ``managed_analysis``
       (``ClarifyOperator``, a SageMaker Clarify job) by the ``engine`` param: pre- and post-training bias for the
       facet ``sex`` (women as the sensitive group) and KernelSHAP. The result is pushed to XCom.
    4. ``baseline`` names the baseline ``analysis.json``: ``baseline_analysis`` when given, else the first run's
       own result, registered under ``<output_dir>/baseline/`` (like ClarifyCheck's ``register_new_baseline``).
    5. ``drift_check`` (``ClarifyGateOperator`` in drift mode, Model Monitor rules) compares the day with the
       baseline and writes ``constraint_violations.json``. It flags, it does not fail: drift is news, not an error.
    6. ``record_history`` appends the day's key metrics and drift flags to ``<output_dir>/history.csv``.

The bundled partitions (2024-01-01 … 2024-01-14) carry a planted drift: the share of women falls day by day, so
class imbalance (CI) drifts away from the first day's baseline.

Schedule: one run per day of the sample (an ``EventsTimetable`` of 2024-01-01 … 2024-01-14, with catchup), i.e.
aligned with the data the example ships. Unpausing the DAG replays the fortnight as 14 scheduled runs, one at a
time (``max_active_runs=1``: each run rewrites the history file): day 1 becomes the baseline, the later days build
``history.csv`` and flag CI's drift. Nothing is scheduled after 2024-01-14, so an unpaused example never makes a
run for a day the sample does not hold. Manual runs analyse any day (``{"partition_date": "2024-01-05"}``, or no
conf for the newest one); they queue behind scheduled runs still replaying. (A DAG ``end_date`` would bound the
schedule too, but it also blocks every manual run with a later logical date.)

For live data, point ``data_root`` at it and set ``schedule="@daily"`` with ``start_date`` at your first day: each
scheduled run then analyses its own ``ds``, and a day whose partition has not arrived fails ``select_partition``
loudly (naming the path and the days that exist) rather than monitoring nothing.

The file does no data reading, model work or network I/O at parse time: heavy imports live inside the tasks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, conf, task

# airflow.timetables' class, not airflow.sdk's: in Airflow 3.3 the SDK's EventsTimetable is serialized without the
# "_summary" its deserializer reads, so the DAG would fail to serialize ("Failed to serialize DAG ...: '_summary'").
from airflow.timetables.events import EventsTimetable

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator

REPO_DIR = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_DIR / "sample_data" / "adult"
OUTPUT_ROOT = Path(os.environ.get("CLARIFY_EXAMPLES_OUTPUT", REPO_DIR / ".airflow-demo" / "output"))

FEATURES = ["age", "education_num", "hours_per_week", "capital_gain", "capital_loss", "married", "sex"]
LABEL = "income_gt_50k"
# CDDL / CDDPL are left out: they need a group_variable, which this sample does not have.
PRE_TRAINING_METRICS = ["CI", "DPL", "KL", "JS", "LP", "TVD", "KS"]
POST_TRAINING_METRICS = ["DI", "DPPL", "AD", "DAR", "DCA", "DCR", "DRR", "FT", "GE", "RD", "SD", "TE"]
KEY_METRICS = ("CI", "DPL", "DI", "DPPL", "AD")
PARTITION = "{{ ti.xcom_pull(task_ids='select_partition')['ds'] }}"
# The days of the bundled partitions (sample_data/adult/partitions/ds=…), named here so parsing reads no folder.
SAMPLE_DAYS = [pendulum.datetime(2024, 1, day, tz="UTC") for day in range(1, 15)]

# The deployment's default for deferral ([operators] default_deferrable), offered as the param's default.
DEFAULT_DEFERRABLE = conf.getboolean("operators", "default_deferrable", fallback=False)


def wait_as_the_run_asks(context) -> None:
    """Pre-execute hook of the managed analysis: apply the run's ``deferrable`` and ``check_interval`` params.

    An operator's arguments are fixed when this file is parsed, before any run's params exist, and
    ``deferrable`` / ``check_interval`` are not templated; setting them on the task instance's own copy of the
    operator just before it runs lets a trigger form (or a run conf) choose per run how to wait for the job.
    """
    task, params = context["task"], context["params"]
    task.deferrable = bool(params["deferrable"])
    task.check_interval = float(params["check_interval"])


ANALYSIS_CONFIG = {
    "version": "1.0",
    "dataset_type": "text/csv",
    "label": LABEL,
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
    # The model answers [P(<=50K), P(>50K)] per record: explain and threshold the second one.
    "predictor": {"probability": 1},
    "methods": {
        "pre_training_bias": {"methods": PRE_TRAINING_METRICS},
        "post_training_bias": {"methods": POST_TRAINING_METRICS},
        "shap": {
            "baseline": [[37, 10, 40, 0, 0, 0, 1]],
            "num_samples": 64,
            "agg_method": "mean_abs",
            "seed": 0,
        },
        "report": {"name": "report", "title": "Daily Clarify monitoring"},
    },
}

with DAG(
    dag_id="clarify_monitoring",
    description="Daily Clarify bias + SHAP of the day's partition, metric history, drift flags vs a baseline",
    # Aligned with the bundled partitions: unpausing replays them, one scheduled run per day (see above).
    schedule=EventsTimetable(
        event_dates=SAMPLE_DAYS,
        description="the bundled sample's days, 2024-01-01 … 2024-01-14",
    ),
    start_date=SAMPLE_DAYS[0],
    catchup=True,
    max_active_runs=1,
    tags=["clarify", "example"],
    doc_md=__doc__,
    params={
        "engine": Param(
            "local",
            enum=["local", "managed"],
            description="local = Clarify engine in the worker; managed = SageMaker Clarify processing job",
        ),
        "data_root": Param(
            str(SAMPLE_DIR / "partitions"),
            type="string",
            minLength=1,
            description="folder (or s3:// prefix) holding ds=YYYY-MM-DD/data.csv partitions",
        ),
        "partition_date": Param(
            None,
            type=["null", "string"],
            pattern=r"^(\d{4}-\d{2}-\d{2})?$",
            description="manual runs: the day to analyse (YYYY-MM-DD); empty = the newest partition",
        ),
        "model": Param(
            None, type=["null", "string"], description="joblib model to monitor; empty = a reference model"
        ),
        "train_data": Param(str(SAMPLE_DIR / "train.csv"), type="string", minLength=1),
        "baseline_analysis": Param(
            None,
            type=["null", "string"],
            description="baseline analysis.json; empty = register the first run's result as the baseline",
        ),
        "output_dir": Param(str(OUTPUT_ROOT / "clarify_monitoring"), type="string", minLength=1),
        "managed_s3_output": Param(
            None, type=["null", "string"], description="managed engine only: s3:// output prefix"
        ),
        "managed_role_arn": Param(
            None, type=["null", "string"], description="managed engine only: SageMaker execution role"
        ),
        "managed_model_name": Param(
            None, type=["null", "string"], description="managed engine only: SageMaker model name"
        ),
        "managed_instance_type": Param("ml.c5.xlarge", type="string"),
        "deferrable": Param(
            DEFAULT_DEFERRABLE,
            type="boolean",
            description="managed engine only: wait for the job in the triggerer, freeing the worker slot "
            "(default: the deployment's [operators] default_deferrable)",
        ),
        "check_interval": Param(
            30,
            type="number",
            minimum=1,
            description="managed engine only: seconds between two checks of the job's status",
        ),
    },
) as dag:

    @task
    def select_partition(params: dict, ds: str | None = None, dag_run=None) -> dict:
        """The day to analyse and its dataset URI; fails clearly when that partition does not exist."""
        root = params["data_root"].rstrip("/")
        scheduled = dag_run is not None and str(dag_run.run_type).lower().endswith("scheduled")
        wanted = ds if scheduled and not params["partition_date"] else params["partition_date"]
        if root.startswith("s3://"):
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            bucket, _, prefix = root[len("s3://") :].partition("/")
            listed = S3Hook().list_prefixes(bucket_name=bucket, prefix=f"{prefix}/", delimiter="/") or []
            available = sorted(p.rstrip("/").rsplit("ds=", 1)[-1] for p in listed if "ds=" in p)
        else:
            available = sorted(p.parent.name[3:] for p in Path(root).glob("ds=*/data.csv"))
        if not available:
            raise FileNotFoundError(f"data_root {root} holds no ds=YYYY-MM-DD/data.csv partitions")
        wanted = wanted or available[-1]
        if wanted not in available:
            raise FileNotFoundError(
                f"no partition {root}/ds={wanted}/data.csv; partitions exist for {available[0]} … {available[-1]}"
            )
        return {"ds": wanted, "dataset_uri": f"{root}/ds={wanted}/data.csv"}

    @task
    def prepare_model(params: dict) -> str:
        """The model to monitor: the given one, or a reference model trained once and then reused."""
        if params["model"]:
            if not Path(params["model"]).is_file():
                raise FileNotFoundError(
                    f"model {params['model']} does not exist; leave it empty for a reference"
                )
            return params["model"]
        path = Path(params["output_dir"]) / "model" / "model.joblib"
        if not path.is_file():
            import joblib
            import pandas as pd
            from sklearn.ensemble import GradientBoostingClassifier

            train = pd.read_csv(params["train_data"])
            model = GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=0)
            model.fit(train[FEATURES], train[LABEL])
            path.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(model, path)
        return str(path)

    @task.branch
    def choose_engine(params: dict) -> str:
        if params["engine"] == "managed":
            missing = [
                n for n in ("managed_s3_output", "managed_role_arn", "managed_model_name") if not params[n]
            ]
            if missing or not params["data_root"].startswith("s3://"):
                raise ValueError(
                    "engine=managed needs data_root as an s3:// prefix and these params set: "
                    + ", ".join(missing or ["(all set)"])
                )
            return "managed_analysis"
        return "local_analysis"

    partition = select_partition()
    model = prepare_model()

    local_analysis = LocalClarifyOperator(
        task_id="local_analysis",
        config=ANALYSIS_CONFIG,
        dataset_uri="{{ ti.xcom_pull(task_ids='select_partition')['dataset_uri'] }}",
        output_uri="{{ params.output_dir }}/runs/ds=" + PARTITION,
        predictor="{{ ti.xcom_pull(task_ids='prepare_model') }}",
    )

    managed_analysis = ClarifyOperator(
        task_id="managed_analysis",
        config={
            **ANALYSIS_CONFIG,
            "predictor": {
                "model_name": "{{ params.managed_model_name }}",
                "instance_type": "{{ params.managed_instance_type }}",
                "initial_instance_count": 1,
                "content_type": "text/csv",
                "accept_type": "text/csv",
                "probability": 1,
            },
        },
        dataset_uri="{{ ti.xcom_pull(task_ids='select_partition')['dataset_uri'] }}",
        output_uri="{{ params.managed_s3_output }}/ds=" + PARTITION,
        role_arn="{{ params.managed_role_arn }}",
        instance_type="{{ params.managed_instance_type }}",
        pre_execute=wait_as_the_run_asks,
    )

    @task(trigger_rule="none_failed_min_one_success")
    def analysis_result(ti=None) -> dict:
        """The result of whichever analysis ran (the other one was skipped by ``choose_engine``)."""
        for task_id in ("local_analysis", "managed_analysis"):
            result = ti.xcom_pull(task_ids=task_id)
            if result is not None:
                return result
        raise RuntimeError("neither local_analysis nor managed_analysis produced a result")

    @task
    def baseline(result: dict, params: dict) -> str:
        """The baseline analysis.json: the given one, or the first run's result registered as the baseline."""
        if params["baseline_analysis"]:
            return params["baseline_analysis"]
        registered = Path(params["output_dir"]) / "baseline" / "analysis.json"
        if not registered.is_file():
            registered.parent.mkdir(parents=True, exist_ok=True)
            current = result["output_uri"].rstrip("/") + "/analysis.json"
            if current.startswith("s3://"):
                from airflow.providers.amazon.aws.hooks.s3 import S3Hook

                bucket, _, key = current[len("s3://") :].partition("/")
                registered.write_text(S3Hook().read_key(key, bucket_name=bucket))
            else:
                registered.write_bytes(Path(current).read_bytes())
        return str(registered)

    result = analysis_result()
    baseline_path = baseline(result)

    drift_check = ClarifyGateOperator(
        task_id="drift_check",
        result=result,
        baseline=baseline_path,
        # Flag, don't fail: both branches record the day; drift additionally runs flag_drift.
        mode="branch",
        pass_task_ids=["record_history"],
        fail_task_ids=["record_history", "flag_drift"],
        # Model Monitor skips metrics that could not be computed instead of counting them as drift.
        on_null="skip",
    )

    @task
    def record_history(partition: dict, result: dict, drift: dict, params: dict, run_id: str) -> str:
        """Append the day's key metrics and drift flags to history.csv (one row per metric, rewritten per day)."""
        import pandas as pd

        from airflow_provider_clarify.results import ClarifyResult

        flagged = {(v.get("metric_name"), v.get("facet")) for v in drift.get("violations", [])}
        rows = [
            {
                "ds": partition["ds"],
                "run_id": run_id,
                "engine": params["engine"],
                "stage": row.stage,
                "facet": f"{row.facet}={row.facet_value}",
                "metric": row.metric,
                "value": row.value,
                "drift_flagged": (row.metric, row.facet) in flagged,
            }
            for row in ClarifyResult.from_xcom(result).rows()
            if row.metric in KEY_METRICS
        ]
        history_file = Path(params["output_dir"]) / "history.csv"
        history = pd.read_csv(history_file) if history_file.is_file() else pd.DataFrame(columns=list(rows[0]))
        # Re-running a day replaces its rows instead of duplicating them.
        history = pd.concat(
            [history[history["ds"] != partition["ds"]], pd.DataFrame(rows)], ignore_index=True
        )
        history.sort_values(["ds", "stage", "metric"]).to_csv(history_file, index=False)
        return str(history_file)

    @task
    def flag_drift(drift: dict, partition: dict) -> list[dict]:
        """Runs only when the day drifted from the baseline: one place to hang an alert (e-mail, Slack, ...)."""
        import logging

        for violation in drift["violations"]:
            logging.getLogger(__name__).warning("drift on %s: %s", partition["ds"], violation["description"])
        return drift["violations"]

    choose_engine() >> [local_analysis, managed_analysis] >> result
    [partition, model] >> local_analysis
    partition >> managed_analysis
    record_history(partition, result, drift_check.output)
    flag_drift(drift_check.output, partition)
