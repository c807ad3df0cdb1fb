"""``run_explanations``: the ``explanations`` section of analysis.json and the explanations_shap/* files.

Everything is computed first and written last, so a failure (bad config, model errors) leaves no output file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .aggregate import aggregate
from .baseline import computed_baseline, given_baseline
from .errors import ExplanationError
from .features import (
    FREE_TEXT,
    ExplanationData,
    column_kind,
    label_columns,
    resolve_features_to_explain,
)
from .files import SHAP_DIR, write_csv, write_jsonl
from .kernel_shap import (
    DEFAULT_BLOCK_ROWS,
    LocalShap,
    RecordPlayers,
    ScoreFunction,
    explain_all_features,
    explain_per_record,
    sample_count,
)
from .pdp import partial_dependence, resolve_pdp_features
from .progress import Progress
from .shap_outputs import add_algorithm, add_standard_errors
from .text import segment
from .tree_shap import explain_with_trees

LOG = logging.getLogger("airflow_provider_clarify.engine.explain")

SYNTHETIC_ROWS_WARNING = 10**7
DEFAULT_MAX_TOP_TOKENS = 50
DEFAULT_TOP_K = 10
DEFAULT_GRID = 15


def _warn(warnings: Any, message: str) -> None:
    """``warnings`` is the caller's list, or the engine's ``warn`` callable (which logs itself)."""
    if callable(warnings):
        warnings(message)
        return
    LOG.warning(message)
    if warnings is not None:
        warnings.append(message)


def _as_dict(config: Any) -> dict[str, Any]:
    if isinstance(config, dict):
        return config
    if hasattr(config, "to_dict"):
        return config.to_dict()
    raise TypeError(f"expected an analysis config dict, got {type(config).__name__}")


def _check_supported(config: dict[str, Any], shap_config: dict[str, Any]) -> None:
    if str(config.get("dataset_type", "")).lower() == "application/x-image" or shap_config.get(
        "image_config"
    ):
        raise ExplanationError(
            "computer-vision explanations (application/x-image, methods.shap.image_config) come in a later phase "
            "of this provider; explain tabular or text data for now"
        )


class _Plan:
    """What the run will do, decided (and validated) before any model call."""

    def __init__(self, config: dict[str, Any], data: ExplanationData) -> None:
        methods = config.get("methods") or {}
        self.config = config
        self.shap: dict[str, Any] | None = methods.get("shap")
        self.pdp: dict[str, Any] | None = methods.get("pdp")
        self.features = data.features
        self.names = [str(c) for c in data.features.columns]
        self.text_config: dict[str, Any] | None = (self.shap or {}).get("text_config")
        self.kinds = [
            column_kind(data.features[c], text=bool(self.text_config)) for c in data.features.columns
        ]
        if self.shap is not None:
            _check_supported(config, self.shap)
        if self.text_config is not None:
            self.text_columns = [i for i, kind in enumerate(self.kinds) if kind == FREE_TEXT]
            if not self.text_columns:
                raise ExplanationError(
                    f"methods.shap.text_config.granularity {self.text_config.get('granularity')!r} needs a text "
                    f"(string) column, but every model feature is numeric: {self.names}; remove text_config"
                )
        else:
            self.text_columns = []
        labels = sorted({*label_columns(config), *data.label_columns})
        self.explained = resolve_features_to_explain(
            (self.shap or {}).get("features_to_explain"), self.names, labels
        )
        self.pdp_features: list[str] | None = None
        if self.pdp is not None and self.pdp.get("features"):
            self.pdp_features = resolve_pdp_features(self.pdp["features"], self.names)
        elif self.pdp is not None and self.shap is None:
            raise ExplanationError("methods.pdp.features must be given when methods.shap is absent")


def run_explanations(
    config_dict: Any,
    data: Any,
    model: Any,
    output_dir: str | Path | None,
    options: Any = None,
    warnings: Any = None,
    *,
    s3_client: Any = None,
) -> dict[str, Any]:
    """Run SHAP and/or PDP as configured; returns ``{"kernel_shap": ..., "pdp": [...]}`` (keys as requested)."""
    config = _as_dict(config_dict)
    explanation_data = ExplanationData.of(data, config)
    plan = _Plan(config, explanation_data)
    frame = explanation_data.features.reset_index(drop=True)
    result: dict[str, Any] = {}
    files: list[tuple[str, Any]] = []
    global_first_target: dict[str, float] | None = None
    if plan.shap is not None:
        kernel_shap, global_first_target, files = _shap(
            plan, frame, explanation_data, model, warnings, s3_client, options
        )
        result["kernel_shap"] = kernel_shap
    if plan.pdp is not None:
        result["pdp"] = _pdp(plan, frame, model, options, global_first_target)
    if output_dir is not None:
        for relative, writer in files:
            writer(Path(output_dir) / relative)
    return result


def _shap(
    plan: _Plan,
    frame: pd.DataFrame,
    data: ExplanationData,
    model: Any,
    warnings: Any,
    s3_client: Any,
    options: Any = None,
) -> tuple[dict[str, Any], dict[str, float], list[tuple[str, Any]]]:
    shap_config = plan.shap or {}
    seed = shap_config.get("seed")
    files: list[tuple[str, Any]] = []
    if shap_config.get("baseline") is not None:
        baseline = given_baseline(shap_config["baseline"], plan.config, frame, s3_client)
    else:
        baseline = computed_baseline(frame, plan.kinds, shap_config.get("num_clusters"), seed)
        computed = baseline.copy()
        files.append((f"{SHAP_DIR}/baseline.csv", lambda path: write_csv(path, computed)))
    score = ScoreFunction(model, bool(shap_config.get("use_logit", False)))
    num_samples = shap_config.get("num_samples")
    progress = Progress("Kernel SHAP", len(frame))

    units: dict[int, dict[int, list[Any]]] = {}
    if plan.text_columns:
        granularity = plan.text_config["granularity"]  # type: ignore[index]
        language = plan.text_config["language"]  # type: ignore[index]
        for i in range(len(frame)):
            units[i] = {
                j: segment("" if pd.isna(frame.iat[i, j]) else str(frame.iat[i, j]), granularity, language)
                for j in plan.text_columns
            }
    players = len(plan.explained)
    typical = players + (max((sum(len(u) for u in r.values()) for r in units.values()), default=0))
    synthetic = len(frame) * len(baseline) * sample_count(num_samples, max(typical, 1))
    if synthetic > SYNTHETIC_ROWS_WARNING:
        _warn(
            warnings,
            f"Kernel SHAP will score about {synthetic:,} synthetic records ({len(frame)} records × {len(baseline)} "
            "baseline rows × samples); lower methods.shap.num_samples or the baseline size to go faster",
        )
    # --- algorithm choice and engine options (EngineOptions.shap_*): tree path, block size, standard errors
    algorithm = getattr(options, "shap_algorithm", "kernel") or "kernel"
    with_errors = bool(getattr(options, "shap_standard_errors", False))
    block_rows = int(getattr(options, "shap_block_rows", 0) or DEFAULT_BLOCK_ROWS)
    all_features = not plan.text_columns and len(plan.explained) == len(plan.names)
    local: LocalShap | None = None
    if algorithm != "kernel":
        local = explain_with_trees(
            algorithm,
            model,
            frame,
            baseline,
            score,
            all_features=all_features,
            text=bool(plan.text_columns),
            progress=progress,
            warn=lambda message: _warn(warnings, message),
        )
    if local is None and all_features:
        local = explain_all_features(
            frame,
            baseline,
            score,
            num_samples=num_samples,
            seed=seed,
            progress=progress,
            block_rows=block_rows,
            with_standard_errors=with_errors,
        )
    elif local is None:
        non_text = [j for j in plan.explained if j not in plan.text_columns]

        def players_of(i: int) -> RecordPlayers:
            return RecordPlayers(features=non_text, units=units.get(i, {}))

        local = explain_per_record(
            frame,
            baseline,
            score,
            players_of,
            num_samples=num_samples,
            seed=seed,
            progress=progress,
            block_rows=block_rows,
            with_standard_errors=with_errors,
        )
    targets = list(model.target_names)
    kernel_shap, first = _summaries(plan, local, units, targets, shap_config)
    if shap_config.get("save_local_shap_values", False):
        if plan.text_columns:
            documents = _jsonl(plan, frame, local, units)
            files.append((f"{SHAP_DIR}/out.jsonl", lambda path: write_jsonl(path, documents)))
        else:
            table = _local_table(plan, local, targets, data.join_key)
            files.append((f"{SHAP_DIR}/out.csv", lambda path: write_csv(path, table)))
    add_algorithm(kernel_shap, local.algorithm)
    if with_errors:
        tabular = [plan.names[j] for j in plan.explained if j not in plan.text_columns]
        local_file = bool(shap_config.get("save_local_shap_values", False)) and not plan.text_columns
        method = shap_config.get("agg_method", "mean_abs")
        files.extend(
            add_standard_errors(kernel_shap, tabular, local, targets, method, local_file, data.join_key)
        )
    return kernel_shap, first, files


def _feature_attributions(
    plan: _Plan, local: LocalShap, units: dict[int, dict[int, list[Any]]]
) -> np.ndarray:
    """N × F × T attributions per model feature (a text column = the sum of its units), F = explained + text."""
    columns = [j for j in plan.explained if j not in plan.text_columns] + plan.text_columns
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


def _summaries(
    plan: _Plan,
    local: LocalShap,
    units: dict[int, dict[int, list[Any]]],
    targets: list[str],
    shap_config: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, float]]:
    method = shap_config.get("agg_method", "mean_abs")
    columns = [j for j in plan.explained if j not in plan.text_columns] + plan.text_columns
    attributions = _feature_attributions(plan, local, units)
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
    plan: _Plan, local: LocalShap, units: dict[int, dict[int, list[Any]]], target: int, method: str
) -> dict[str, float]:
    occurrences: dict[str, list[float]] = {}
    non_text = len([j for j in plan.explained if j not in plan.text_columns])
    for i, values in enumerate(local.values):
        offset = non_text
        for j in plan.text_columns:
            for unit in units.get(i, {}).get(j, []):
                occurrences.setdefault(unit.text, []).append(float(values[offset, target]))
                offset += 1
    scored = {text: float(aggregate(np.asarray(v)[:, None], method)[0]) for text, v in occurrences.items()}
    limit = int((plan.text_config or {}).get("max_top_tokens", DEFAULT_MAX_TOP_TOKENS))
    top = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return dict(top)


def _local_table(
    plan: _Plan, local: LocalShap, targets: list[str], join_key: pd.Series | None
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


def _jsonl(
    plan: _Plan, frame: pd.DataFrame, local: LocalShap, units: dict[int, dict[int, list[Any]]]
) -> list[dict[str, Any]]:
    documents = []
    non_text = [j for j in plan.explained if j not in plan.text_columns]
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


def _pdp(
    plan: _Plan,
    frame: pd.DataFrame,
    model: Any,
    options: Any,
    global_first_target: dict[str, float] | None,
) -> list[dict[str, Any]]:
    pdp_config = plan.pdp or {}
    if plan.pdp_features is not None:
        features = plan.pdp_features
    else:
        top_k = int(pdp_config.get("top_k_features", DEFAULT_TOP_K))
        ranked = sorted((global_first_target or {}).items(), key=lambda item: -item[1])
        features = [name for name, _ in ranked[:top_k]]
    limit = int(getattr(options, "pdp_max_records", 2000) or 2000)
    seed = (plan.shap or {}).get("seed")
    sample = frame
    if len(frame) > limit:
        rng = np.random.default_rng(0 if seed is None else int(seed))
        sample = frame.iloc[np.sort(rng.choice(len(frame), limit, replace=False))].reset_index(drop=True)
    resolution = int(pdp_config.get("grid_resolution", DEFAULT_GRID))
    entries = []
    for name in features:
        kind = plan.kinds[plan.names.index(name)]
        entries.append(partial_dependence(sample, name, kind, model, resolution, None))
    return entries
