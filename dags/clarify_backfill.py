"""Clarify backfill: analyse a range of historical partitions in parallel, then chart the trend of key metrics.

What it does
    1. ``list_partitions`` turns ``start_date`` … ``end_date`` into one entry per day and checks that every
       partition ``<data_root>/ds=YYYY-MM-DD/data.csv`` exists (a gap fails here, naming the missing days).
    2. ``prepare_model`` returns the model to analyse with: ``model`` when given, else a reference model trained
       once on ``train_data`` and kept in ``<output_dir>/model/``.
    3. ``choose_engine`` runs ``local_analysis`` or ``managed_analysis`` by the ``engine`` param. Each is ONE
       dynamically mapped task: one mapped instance per day, at most ``MAX_PARALLEL_ANALYSES`` at a time within a
       run (``max_active_tis_per_dagrun``), so a long backfill does not take every worker slot or SageMaker
       instance quota at once. Each day gets its own output folder.
    4. ``summarise`` builds the per-date table (``summary.csv`` and ``summary.md``) and a trend chart
       (``trend.png``, matplotlib) of the key metrics across the range.

Defaults cover the bundled fortnight (2024-01-01 … 2024-01-14), whose share of women falls day by day, so the
chart shows class imbalance (CI) rising. Trigger it with ``{"start_date": "2024-01-03", "end_date":
"2024-01-09"}`` for a part of the range.

The file does no data reading, model work or network I/O at parse time: heavy imports live inside the tasks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, conf, task

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator

REPO_DIR = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_DIR / "sample_data" / "adult"
OUTPUT_ROOT = Path(os.environ.get("CLARIFY_EXAMPLES_OUTPUT", REPO_DIR / ".airflow-demo" / "output"))

FEATURES = ["age", "education_num", "hours_per_week", "capital_gain", "capital_loss", "married", "sex"]
LABEL = "income_gt_50k"
KEY_METRICS = ("CI", "DPL", "DI", "DPPL")
# Mapped analyses running at once inside one backfill run. A task argument, so fixed when the file is parsed.
MAX_PARALLEL_ANALYSES = 4
MAX_DAYS = 366

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
        "pre_training_bias": {"methods": ["CI", "DPL", "KL", "JS"]},
        "post_training_bias": {"methods": ["DI", "DPPL", "AD", "RD"]},
        "shap": {
            "baseline": [[37, 10, 40, 0, 0, 0, 1]],
            "num_samples": 32,
            "agg_method": "mean_abs",
            "seed": 0,
        },
    },
}

with DAG(
    dag_id="clarify_backfill",
    description="Clarify over a range of daily partitions (mapped, bounded concurrency) + per-date trend summary",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["clarify", "example"],
    doc_md=__doc__,
    params={
        "engine": Param(
            "local",
            enum=["local", "managed"],
            description="local = Clarify engine in the worker; managed = SageMaker Clarify processing jobs",
        ),
        "start_date": Param("2024-01-01", type="string", format="date", description="first day (YYYY-MM-DD)"),
        "end_date": Param("2024-01-14", type="string", format="date", description="last day, inclusive"),
        "data_root": Param(
            str(SAMPLE_DIR / "partitions"),
            type="string",
            minLength=1,
            description="folder (or s3:// prefix) holding ds=YYYY-MM-DD/data.csv partitions",
        ),
        "model": Param(
            None,
            type=["null", "string"],
            description="joblib model to analyse with; empty = a reference model",
        ),
        "train_data": Param(str(SAMPLE_DIR / "train.csv"), type="string", minLength=1),
        "output_dir": Param(str(OUTPUT_ROOT / "clarify_backfill"), type="string", minLength=1),
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
    def list_partitions(params: dict) -> list[dict]:
        """One mapping entry per day, each with the dataset and output locations of its analysis."""
        from datetime import date, timedelta

        first, last = date.fromisoformat(params["start_date"]), date.fromisoformat(params["end_date"])
        if last < first:
            raise ValueError(f"end_date {last} is before start_date {first}")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError(
                f"{(last - first).days + 1} days asked; split the backfill into ≤ {MAX_DAYS} days"
            )
        days = [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]
        root = params["data_root"].rstrip("/")
        if root.startswith("s3://"):
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            bucket, _, prefix = root[len("s3://") :].partition("/")
            hook = S3Hook()
            missing = [
                d for d in days if not hook.check_for_key(f"{prefix}/ds={d}/data.csv", bucket_name=bucket)
            ]
            output_root = (params["managed_s3_output"] or "").rstrip("/")
        else:
            missing = [d for d in days if not (Path(root) / f"ds={d}" / "data.csv").is_file()]
            output_root = str(Path(params["output_dir"]) / "runs")
        if missing:
            raise FileNotFoundError(f"no partition under {root} for {', '.join(missing)}")
        return [
            {"ds": d, "dataset": f"{root}/ds={d}/data.csv", "output": f"{output_root}/ds={d}"} for d in days
        ]

    @task
    def prepare_model(params: dict) -> str:
        """The model to analyse with: the given one, or a reference model trained once and then reused."""
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

    def analysis_arguments(day: dict) -> dict:
        """The mapped arguments of one day's analysis (both operators name them the same)."""
        return {"dataset_uri": day["dataset"], "output_uri": day["output"]}

    partitions = list_partitions()
    model = prepare_model()

    local_analysis = LocalClarifyOperator.partial(
        task_id="local_analysis",
        config=ANALYSIS_CONFIG,
        predictor="{{ ti.xcom_pull(task_ids='prepare_model') }}",
        max_active_tis_per_dagrun=MAX_PARALLEL_ANALYSES,
    ).expand_kwargs(partitions.map(analysis_arguments))

    managed_analysis = ClarifyOperator.partial(
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
        role_arn="{{ params.managed_role_arn }}",
        instance_type="{{ params.managed_instance_type }}",
        pre_execute=wait_as_the_run_asks,
        max_active_tis_per_dagrun=MAX_PARALLEL_ANALYSES,
    ).expand_kwargs(partitions.map(analysis_arguments))

    @task(trigger_rule="none_failed_min_one_success")
    def summarise(days: list[dict], params: dict, ti=None) -> dict:
        """Per-date table of the key metrics and a trend chart, from whichever analyses ran."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import pandas as pd

        from airflow_provider_clarify.results import ClarifyResult

        task_id = "managed_analysis" if params["engine"] == "managed" else "local_analysis"
        results = ti.xcom_pull(task_ids=task_id, map_indexes=list(range(len(days))))
        if len(results) != len(days) or any(r is None for r in results):
            raise RuntimeError(f"{task_id} returned {len(results)} results for {len(days)} days")
        table = []
        for day, payload in zip(days, results, strict=True):
            result = ClarifyResult.from_xcom(payload)
            entry = {"ds": day["ds"]}
            for row in result.rows():
                if row.metric in KEY_METRICS:
                    entry[row.metric] = row.value
            for summary in result.shap.values():
                top = max(summary.global_shap_values.items(), key=lambda item: abs(item[1]))
                entry["top_shap_feature"] = top[0]
            table.append(entry)
        frame = pd.DataFrame(table).set_index("ds")

        out = Path(params["output_dir"])
        out.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out / "summary.csv")
        numeric = frame[[m for m in KEY_METRICS if m in frame]]
        lines = ["| ds | " + " | ".join(numeric.columns) + " |", "|---" * (len(numeric.columns) + 1) + "|"]
        lines += [f"| {ds} | " + " | ".join(f"{v:.4f}" for v in row) + " |" for ds, row in numeric.iterrows()]
        (out / "summary.md").write_text("\n".join(lines) + "\n")

        figure, axes = plt.subplots(
            len(numeric.columns), 1, figsize=(8, 2.2 * len(numeric.columns)), sharex=True
        )
        for axis, metric in zip(
            list(axes) if len(numeric.columns) > 1 else [axes], numeric.columns, strict=True
        ):
            axis.plot(pd.to_datetime(numeric.index), numeric[metric], marker="o")
            axis.set_ylabel(metric)
            axis.grid(alpha=0.3)
        figure.suptitle("Clarify key metrics per day (facet sex = women)")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(out / "trend.png", dpi=100)
        plt.close(figure)
        return {
            "table": str(out / "summary.csv"),
            "markdown": str(out / "summary.md"),
            "chart": str(out / "trend.png"),
        }

    choose_engine() >> [local_analysis, managed_analysis]
    model >> local_analysis
    [local_analysis, managed_analysis] >> summarise(partitions)
