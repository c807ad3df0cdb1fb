"""``run_explanations``: the ``explanations`` section of analysis.json and the explanations_shap/* files.

Everything is computed first and written last, so a failure (bad config, model errors) leaves no output file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
    KernelSettings,
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
from .shap_additions import add_algorithm, add_standard_errors
from .shap_output import Units, local_documents, local_table, summaries
from .text import segment
from .tree_shap import explain_with_trees

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
    baseline, files = shap_baseline(run, plan, shap, frame)
    units = _text_units(plan, frame)
    if run.options.shap_algorithm != "tree":
        _warn_if_large(run.warn, plan, frame, baseline, units, shap.num_samples)
    local = _local_values(run, plan, shap, frame, baseline, units, model)
    targets = list(model.target_names)
    kernel_shap, first, more = shap_results(run, plan, shap, local, units, targets, data.join_key, extras)
    return kernel_shap, first, files + more


# --- sharded runs (engine/distributed): the plan computes the baseline, shards the local values of their
# records, the merge everything after; one process runs the three in a row ---
def shap_baseline(
    run: AnalysisRun, plan: ExplanationPlan, shap: ShapMethod, frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[FileWriter]]:
    """The baseline rows (given, or clustered from ``frame``: every record) and, when computed, its file."""
    if shap.baseline is not None:
        return given_baseline(shap.baseline, run.config, frame, run.s3_client), []
    baseline = computed_baseline(frame, plan.kinds, shap.num_clusters, shap.seed)
    return baseline, computed_baseline_file(baseline)


def computed_baseline_file(baseline: pd.DataFrame) -> list[FileWriter]:
    computed = baseline.copy()
    return [(f"{SHAP_DIR}/{BASELINE_CSV}", lambda path: write_csv(path, computed))]


def shap_results(
    run: AnalysisRun,
    plan: ExplanationPlan,
    shap: ShapMethod,
    local: LocalShap,
    units: Units,
    targets: list[str],
    join_key: pd.Series | None,
    extras: ShapExtras | None = None,
) -> tuple[dict[str, Any], dict[str, float], list[FileWriter]]:
    """The ``kernel_shap`` section, the first target's global values and the local-value files, from the local
    values of every record."""
    files: list[FileWriter] = []
    kernel_shap, first = summaries(plan, local, units, targets, shap.agg_method)
    if extras is not None:  # confidence intervals and per-segment SHAP (shap_extras.py)
        extras.apply(plan, local, units, targets, shap.agg_method, kernel_shap)
    if shap.save_local_shap_values:
        if plan.text_columns:
            documents = local_documents(plan, local, units)
            files.append((f"{SHAP_DIR}/{LOCAL_SHAP_JSONL}", lambda path: write_jsonl(path, documents)))
        else:
            table = local_table(plan, local, targets, join_key)
            files.append((f"{SHAP_DIR}/{LOCAL_SHAP_CSV}", lambda path: write_csv(path, table)))
    add_algorithm(kernel_shap, local.algorithm)
    if run.options.shap_standard_errors:
        tabular = [plan.names[j] for j in plan.non_text]
        local_file = shap.save_local_shap_values and not plan.text_columns
        files.extend(
            add_standard_errors(kernel_shap, tabular, local, targets, shap.agg_method, local_file, join_key)
        )
    return kernel_shap, first, files


def text_units(plan: ExplanationPlan, frame: pd.DataFrame) -> Units:
    """The text units of every record of ``frame`` (keys: positions in ``frame``)."""
    return _text_units(plan, frame)


def large_shap_warning(
    plan: ExplanationPlan, records: int, baseline_rows: int, most_units: int, num_samples: int | None
) -> str | None:
    """The warning of a Kernel SHAP run that will score many synthetic records (None when it will not)."""
    players = len(plan.explained)
    typical = players + most_units
    synthetic = records * baseline_rows * sample_count(num_samples, max(typical, 1))
    if synthetic <= SYNTHETIC_ROWS_WARNING:
        return None
    return (
        f"Kernel SHAP will score about {synthetic:,} synthetic records ({records} records × {baseline_rows} "
        "baseline rows × samples); lower methods.shap.num_samples or the baseline size to go faster"
    )


def local_values(
    run: AnalysisRun,
    plan: ExplanationPlan,
    shap: ShapMethod,
    frame: pd.DataFrame,
    baseline: pd.DataFrame,
    units: Units,
    model: ScoreModel,
    record_ids: Sequence[int],
) -> LocalShap:
    """The local values of the records of ``frame``, at positions ``record_ids`` of the whole dataset."""
    return _local_values(run, plan, shap, frame, baseline, units, model, record_ids)


# --- end sharded runs ---


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
    most_units = max((sum(len(u) for u in r.values()) for r in units.values()), default=0)
    message = large_shap_warning(plan, len(frame), len(baseline), most_units, num_samples)
    if message is not None:
        warn(message)


def _local_values(
    run: AnalysisRun,
    plan: ExplanationPlan,
    shap: ShapMethod,
    frame: pd.DataFrame,
    baseline: pd.DataFrame,
    units: Units,
    model: ScoreModel,
    record_ids: Sequence[int] | None = None,
) -> LocalShap:
    """Exact TreeSHAP when ``EngineOptions.shap_algorithm`` asks for it and it applies, else Kernel SHAP.

    ``record_ids``: the records' positions in the whole dataset (a shard's records), naming their random streams.
    """
    options = run.options
    score = ScoreFunction(model, shap.use_logit)
    progress = Progress("Kernel SHAP", len(frame))
    all_features = not plan.text_columns and len(plan.explained) == len(plan.names)
    if options.shap_algorithm != "kernel":
        trees = explain_with_trees(
            options.shap_algorithm,
            model,
            frame,
            baseline,
            score,
            all_features=all_features,
            text=bool(plan.text_columns),
            progress=progress,
            warn=run.warn,
        )
        if trees is not None:
            return trees
    kernel = KernelSettings(
        num_samples=shap.num_samples,
        seed=shap.seed,
        block_rows=options.shap_block_rows,
        with_standard_errors=options.shap_standard_errors,
    )
    if all_features:
        return explain_all_features(frame, baseline, score, kernel, progress=progress, record_ids=record_ids)
    non_text = plan.non_text

    def players_of(i: int) -> RecordPlayers:
        return RecordPlayers(features=non_text, units=units.get(i, {}))

    return explain_per_record(
        frame, baseline, score, players_of, kernel, progress=progress, record_ids=record_ids
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
    """The features PDP explains: the configured ones, else the top SHAP features of the first target (reference §7)."""
    if plan.pdp_features is not None:
        return plan.pdp_features
    ranked = sorted((global_first_target or {}).items(), key=lambda item: -item[1])
    return [name for name, _ in ranked[: pdp.top_k_features]]
