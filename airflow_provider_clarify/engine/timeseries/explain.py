"""``explain_time_series``: asymmetric Shapley values of a forecasting model for every item of a dataset.

Order of work, so that bad input fails before any side effect: read the typed settings; read and check every item
(layout, ids, timestamps, series) and the baseline; build the model client (templates checked); only then call the
model and write ``out.jsonl`` — into a hidden temporary file renamed into place at the end, so a failed run
leaves no partial output. Items are processed in chunks: the coalitions of many items go to the model together,
in as few requests as ``batch_size`` and the payload limit allow, and memory stays bounded.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...config.time_series import TimeSeriesBaseline, TimeSeriesSettings
from ..data.sources import list_files
from ..errors import AnalysisError
from ..options import EngineOptions
from ..output import atomic_text_file
from ..run import RunContext
from .asymmetric import Plan, Players, coalition_records, plan_item
from .baseline import check_static_baselines, item_baseline, resolve_baseline
from .model import TimeSeriesModel, build_time_series_model
from .output import analysis_entry, explanation_line, published_path, results_relative_path
from .reader import read_items
from .series import ItemSeries

log = logging.getLogger("airflow_provider_clarify.engine.timeseries")

CHUNK_BATCHES = 4
"""Records per chunk = batch_size × max_concurrency × CHUNK_BATCHES (at least one item)."""


@dataclass
class RunStatistics:
    """What a run did, for logs and benchmarks."""

    items: int = 0
    model_records: int = 0
    requests: int = 0
    exact_items: int = 0
    sampled_items: int = 0
    seconds: float = 0.0


def explain_time_series(
    context: RunContext,
    *,
    model: TimeSeriesModel | None = None,
    statistics: RunStatistics | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Explain every item's forecast; write ``out.jsonl``; return the ``explanations`` entry of analysis.json.

    The context's config holds ``methods.asymmetric_shapley_value`` with ``time_series_data_config``; its dataset
    is a local file/directory or an ``s3://`` object/prefix; the file goes to
    ``<output>/asymmetric_shapley_value/<granularity>_<direction>/out.jsonl``, and ``explanation_results_path``
    names it under the context's ``published_uri`` when the output is published there (else the local path).
    The model is the context's (``predictor`` override, else the config's predictor), or ``model``, a prebuilt
    :class:`TimeSeriesModel`. ``statistics`` collects what the run did; ``seed`` seeds the per-item ordering
    samples of fine-grained explanations.
    """
    started = time.perf_counter()
    stats = statistics if statistics is not None else RunStatistics()
    settings = context.config.time_series
    if settings is None or context.output_dir is None:
        raise AnalysisError(
            "methods.asymmetric_shapley_value with time_series_data_config, and an output directory, are required "
            "for time-series explanations"
        )
    items, baseline = _inputs(context, settings)
    if model is None:
        model = build_time_series_model(context)
    relative = results_relative_path(settings.method.granularity, settings.method.direction)
    log.info(
        "Explaining %d item(s) (%s, %s) with %s",
        len(items),
        settings.method.granularity,
        settings.method.direction,
        model.description,
    )
    with atomic_text_file(context.output_dir / relative) as stream:
        for chunk in _chunks(items, settings, context.options):
            for line in _explain_chunk(chunk, settings, baseline, model, seed, stats):
                stream.write(json.dumps(line, ensure_ascii=False, allow_nan=False))
                stream.write("\n")
    stats.items, stats.requests = len(items), model.requests_sent
    stats.seconds = time.perf_counter() - started
    log.info(
        "Explained %d item(s): %d model record(s) in %d request(s), %.1f s (%d exact, %d sampled)",
        stats.items,
        stats.model_records,
        stats.requests,
        stats.seconds,
        stats.exact_items,
        stats.sampled_items,
    )
    return analysis_entry(
        settings.method.direction,
        settings.method.granularity,
        published_path(context.output_dir, relative, context.published_uri),
    )


def _inputs(context: RunContext, settings: TimeSeriesSettings) -> tuple[list[ItemSeries], TimeSeriesBaseline]:
    """Every item and the baseline, read and checked before any model call (with the warnings they raise)."""
    files = list_files(
        context.dataset_uri, "dataset_uri", s3_client=context.s3_client, scratch=context.scratch
    )
    items = read_items(settings, files)
    baseline = resolve_baseline(settings, s3_client=context.s3_client, scratch=context.scratch)
    fine = settings.method.is_fine_grained
    check_static_baselines(items, baseline, fine)
    if not fine and baseline.static_covariates:
        context.warn(
            "methods.asymmetric_shapley_value.baseline.static_covariates: not used by timewise explanations, "
            "which keep every item's static covariates at their values"
        )
    return items, baseline


def _chunks(
    items: Sequence[ItemSeries], settings: TimeSeriesSettings, options: EngineOptions
) -> Iterator[list[ItemSeries]]:
    """Consecutive items whose coalitions (estimated) fit one chunk of model records."""
    budget = max(1, int(options.batch_size) * max(1, int(options.max_concurrency)) * CHUNK_BATCHES)
    chunk: list[ItemSeries] = []
    used = 0
    for item in items:
        cost = _estimated_coalitions(item, settings)
        if chunk and used + cost > budget:
            yield chunk
            chunk, used = [], 0
        chunk.append(item)
        used += cost
    if chunk:
        yield chunk


def _estimated_coalitions(item: ItemSeries, settings: TimeSeriesSettings) -> int:
    if not settings.method.is_fine_grained:
        return item.length * (2 if settings.method.direction == "bidirectional" else 1) + 1
    cells = item.static_count + item.history_length + item.related_count * item.length
    return (settings.method.num_samples or 1) * cells + 1


def _explain_chunk(
    chunk: list[ItemSeries],
    settings: TimeSeriesSettings,
    baseline: TimeSeriesBaseline,
    model: TimeSeriesModel,
    seed: int,
    stats: RunStatistics,
) -> list[dict[str, Any]]:
    fine = settings.method.is_fine_grained
    prepared: list[tuple[ItemSeries, Players, Plan]] = []
    records = []
    for item in chunk:
        players = Players.of(item, settings.method.granularity)
        plan = plan_item(
            players,
            settings.method.direction,
            num_samples=settings.method.num_samples,
            seed=seed,
            item_id=item.item_id,
        )
        records.extend(coalition_records(item, item_baseline(item, baseline, fine), players, plan.coalitions))
        prepared.append((item, players, plan))
        if plan.exact:
            stats.exact_items += 1
        else:
            stats.sampled_items += 1
    forecasts = model.forecast(records)
    stats.model_records += len(records)
    lines = []
    start = 0
    for item, players, plan in prepared:
        count = len(plan.coalitions)
        values = _stack(forecasts[start : start + count], item)
        start += count
        scores = plan.weights @ values
        lines.append(
            explanation_line(
                item,
                players,
                values[plan.empty],
                scores,
                target_name=settings.target_name,
                related_names=settings.related_names,
                static_names=settings.static_names,
            )
        )
    return lines


def _stack(forecasts: Sequence[np.ndarray], item: ItemSeries) -> np.ndarray:
    """The forecasts of one item's coalitions as a matrix; every one must have the same horizon."""
    lengths = {len(forecast) for forecast in forecasts}
    if len(lengths) > 1:
        raise AnalysisError(
            f"item {item.label}: the model returned forecasts of {sorted(lengths)} steps for the same item; "
            "predictor.time_series_predictor_config.forecast must give the same horizon for every request"
        )
    return np.vstack(forecasts)


def explanation_lines(path: str | Path) -> Iterator[Mapping[str, Any]]:
    """The parsed lines of an ``out.jsonl`` file (a convenience for callers and tests)."""
    with open(path, encoding="utf-8") as handle:
        for text in handle:
            if text.strip():
                yield json.loads(text)
