"""Every metric's ``description`` in analysis.json, byte for byte as reference §9.1 / §9.2 list them.

The expected strings are typed here from the reference tables (docs/reference.md §9) (not imported from the registry), so a change to the
registry that drifts from what the managed container writes fails this test.
"""

from __future__ import annotations

from airflow_provider_clarify.config import load_config
from airflow_provider_clarify.engine import run_analysis

SPEC_DESCRIPTIONS = {
    "pre_training_bias_metrics": {
        "CI": "Class Imbalance (CI)",
        "DPL": "Difference in Positive Proportions in Labels (DPL)",
        "KL": "Kullback-Liebler Divergence (KL)",
        "JS": "Jensen-Shannon Divergence (JS)",
        "LP": "L-p Norm (LP)",
        "TVD": "Total Variation Distance (TVD)",
        "KS": "Kolmogorov-Smirnov Distance (KS)",
        "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    },
    "post_training_bias_metrics": {
        "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
        "DI": "Disparate Impact (DI)",
        "DCA": "Difference in Conditional Acceptance (DCA)",
        "DCR": "Difference in Conditional Rejection (DCR)",
        "RD": "Recall Difference (RD)",
        "SD": "Specificity Difference (SD)",
        "DAR": "Difference in Acceptance Rates (DAR)",
        "DRR": "Difference in Rejection Rates (DRR)",
        "AD": "Accuracy Difference (AD)",
        "TE": "Treatment Equality (TE)",
        "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
        "FT": "Flip Test (FT)",
        "GE": "Generalized Entropy (GE)",
    },
}


def test_descriptions_and_order_match_the_spec(tmp_path):
    lines = ["x,group,city,label,pred"]
    for i in range(120):
        lines.append(
            f"{i % 7},{'d' if i % 3 == 0 else 'a'},{'north' if i % 2 else 'south'},{i % 2},{(i // 2) % 2}"
        )
    dataset = tmp_path / "data.csv"
    dataset.write_text("\n".join(lines) + "\n")
    config = {
        "dataset_type": "text/csv",
        "label": "label",
        "predicted_label": "pred",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "group", "value_or_threshold": ["d"]}],
        "group_variable": "city",
        "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    }
    analysis = run_analysis(load_config(config), dataset=str(dataset), output=str(tmp_path / "out"))
    for section, expected in SPEC_DESCRIPTIONS.items():
        (group,) = analysis[section]["facets"]["group"]
        metrics = group["metrics"]
        assert {m["name"]: m["description"] for m in metrics} == expected
        # analysis.json lists metrics sorted by name in code-point order (reference §8.1).
        assert [m["name"] for m in metrics] == sorted(expected)
