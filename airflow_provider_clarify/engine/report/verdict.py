"""The gate-verdict section: what a gate (``ClarifyGateOperator`` / ``check_clarify_result``) found, read from
the ``constraint_violations.json`` it wrote beside ``analysis.json``.

The report embeds that file when it is present at rendering time: the engine never finds one (a gate runs after
the analysis), so the verdict enters the report when :func:`~.refresh.refresh_report` re-renders it after the
gate, or when ``report.ipynb`` is executed again in that folder (docs/results.md, "The gate's verdict in the
report"). The bias tables and charts mark the values the gate found outside its bands
(:func:`.helpers.violated_metrics`). Copied into the notebook's helper cell like :mod:`.helpers`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from airflow_provider_clarify.engine.report.helpers import Cell, Document, Table

CHECK_NAMES = {
    "bias_threshold_check": "threshold",
    "bias_drift_check": "bias drift",
    "feature_attribution_drift_check": "SHAP drift",
}


def load_violations(path: str | Path = "constraint_violations.json") -> Document | None:
    """The ``constraint_violations.json`` document, or None when no gate wrote one there."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or not isinstance(document.get("violations"), list):
        raise ValueError(
            f"{path} is not a constraint_violations.json document: expected an object with a 'violations' list"
        )
    return document


def gate_verdict_table(violations: Document) -> Table:
    """One row per violation (check, metric, facet, facet value, what the gate said); an empty file means the gate
    ran and every check passed."""
    entries = [entry for entry in violations.get("violations") or [] if isinstance(entry, dict)]
    rows = [
        [
            Cell(
                CHECK_NAMES.get(
                    str(entry.get("constraint_check_type")), str(entry.get("constraint_check_type"))
                )
            ),
            Cell(str(entry.get("metric_name", "")) + (f" [{entry['label']}]" if entry.get("label") else "")),
            Cell(str(entry.get("facet") or "")),
            Cell(str(entry.get("facet_value") or "")),
            Cell(str(entry.get("description", "")), "error"),
        ]
        for entry in entries
    ]
    if entries:
        title = f"Gate verdict: failed, {len(entries)} violation(s)"
        caption = (
            "Each metric the gate found outside its band (threshold rules) or farther from parity than in the "
            "baseline (drift); the bias tables and charts below mark the same values."
        )
    else:
        title = "Gate verdict: passed"
        caption = "The gate checked this result and found no violation."
    return Table(title, ["Check", "Metric", "Facet", "Facet value", "What the gate found"], rows, caption)
