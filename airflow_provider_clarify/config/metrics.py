"""The bias metrics Clarify knows: each name, its stage, and the description string analysis.json carries.

One registry for every layer: the config validates metric names against it, the engine writes its descriptions
(byte for byte as the container does, reference §9, misspelling of "Liebler" included), and results and gates look
names and stages up in it. Names are listed in the reference's order (docs/reference.md §9); the engine sorts them for output.
"""

from __future__ import annotations

PRE_TRAINING_DESCRIPTIONS: dict[str, str] = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
}

POST_TRAINING_DESCRIPTIONS: dict[str, str] = {
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "RD": "Recall Difference (RD)",
    "SD": "Specificity Difference (SD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "TE": "Treatment Equality (TE)",
    "FT": "Flip Test (FT)",
    "GE": "Generalized Entropy (GE)",
}

PRE_TRAINING_METRICS: tuple[str, ...] = tuple(PRE_TRAINING_DESCRIPTIONS)
POST_TRAINING_METRICS: tuple[str, ...] = tuple(POST_TRAINING_DESCRIPTIONS)

METRIC_DESCRIPTIONS: dict[str, str] = {**PRE_TRAINING_DESCRIPTIONS, **POST_TRAINING_DESCRIPTIONS}
METRIC_STAGES: dict[str, str] = {
    **dict.fromkeys(PRE_TRAINING_METRICS, "pre_training"),
    **dict.fromkeys(POST_TRAINING_METRICS, "post_training"),
}


def metric_failure_warning(metric: str, facet: str, facet_value: str, error: str) -> str:
    """The one wording of a per-metric failure (reference §10.2): the engine's warning and the warning a result read
    from ``analysis.json`` carries are the same text, so the two never count one failure twice."""
    return f"{metric} failed for facet {facet}={facet_value}: {error} (its value is null in analysis.json)"
