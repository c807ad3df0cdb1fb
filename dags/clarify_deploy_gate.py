"""Deploy gate: a candidate model is deployed only if its post-training bias stays inside the band you set.

What it does
    1. ``train_candidate`` trains a small scikit-learn model on ``train_data`` (or loads ``candidate_model``
       when given) and saves it as a joblib file in this run's output folder.
    2. ``choose_engine`` runs ONE of the two analysis tasks, by the ``engine`` param:
       ``local_analysis`` (``LocalClarifyOperator``: the Clarify engine inside the worker, calling the joblib
       model in-process) or ``managed_analysis`` (``ClarifyOperator``: a SageMaker Clarify processing job, which
       calls a SageMaker model ``managed_model_name``). Both compute post-training bias (facet ``sex``, women as
       the sensitive group) and KernelSHAP on ``validation_data``, and write ``analysis.json`` + an HTML report.
    3. ``analysis_result`` hands on the result of whichever analysis ran.
    4. ``bias_gate`` (``ClarifyGateOperator``) checks DI ≥ ``min_di`` and |DPPL| ≤ ``max_abs_dppl`` and fails
       (blocking the deploy) when a metric is outside its band.
    5. ``deploy`` copies the model artefact into ``<output_dir>/deployed/`` with a manifest of the gate metrics.

Run it on the embedded defaults (no AWS account): ``make demo``, or ``airflow dags test clarify_deploy_gate``.
Watch the gate block a deploy: trigger with ``{"mitigate": false}`` (the unmitigated model) or
``{"min_di": 0.8}`` (the four-fifths rule, which no model trained on this 1994 census sample meets: the labels
themselves have DI ≈ 0.39 for women).

Why a branch for the engine: operators are built when the file is parsed, before any param is known, so "one
param switches the engine" has to happen at run time. A ``@task.branch`` keeps both paths visible in the graph
(the skipped one greys out) and each operator keeps its own extra links, retries and deferral.

The file does no data reading, model work or network I/O at parse time: heavy imports live inside the tasks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, conf, task

from airflow_provider_clarify.operators.clarify import ClarifyOperator
from airflow_provider_clarify.operators.gate import ClarifyGateOperator
from airflow_provider_clarify.operators.local import LocalClarifyOperator

REPO_DIR = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_DIR / "sample_data" / "adult"
OUTPUT_ROOT = Path(os.environ.get("CLARIFY_EXAMPLES_OUTPUT", REPO_DIR / ".airflow-demo" / "output"))

FEATURES = ["age", "education_num", "hours_per_week", "capital_gain", "capital_loss", "married", "sex"]
LABEL = "income_gt_50k"
# CDDPL is left out: it needs a group_variable, which this sample does not have.
POST_TRAINING_METRICS = ["DI", "DPPL", "AD", "DAR", "DCA", "DCR", "DRR", "FT", "GE", "RD", "SD", "TE"]
# Where this run writes: one folder per run, beside the shared deployed/ registry.
RUN_DIR = "{{ params.output_dir }}/runs/{{ run_id | replace(':', '') | replace('+', '') }}"

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
    "probability_threshold": 0.5,
    "methods": {
        "post_training_bias": {"methods": POST_TRAINING_METRICS},
        "shap": {
            # One baseline row (training-data medians, in feature order) keeps KernelSHAP cheap and stable.
            "baseline": [[37, 10, 40, 0, 0, 0, 1]],
            "num_samples": "{{ params.shap_num_samples }}",
            "agg_method": "mean_abs",
            "seed": 0,
            "save_local_shap_values": False,
        },
        "report": {"name": "report", "title": "Deploy gate: candidate model"},
    },
}

with DAG(
    dag_id="clarify_deploy_gate",
    description="Train a candidate model, run Clarify bias + SHAP on it, deploy only if the bias gate passes",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["clarify", "example"],
    doc_md=__doc__,
    params={
        "engine": Param(
            "local",
            enum=["local", "managed"],
            description="local = Clarify engine in the worker; managed = SageMaker Clarify processing job",
        ),
        "train_data": Param(str(SAMPLE_DIR / "train.csv"), type="string", minLength=1),
        "validation_data": Param(
            str(SAMPLE_DIR / "validation.csv"),
            type="string",
            minLength=1,
            description="CSV with a header row; an s3:// URI for the managed engine",
        ),
        "candidate_model": Param(
            None,
            type=["null", "string"],
            description="a joblib model file to gate instead of training one (empty = train on train_data)",
        ),
        "mitigate": Param(
            True,
            type="boolean",
            description="train with reweighing (sample weights that make label and sex independent)",
        ),
        "min_di": Param(
            0.5,
            type="number",
            minimum=0,
            description="lowest acceptable Disparate Impact; 0.8 is the four-fifths rule",
        ),
        "max_abs_dppl": Param(0.1, type="number", minimum=0, maximum=1),
        "shap_num_samples": Param(
            64, type="integer", minimum=1, maximum=4096, description="KernelSHAP coalitions per record"
        ),
        "output_dir": Param(str(OUTPUT_ROOT / "clarify_deploy_gate"), type="string", minLength=1),
        "managed_s3_output": Param(
            None,
            type=["null", "string"],
            description="managed engine only: s3:// prefix for the job's config and results",
        ),
        "managed_role_arn": Param(
            None, type=["null", "string"], description="managed engine only: SageMaker execution role"
        ),
        "managed_model_name": Param(
            None,
            type=["null", "string"],
            description="managed engine only: the SageMaker model the job deploys to a shadow endpoint",
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
    def train_candidate(params: dict, run_id: str) -> str:
        """Train (or load) the candidate and save it where the analysis and the deploy step can read it."""
        import shutil

        import joblib
        import numpy as np
        import pandas as pd
        from sklearn.ensemble import GradientBoostingClassifier

        run_dir = Path(params["output_dir"]) / "runs" / run_id.replace(":", "").replace("+", "")
        model_path = run_dir / "candidate" / "model.joblib"
        model_path.parent.mkdir(parents=True, exist_ok=True)
        if params["candidate_model"]:
            source = Path(params["candidate_model"])
            if not source.is_file():
                raise FileNotFoundError(
                    f"candidate_model {source} does not exist; leave it empty to train one"
                )
            shutil.copyfile(source, model_path)
            return str(model_path)

        train = pd.read_csv(params["train_data"])
        missing = sorted(set([*FEATURES, LABEL]) - set(train.columns))
        if missing:
            raise ValueError(f"train_data {params['train_data']} lacks columns {missing}")
        weights = None
        if params["mitigate"]:
            # Reweighing (Kamiran & Calders 2012): weight each (sex, label) cell by expected / observed share.
            weights = np.ones(len(train))
            for sex in train["sex"].unique():
                for label in train[LABEL].unique():
                    cell = (train["sex"] == sex) & (train[LABEL] == label)
                    if cell.any():
                        expected = (train["sex"] == sex).mean() * (train[LABEL] == label).mean()
                        weights[cell.to_numpy()] = expected / cell.mean()
        model = GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=0)
        model.fit(train[FEATURES], train[LABEL], sample_weight=weights)
        joblib.dump(model, model_path)
        return str(model_path)

    @task.branch
    def choose_engine(params: dict) -> str:
        if params["engine"] == "managed":
            missing = [
                name
                for name in ("managed_s3_output", "managed_role_arn", "managed_model_name")
                if not params[name]
            ]
            if missing or not params["validation_data"].startswith("s3://"):
                raise ValueError(
                    "engine=managed needs validation_data as an s3:// URI and these params set: "
                    + ", ".join(missing or ["(all set)"])
                )
            return "managed_analysis"
        return "local_analysis"

    candidate = train_candidate()

    local_analysis = LocalClarifyOperator(
        task_id="local_analysis",
        config=ANALYSIS_CONFIG,
        dataset_uri="{{ params.validation_data }}",
        output_uri=f"{RUN_DIR}/analysis",
        # A path to the joblib file: the engine loads it and calls predict_proba in-process.
        predictor="{{ ti.xcom_pull(task_ids='train_candidate') }}",
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
        dataset_uri="{{ params.validation_data }}",
        output_uri="{{ params.managed_s3_output }}/{{ run_id | replace(':', '') | replace('+', '') }}",
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

    result = analysis_result()

    bias_gate = ClarifyGateOperator(
        task_id="bias_gate",
        result=result,
        rules=[
            {"metric": "DI", "facet": "sex", "min": "{{ params.min_di }}"},
            {
                "metric": "DPPL",
                "facet": "sex",
                "min": "-{{ params.max_abs_dppl }}",
                "max": "{{ params.max_abs_dppl }}",
            },
        ],
        mode="fail",
    )

    @task
    def deploy(model_path: str, gate_result: dict, params: dict, run_id: str) -> str:
        """ "Deploy" = copy the artefact into the deployed/ registry with a manifest saying why it passed."""
        import json
        import shutil

        registry = Path(params["output_dir"]) / "deployed"
        registry.mkdir(parents=True, exist_ok=True)
        target = registry / "model.joblib"
        shutil.copyfile(model_path, target)
        manifest = {"run_id": run_id, "source": model_path, "gate": gate_result}
        (registry / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        return str(target)

    choose_engine() >> [local_analysis, managed_analysis] >> result
    candidate >> [local_analysis, managed_analysis]
    deploy(candidate, bias_gate.output)
