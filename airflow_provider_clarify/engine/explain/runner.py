"""``run_explanations``: the ``explanations`` section of analysis.json and the explanations_shap/* files.

Everything is computed first and written last, so a failure (bad config, model errors) leaves no output file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...config.model import PdpMethod, ShapMethod
from ...contract import BASELINE_CSV, LOCAL_SHAP_CSV, LOCAL_SHAP_JSONL, SHAP_DIR
from ..models import ScoreModel
from ..run import AnalysisRun, Warn
from .baseline import computed_baseline, given_baseline
from .features import ExplanationData
from .files import write_csv, write_jsonl
from .kernel_shap import (
    LocalShap,
    RecordPlayers,
    ScoreFunction,
    explain_all_features,
    explain_per_record,
    sample_count,
)
from .pdp import partial_dependence, sample_positions
from .plan import ExplanationPlan, frame_of, plan_explanations
from .progress import Progress
from .shap_output import Units, local_documents, local_table, summaries
from .text import segment

if TYPE_CHECKING:
    from .shap_extras import ShapExtras

LOG = logging.getLogger("airflow_provider_clarify.engine.explain")

SYNTHETIC_ROWS_WARNING = 10**7

FileWriter = tuple[str, Callable[[Path], None]]
"""An output file to write once everything succeeded: its path below the output folder and its writer."""


def run_explanations(
    run: AnalysisRun, data: ExplanationData, model: ScoreModel, extras: ShapExtras | None = None
) -> dict[str, Any]:
    """Run SHAP and/or PDP as configured; returns ``{"kernel_shap": ..., "pdp": [...]}`` (keys as requested).

    ``extras``: confidence intervals of the global SHAP values and SHAP per segment (:mod:`.shap_extras`).
    """
    plan = plan_explanations(run.config, data)
    frame = frame_of(data)
    result: dict[str, Any] = {}
    files: list[FileWriter] = []
    global_first_target: dict[str, float] | None = None
    if plan.shap is not None:
        kernel_shap, global_first_target, files = _shap(run, plan, plan.shap, frame, data, model, extras)
        result["kernel_shap"] = kernel_shap
    if plan.pdp is not None:
        seed = plan.shap.seed if plan.shap is not None else None
        result["pdp"] = _pdp(
            plan, plan.pdp, frame, model, run.options.pdp_max_records, seed, global_first_target
        )
    if run.output_dir is not None:
        for relative, writer in files:
            writer(run.output_dir / relative)
    return result


def _shap(
    run: AnalysisRun,
    plan: ExplanationPlan,
    shap: ShapMethod,
    frame: pd.DataFrame,
    data: ExplanationData,
    model: ScoreModel,
    extras: ShapExtras | None = None,
) -> tuple[dict[str, Any], dict[str, float], list[FileWriter]]:
    files: list[FileWriter] = []
    if shap.baseline is not None:
        baseline = given_baseline(shap.baseline, run.config, frame, run.s3_client)
    else:
        baseline = computed_baseline(frame, plan.kinds, shap.num_clusters, shap.seed)
        computed = baseline.copy()
        files.append((f"{SHAP_DIR}/{BASELINE_CSV}", lambda path: write_csv(path, computed)))
    units = _text_units(plan, frame)
    _warn_if_large(run.warn, plan, frame, baseline, units, shap.num_samples)
    local = _local_values(plan, shap, frame, baseline, units, ScoreFunction(model, shap.use_logit))
    targets = list(model.target_names)
    kernel_shap, first = summaries(plan, local, units, targets, shap.agg_method)
    if extras is not None:  # confidence intervals and per-segment SHAP (shap_extras.py)
        extras.apply(plan, local, units, targets, shap.agg_method, kernel_shap)
    if shap.save_local_shap_values:
        if plan.text_columns:
            documents = local_documents(plan, local, units)
            files.append((f"{SHAP_DIR}/{LOCAL_SHAP_JSONL}", lambda path: write_jsonl(path, documents)))
        else:
            table = local_table(plan, local, targets, data.join_key)
            files.append((f"{SHAP_DIR}/{LOCAL_SHAP_CSV}", lambda path: write_csv(path, table)))
    return kernel_shap, first, files


def _text_units(plan: ExplanationPlan, frame: pd.DataFrame) -> Units:
    units: Units = {}
    text_config = plan.text_config
    if not plan.text_columns or text_config is None:
        return units
    for i in range(len(frame)):
        units[i] = {
            j: segment(_text(frame.iat[i, j]), text_config.granularity, text_config.language)
            for j in plan.text_columns
        }
    return units


def _text(value: Any) -> str:
    """A text cell (any value a frame holds) as text; a missing value is the empty text (no units)."""
    return "" if pd.isna(value) else str(value)


def _warn_if_large(
    warn: Warn,
    plan: ExplanationPlan,
    frame: pd.DataFrame,
    baseline: pd.DataFrame,
    units: Units,
    num_samples: int | None,
) -> None:
    players = len(plan.explained)
    typical = players + (max((sum(len(u) for u in r.values()) for r in units.values()), default=0))
    synthetic = len(frame) * len(baseline) * sample_count(num_samples, max(typical, 1))
    if synthetic > SYNTHETIC_ROWS_WARNING:
        warn(
            f"Kernel SHAP will score about {synthetic:,} synthetic records ({len(frame)} records × {len(baseline)} "
            "baseline rows × samples); lower methods.shap.num_samples or the baseline size to go faster"
        )


def _local_values(
    plan: ExplanationPlan,
    shap: ShapMethod,
    frame: pd.DataFrame,
    baseline: pd.DataFrame,
    units: Units,
    score: ScoreFunction,
) -> LocalShap:
    progress = Progress("Kernel SHAP", len(frame))
    if not plan.text_columns and len(plan.explained) == len(plan.names):
        return explain_all_features(
            frame, baseline, score, num_samples=shap.num_samples, seed=shap.seed, progress=progress
        )
    non_text = plan.non_text

    def players_of(i: int) -> RecordPlayers:
        return RecordPlayers(features=non_text, units=units.get(i, {}))

    return explain_per_record(
        frame, baseline, score, players_of, num_samples=shap.num_samples, seed=shap.seed, progress=progress
    )


def _pdp(
    plan: ExplanationPlan,
    pdp: PdpMethod,
    frame: pd.DataFrame,
    model: ScoreModel,
    max_records: int,
    seed: int | None,
    global_first_target: dict[str, float] | None,
) -> list[dict[str, Any]]:
    features = pdp_features(plan, pdp, global_first_target)
    positions = sample_positions(len(frame), max_records, seed)  # shared with sharded runs (pdp.py)
    sample = frame if positions is None else frame.iloc[positions].reset_index(drop=True)
    entries = []
    for name in features:
        kind = plan.kinds[plan.names.index(name)]
        entries.append(partial_dependence(sample, name, kind, model, pdp.grid_resolution, None))
    return entries


def pdp_features(
    plan: ExplanationPlan, pdp: PdpMethod, global_first_target: dict[str, float] | None
) -> list[str]:
    """The features PDP explains: the configured ones, else the top SHAP features of the first target (SPEC §7)."""
    if plan.pdp_features is not None:
        return plan.pdp_features
    ranked = sorted((global_first_target or {}).items(), key=lambda item: -item[1])
    return [name for name, _ in ranked[: pdp.top_k_features]]
