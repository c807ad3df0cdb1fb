"""Summaries of the explanation files a run wrote, for the result that goes to XCom (``ClarifyResult``).

Why here: the results layer reads analysis.json only and imports no engine code; the summary of a time-series
run's ``out.jsonl`` (items, horizon, top time steps or features) needs that file, which is in the run's output
folder only until it is published. The local operator calls :func:`explanation_summaries` on that folder and
hands the dict to ``ClarifyResult.from_analysis(explanation_summaries=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def explanation_summaries(output_dir: str | Path, analysis: Mapping[str, Any]) -> dict[str, Any]:
    """``{"time_series": <summarize_explanations dict>}`` when ``analysis`` holds time-series explanations whose
    ``out.jsonl`` is in ``output_dir``; ``{}`` otherwise (computer vision is summarised from analysis.json)."""
    entry = (analysis.get("explanations") or {}).get("asymmetric_shapley_value")
    if not isinstance(entry, Mapping):
        return {}
    from .timeseries import results_relative_path, summarize_explanations_file

    path = Path(output_dir) / results_relative_path(str(entry["granularity"]), str(entry["direction"]))
    if not path.is_file():
        return {}
    summary = summarize_explanations_file(
        path, direction=entry["direction"], granularity=entry["granularity"]
    )
    return {"time_series": summary}
