"""Metric names and their description strings, byte for byte as the managed job writes them (SPEC §9).

The misspelling "Kullback-Liebler" is the reference's and is kept on purpose: gates and dashboards compare these
strings.
"""

from __future__ import annotations

PRE_TRAINING_DESCRIPTIONS: dict[str, str] = {
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
}

POST_TRAINING_DESCRIPTIONS: dict[str, str] = {
    "AD": "Accuracy Difference (AD)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "DI": "Disparate Impact (DI)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "FT": "Flip Test (FT)",
    "GE": "Generalized Entropy (GE)",
    "RD": "Recall Difference (RD)",
    "SD": "Specificity Difference (SD)",
    "TE": "Treatment Equality (TE)",
}

PRE_TRAINING_METRICS: list[str] = sorted(PRE_TRAINING_DESCRIPTIONS)
POST_TRAINING_METRICS: list[str] = sorted(POST_TRAINING_DESCRIPTIONS)


def select_metrics(requested: object, registry: list[str], field: str) -> list[str]:
    """The metric names to run, sorted by name: ``"all"`` or a list drawn from ``registry``.

    Unknown names fail the job with the reference's wording plus the field to fix.
    """
    if (isinstance(requested, str) and requested.lower() == "all") or requested is None:
        return list(registry)
    names = [requested] if isinstance(requested, str) else list(requested)  # type: ignore[call-overload]
    if isinstance(names, list) and [n for n in names if isinstance(n, str) and n.lower() == "all"]:
        return list(registry)
    unknown = [name for name in names if name not in registry]
    if unknown:
        from ..errors import AnalysisError

        raise AnalysisError(
            f"Invalid metric_name: metrics should be one of the registered metrics{registry} "
            f"({field} has {unknown}; use 'all' or names from that list)"
        )
    return sorted(set(names))
