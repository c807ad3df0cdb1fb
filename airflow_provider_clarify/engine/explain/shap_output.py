"""From local SHAP values to what Clarify writes: the global summary per target, the top text units, and the
local values of out.csv / out.jsonl (reference §6.5, §8.2-§8.4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...config.model import DEFAULT_MAX_TOP_TOKENS
from .aggregate import aggregate
from .features import FREE_TEXT
from .kernel_shap import LocalShap, Unit
from .plan import ExplanationPlan

Units = dict[int, dict[int, list[Unit]]]
"""Text units per record position and text-column position."""


def feature_attributions(plan: ExplanationPlan, local: LocalShap, units: Units) -> np.ndarray:
    """N × F × T attributions per model feature (a text column = the sum of its units), F = explained + text."""
    columns = plan.non_text + plan.text_columns
    per_record = []
    for i, values in enumerate(local.values):
        row = list(values[: len(columns) - len(plan.text_columns)])
        offset = len(row)
        for j in plan.text_columns:
            count = len(units.get(i, {}).get(j, []))
            block = values[offset : offset + count]
            row.append(block.sum(axis=0) if count else np.zeros(local.expected.shape[1]))
            offset += count
        per_record.append(np.asarray(row).reshape(len(columns), -1))
    return np.asarray(per_record).reshape(len(local.values), len(columns), local.expected.shape[1])


def summaries(
    plan: ExplanationPlan, local: LocalShap, units: Units, targets: list[str], method: str
) -> tuple[dict[str, Any], dict[str, float]]:
    """The ``kernel_shap`` section (one entry per target) and the first target's global values (PDP's ranking)."""
    columns = plan.non_text + plan.text_columns
    attributions = feature_attributions(plan, local, units)
    order = sorted(range(len(columns)), key=lambda c: columns[c])  # report features in model order
    result: dict[str, Any] = {}
    first: dict[str, float] = {}
    for t, target in enumerate(targets):
        values = aggregate(attributions[:, :, t], method)
        entry: dict[str, Any] = {
            "global_shap_values": {plan.names[columns[c]]: float(values[c]) for c in order},
            "expected_value": float(np.mean(local.expected[:, t])) if len(local.expected) else 0.0,
        }
        if plan.text_columns:
            entry["global_top_shap_text"] = _top_text(plan, local, units, t, method)
        result[target] = entry
        if t == 0:
            first = entry["global_shap_values"]
    return result, first


def _top_text(
    plan: ExplanationPlan, local: LocalShap, units: Units, target: int, method: str
) -> dict[str, float]:
    occurrences: dict[str, list[float]] = {}
    non_text = len(plan.non_text)
    for i, values in enumerate(local.values):
        offset = non_text
        for j in plan.text_columns:
            for unit in units.get(i, {}).get(j, []):
                occurrences.setdefault(unit.text, []).append(float(values[offset, target]))
                offset += 1
    scored = {text: float(aggregate(np.asarray(v)[:, None], method)[0]) for text, v in occurrences.items()}
    limit = plan.text_config.max_top_tokens if plan.text_config is not None else DEFAULT_MAX_TOP_TOKENS
    top = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return dict(top)


def local_table(
    plan: ExplanationPlan, local: LocalShap, targets: list[str], join_key: pd.Series | None
) -> pd.DataFrame:
    values = np.asarray(local.values).reshape(len(local.values), len(plan.explained), len(targets))
    columns: dict[str, Any] = {}
    for t, target in enumerate(targets):
        for p, j in enumerate(plan.explained):
            columns[f"{plan.names[j]}_{target}"] = values[:, p, t]
    table = pd.DataFrame(columns)
    if join_key is not None:
        table[str(join_key.name)] = join_key.to_numpy()
    return table


def local_documents(plan: ExplanationPlan, local: LocalShap, units: Units) -> list[dict[str, Any]]:
    """One out.jsonl document per record: tabular features, then each text column's units (reference §8.4)."""
    documents = []
    non_text = plan.non_text
    for i, values in enumerate(local.values):
        explanations = []
        for p, j in enumerate(non_text):
            explanations.append(
                {
                    "feature_name": plan.names[j],
                    "data_type": plan.kinds[j],
                    "attributions": [{"attribution": [float(v) for v in values[p]]}],
                }
            )
        offset = len(non_text)
        for j in plan.text_columns:
            attributions = []
            for unit in units.get(i, {}).get(j, []):
                attributions.append(
                    {
                        "attribution": [float(v) for v in values[offset]],
                        "description": {"partial_text": unit.text, "start_idx": unit.start},
                    }
                )
                offset += 1
            explanations.append(
                {"feature_name": plan.names[j], "data_type": FREE_TEXT, "attributions": attributions}
            )
        documents.append({"explanations": explanations})
    return documents
