"""Local computer-vision explanation of images on S3: a linear in-process classifier, outputs to S3."""

import numpy as np
import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_clarify.operators.local import LocalClarifyOperator

SIZE = 40
WEIGHTS = np.random.default_rng(11).normal(size=(2, SIZE, SIZE, 3)) * 0.01


def classify(images: np.ndarray) -> np.ndarray:
    """Two class scores, each linear in the pixels (so the test knows every SHAP value exactly)."""
    return np.einsum("nhwc,thwc->nt", images.astype(float), WEIGHTS)


CONFIG = {
    "dataset_type": "application/x-image",
    "methods": {
        "shap": {
            "num_samples": 60,
            "seed": 5,
            "baseline": "{{ params.baseline }}",
            "image_config": {"model_type": "IMAGE_CLASSIFICATION", "num_segments": 12},
        }
    },
    "predictor": {"label_headers": ["left", "right"]},
}

with DAG(
    dag_id="local_images",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    params={
        "dataset": Param("", type="string"),
        "output": Param("", type="string"),
        "baseline": Param("", type="string"),
    },
    render_template_as_native_obj=True,
):
    LocalClarifyOperator(
        task_id="explain_images",
        config=CONFIG,
        dataset_uri="{{ params.dataset }}",
        output_uri="{{ params.output }}",
        predictor=classify,
    )
