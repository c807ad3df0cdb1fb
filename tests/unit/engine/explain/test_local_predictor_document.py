"""A model named in the document itself (``predictor.local_predictor``) drives the in-worker engine.

No ``predictor=`` argument is passed: the engine must take the document's local model as the model source, call it
through the CSV contract and use its labels for post-training bias.
"""

from __future__ import annotations

import csv

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis

MODEL = "tests.unit.engine.model_fixtures:csv_sum_model"  # score = (x1 + x2) / 10


def test_document_local_predictor_supplies_predicted_labels(tmp_path):
    rows = []
    for i in range(60):
        x1, x2 = i % 10, (i * 7) % 10
        rows.append({"x1": x1, "x2": x2, "sex": "F" if i % 3 == 0 else "M", "label": int((x1 + x2) % 2 == 0)})
    dataset = tmp_path / "data.csv"
    with dataset.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["x1", "x2", "sex", "label"])
        writer.writeheader()
        writer.writerows(rows)
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
        "excluded_columns": ["sex"],
        "methods": {"post_training_bias": {"methods": ["DPPL"]}},
        "predictor": {"local_predictor": MODEL},
    }

    analysis = run_analysis(load_config(config), dataset=str(dataset), output=str(tmp_path / "out"))

    # Expected from counts: predicted positive when the score (x1 + x2) / 10 exceeds the 0.5 threshold.
    def positive_rate(group: str) -> float:
        members = [r for r in rows if r["sex"] == group]
        return sum((r["x1"] + r["x2"]) / 10 > 0.5 for r in members) / len(members)

    (group,) = analysis["post_training_bias_metrics"]["facets"]["sex"]
    (dppl,) = group["metrics"]
    assert dppl["name"] == "DPPL"
    assert dppl["value"] == positive_rate("M") - positive_rate("F")
