"""The notebook of scripts/clarify_notebook.py as a DAG: the same config objects and model, LocalClarifyOperator.

The objects come from the script itself (loaded by path), with the dataset and output locations templated from
the run conf, so the test compares the two engines' callers on exactly the same inputs.
"""

import importlib.util
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "clarify_notebook.py"
_spec = importlib.util.spec_from_file_location("clarify_notebook", SCRIPT)
assert _spec is not None and _spec.loader is not None
notebook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook)

objects = notebook.analysis_objects("{{ params.dataset }}", "{{ params.output }}")

with DAG(
    dag_id="sdk_notebook_local",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={"dataset": Param("", type="string"), "output": Param("", type="string")},
):
    LocalClarifyOperator(
        task_id="bias_and_shap",
        config=[
            objects["data_config"],
            objects["bias_config"],
            objects["model_config"],
            objects["model_predicted_label_config"],
            objects["explainability_config"],
        ],
        predictor=notebook.train_model(),
    )
