"""A SageMaker Clarify notebook, ported by changing its import line: bias and SHAP on the bundled Adult sample.

    python scripts/clarify_notebook.py [OUTPUT_DIR]        # default: ./clarify-notebook-output

The cells below are what a notebook written for ``sagemaker.clarify`` looks like — config objects, a processor,
one ``run_bias_and_explainability`` call — with ``from sagemaker import clarify`` replaced by
``from airflow_provider_clarify import clarify`` and the ``SageMakerClarifyProcessor`` by the
``LocalClarifyProcessor``, which runs the analysis in this process instead of a managed job. The model is trained
here (a logistic regression on the sample's training file) and handed to the processor; the ``ModelConfig`` keeps
describing the endpoint that would serve it, as in the original notebook.

The data is one day of the bundled sample (``sample_data/adult/partitions/ds=2024-01-01``, 300 rows, see
``sample_data/README.md``); the output — ``analysis.json``, the report, the local SHAP values and
``analysis_config.json`` — lands in OUTPUT_DIR. The integration tests run this file and compare its
``analysis.json`` with ``LocalClarifyOperator``'s for the same objects.
"""

# %% Imports: the one line that changes
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression

from airflow_provider_clarify import clarify  # was: from sagemaker import clarify

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "adult"
TRAIN_CSV = SAMPLE_DIR / "train.csv"
DATASET_CSV = SAMPLE_DIR / "partitions" / "ds=2024-01-01" / "data.csv"
LABEL = "income_gt_50k"


# %% The model: trained on the sample's training file (deterministic: lbfgs from zeros)
def train_model() -> LogisticRegression:
    train = pd.read_csv(TRAIN_CSV)
    features = train.drop(columns=LABEL)
    return LogisticRegression(max_iter=2000).fit(features.to_numpy(), train[LABEL])


# %% The config objects, exactly as for the SDK
def analysis_objects(dataset_uri: str, output_uri: str) -> dict[str, Any]:
    """The configs of the run, by the name of the ``run_bias_and_explainability`` argument each one fills."""
    train = pd.read_csv(TRAIN_CSV)
    headers = list(pd.read_csv(DATASET_CSV, nrows=0).columns)
    data_config = clarify.DataConfig(
        s3_data_input_path=dataset_uri,
        s3_output_path=output_uri,
        label=LABEL,
        headers=headers,
        dataset_type="text/csv",
    )
    bias_config = clarify.BiasConfig(
        label_values_or_threshold=[1],
        facet_name="sex",
        facet_values_or_threshold=[0],  # women: the group bias is measured against
    )
    model_config = clarify.ModelConfig(
        endpoint_name="adult-income",  # the endpoint serving the model; locally the processor's model answers
        content_type="text/csv",
        accept_type="text/csv",
    )
    predicted_label_config = clarify.ModelPredictedLabelConfig(probability=1)  # column 1: P(income > 50K)
    shap_config = clarify.SHAPConfig(
        baseline=[train.drop(columns=LABEL).median().tolist()],
        num_samples=64,
        agg_method="mean_abs",
        seed=0,
    )
    return {
        "data_config": data_config,
        "model_config": model_config,
        "explainability_config": shap_config,
        "bias_config": bias_config,
        "model_predicted_label_config": predicted_label_config,
    }


# %% Run it
def main(output_dir: str) -> clarify.LocalClarifyJob:
    clarify_processor = clarify.LocalClarifyProcessor(
        role="arn:aws:iam::123456789012:role/SageMakerClarify",  # kept from the notebook; logged, not used
        instance_count=1,
        instance_type="ml.c5.xlarge",
        predictor=train_model(),
    )
    clarify_processor.run_bias_and_explainability(**analysis_objects(str(DATASET_CSV), output_dir))
    job = clarify_processor.latest_job
    assert job is not None
    return job


if __name__ == "__main__":
    finished = main(sys.argv[1] if len(sys.argv) > 1 else "clarify-notebook-output")
    print(f"analysis.json written to {finished.analysis_uri}")
    for target, explanation in finished.analysis["explanations"]["kernel_shap"].items():
        for name, value in sorted(explanation["global_shap_values"].items(), key=lambda item: -item[1]):
            print(f"  {target}: mean |SHAP| of {name:<15} {value:.4f}")
