"""Daily local Clarify analysis, then its result logged to MLflow (connection ``mlflow_test``).

``clarify_mlflow`` fails its logging step when the tracking server fails; ``clarify_mlflow_best_effort`` warns.
"""

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator
from airflow_provider_clarify.operators.mlflow import ClarifyMlflowOperator

CONFIG = {
    "dataset_type": "text/csv",
    "label": "income",
    "label_values_or_threshold": [">50K"],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["Female"]}],
    "predicted_label": "prediction",
    "methods": {
        "pre_training_bias": {"methods": ["CI", "DPL"]},
        "post_training_bias": {"methods": ["DI", "DPPL"]},
        "report": {"name": "report", "title": "MLflow test"},
    },
}

for dag_id, best_effort in (("clarify_mlflow", False), ("clarify_mlflow_best_effort", True)):
    with DAG(
        dag_id=dag_id,
        schedule="@daily",
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        params={"dataset": Param("", type="string"), "output": Param("", type="string")},
    ):
        analysis = LocalClarifyOperator(
            task_id="bias_analysis",
            config=CONFIG,
            dataset_uri="{{ params.dataset }}",
            output_uri="{{ params.output }}/{{ ds }}",
        )
        ClarifyMlflowOperator(
            task_id="log_to_mlflow",
            result=analysis.output,
            config=CONFIG,
            mlflow_conn_id="mlflow_test",
            experiment_name="clarify-tests",
            best_effort=best_effort,
        )
