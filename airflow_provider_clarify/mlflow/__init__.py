"""Clarify results in MLflow: one run per analysis (per logical date in a backfill).

- :mod:`.naming` — metric keys, the config as params, MLflow's limits (no MLflow or Airflow import);
- :mod:`.connection` — the tracking server an Airflow connection names;
- :mod:`.tracking` — logging one result as one run with ``MlflowClient``.

The operator is :class:`airflow_provider_clarify.operators.mlflow.ClarifyMlflowOperator`. MLflow itself is the
optional extra ``airflow-provider-clarify[mlflow]`` (the client, ``mlflow-skinny``), imported only when a run is
logged.
"""
