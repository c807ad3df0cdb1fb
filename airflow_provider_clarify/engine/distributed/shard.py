"""``run_shard``: one shard of a sharded run — the partial state of its rows, written atomically.

A shard reads only its pieces of the dataset (:mod:`.pieces`) and computes what adds up across shards:

- bias: the first pass over its rows — column profiles and distinct-tuple counts (:mod:`.bias_state`); with
  predicted labels from the model, the model labels this shard's rows;
- PDP: the model's scores of this shard's records of the PDP sample at every grid value (the merge averages the
  scores of all shards in record order, the very array one process averages).

The state file is stamped with the plan's hash and the shard's index and written in one atomic step, so a retried
shard writes the same file again and the merge never reads half a state.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..bias.plan import plan_bias
from ..bias.stream import scan
from ..data.column_kinds import with_stable_column_types
from ..data.dataset import TabularDataset
from ..data.sources import S3Client
from ..errors import AnalysisError
from ..explain.features import ExplanationData
from ..explain.pdp import grid_scores
from ..explain.plan import plan_explanations
from ..explain.runner import local_values, shap_baseline, text_units
from ..models import Model
from ..options import EngineOptions
from ..run import AnalysisRun, WarningSink
from ..segments import parse_segment_configs
from . import codec
from .bias_state import first_pass_state, merge_first_passes
from .document import read_artefacts, read_plan, shard_file
from .flip_test import restored_ft_rows, shard_flip_tests
from .kinds import kinds_state
from .pieces import PieceReader
from .shap_state import local_state, restore_frame, table_bytes, units_state
from .steps import PROFILED_IN_PLAN, PROFILED_IN_SHARDS, StepInputs, needs_model_for_bias, shard_records
from .workfolder import WorkFolder, WorkS3Client

log = logging.getLogger("airflow_provider_clarify.engine")


@dataclass(frozen=True)
class ShardInfo:
    """What a shard tells the merge through Airflow (never its state: that is in the work folder)."""

    index: int
    plan_hash: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "plan_hash": self.plan_hash, "rows": self.rows}


def run_shard(
    work: str | Path,
    index: int,
    *,
    s3_client: S3Client | None = None,
    work_s3_client: WorkS3Client | None = None,
    predictor: object = None,
    sagemaker_runtime_client: object = None,
    options: EngineOptions | None = None,
    plan_hash: str | None = None,
    warnings: list[str] | None = None,
) -> ShardInfo:
    """Compute shard ``index`` of the plan in ``work`` and write its state there.

    ``plan_hash`` (from the plan step) makes the shard refuse a work folder planned again since. ``predictor``
    defaults to the one the plan recorded; ``options`` may change how this shard works (batch size, concurrency,
    timeouts) but never a result (those options are the plan's).
    """
    folder = WorkFolder(work, work_s3_client or _work_client(s3_client))
    plan = read_plan(folder, plan_hash)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < plan.shards:
        raise AnalysisError(
            f"index: shard {index!r} does not exist; plan {plan.hash[:12]} has shards 0 to {plan.shards - 1}"
        )
    inputs = StepInputs.of(plan, options)
    shard_warnings: list[str] = []
    sink = WarningSink(shard_warnings)
    with tempfile.TemporaryDirectory(prefix="clarify-shard-") as scratch:
        data = inputs.dataset(shard_files(inputs, index), s3_client=s3_client, scratch=Path(scratch))
        model = shard_model(inputs, predictor, sagemaker_runtime_client)
        state = shard_state(inputs, index, data, model, folder, sink)
    if warnings is not None:
        warnings.extend(shard_warnings)
    header = {"kind": "shard", "plan": plan.hash, "index": index, "shards": plan.shards}
    folder.write(shard_file(index, plan.shards), codec.encode(header, state))
    rows = int(state["bias"].get("rows", 0)) if "bias" in state else 0
    log.info(
        "Shard %d of %d (plan %s): %d row(s) written to %s",
        index,
        plan.shards,
        plan.hash[:12],
        rows,
        folder.uri,
    )
    return ShardInfo(index, plan.hash, rows)


def shard_model(inputs: StepInputs, predictor: object, runtime_client: object) -> Model | None:
    """The model, when this shard asks it anything (predicted labels of its rows, PDP)."""
    labels = needs_model_for_bias(inputs) and inputs.bias_mode == PROFILED_IN_SHARDS
    if labels or inputs.config.methods.explains:
        return inputs.model(predictor, runtime_client)
    return None


def shard_files(inputs: StepInputs, index: int) -> set[int]:
    """The main files shard ``index`` reads: its own, or all of them when it runs the flip test (facet a's
    neighbours are every facet-a row of the dataset)."""
    if inputs.bias_mode == PROFILED_IN_PLAN:
        return set(range(len(inputs.listing)))
    return {piece.file for piece in inputs.pieces(index)}


def shard_state(
    inputs: StepInputs,
    index: int,
    data: TabularDataset,
    model: Model | None,
    folder: WorkFolder,
    sink: WarningSink,
) -> dict[str, Any]:
    """The partial state of shard ``index`` over ``data`` (opened with this shard's files readable).

    Like one process, the shard starts again when a column turns out to hold different kinds of values in
    different chunks (it is then read as text); the kinds it saw go into the state for the merge to reconcile.
    """
    reader = PieceReader(data, inputs.pieces(index), inputs.chunks)
    run = inputs.run(sink.warn, None)

    def compute() -> dict[str, Any]:
        state: dict[str, Any] = {}
        if inputs.bias_mode == PROFILED_IN_SHARDS:
            bias_plan = plan_bias(run, data.columns)
            found = scan(bias_plan, reader, model, inputs.options)  # type: ignore[arg-type]
            state["bias"] = first_pass_state(found)
        elif inputs.bias_mode == PROFILED_IN_PLAN:
            state["bias"] = {"ft": _flip_tests(folder, inputs, index, data, run)}
        if inputs.config.methods.explains:
            assert model is not None
            state["explanations"] = _explanations(folder, inputs, index, reader, model, run)
        return state

    state = with_stable_column_types(compute, sink.warn, sink.collected)
    state["kinds"] = kinds_state(data)
    state["warnings"] = list(sink.collected or [])
    return state


def _work_client(s3_client: S3Client | None) -> WorkS3Client | None:
    return s3_client if s3_client is not None and hasattr(s3_client, "put_object") else None  # type: ignore[return-value]


def shard_frame(inputs: StepInputs, index: int, reader: PieceReader | TabularDataset) -> pd.DataFrame:
    """This shard's model features, typed as the whole dataset's (a column typed int64 in this shard's rows and
    float64 in the whole dataset is float64 here too)."""
    roles = inputs.roles
    frames = list(reader.iter_frames(columns=list(roles.features)))
    start, end = shard_records(inputs, index)
    dtypes: dict[str, str] = inputs.plan["explanations"]["dtypes"]
    if not frames:
        frame = pd.DataFrame({name: pd.Series([], dtype=dtypes[name]) for name in roles.features})
    else:
        frame = pd.concat(frames, ignore_index=True)[list(roles.features)]
    if len(frame) != end - start:
        raise AnalysisError(
            f"shard {index}: read {len(frame)} record(s), the plan counted {end - start}; the dataset changed since "
            "the plan was made"
        )
    for name in roles.features:
        if str(frame[name].dtype) != dtypes[name]:
            frame[name] = frame[name].astype(pd.api.types.pandas_dtype(dtypes[name]))
    return frame


def _explanations(
    folder: WorkFolder, inputs: StepInputs, index: int, reader: PieceReader, model: Model, run: AnalysisRun
) -> dict[str, Any]:
    artefacts = read_artefacts(folder, inputs.plan)
    assert artefacts is not None
    _, planned = codec.decode(artefacts, "the plan's artefacts")
    frame = shard_frame(inputs, index, reader)
    start, end = shard_records(inputs, index)
    result: dict[str, Any] = {}
    shap = planned["explanations"].get("shap")
    if shap is not None:
        result["shap"] = _local_shap(inputs, frame, (start, end), shap, model, run, reader)
    pdp = planned["explanations"].get("pdp")
    if pdp is not None:
        positions = pdp["positions"]
        if positions is None:
            local = frame
        else:
            chosen = np.asarray(positions, dtype=np.int64)
            mine = chosen[(chosen >= start) & (chosen < end)] - start
            local = frame.iloc[mine].reset_index(drop=True)
        scores: list[np.ndarray | None] = []
        for entry in pdp["grids"]:
            if "values" not in entry or len(local) == 0:
                scores.append(None)  # free text (no grid), or no record of the sample in this shard
                continue
            scores.append(grid_scores(local, entry["feature"], entry["kind"], entry["values"], model))
        result["pdp"] = {"scores": scores, "targets": _target_names(model)}
    return result


def _local_shap(
    inputs: StepInputs,
    frame: pd.DataFrame,
    records: tuple[int, int],
    planned: dict[str, Any],
    model: Model,
    run: AnalysisRun,
    reader: PieceReader,
) -> dict[str, Any]:
    """The local SHAP values and text units of this shard's records (record ids: their dataset positions)."""
    explanation_plan = plan_explanations(
        inputs.config, ExplanationData(frame, None, inputs.roles.label_columns)
    )
    shap = explanation_plan.shap
    assert shap is not None
    if planned["baseline"] is not None:
        baseline = restore_frame(planned["baseline"])
    else:
        baseline, _ = shap_baseline(
            run, explanation_plan, shap, frame
        )  # given rows: the same for every shard
    units = text_units(explanation_plan, frame)
    local = local_values(
        run, explanation_plan, shap, frame, baseline, units, model, range(records[0], records[1])
    )
    segments = None
    if inputs.roles.segment_columns and inputs.config.segment_config:
        columns = list(dict.fromkeys(inputs.roles.segment_columns))
        frames = list(reader.iter_frames(columns=columns))
        if frames:
            segments = table_bytes(pd.concat(frames, ignore_index=True)[columns])
    return {
        "local": local_state(local),
        "units": units_state(units, len(frame)),
        "most_units": max((sum(len(u) for u in r.values()) for r in units.values()), default=0),
        "segments": segments,
        "targets": _target_names(model),
    }


def _target_names(model: Model) -> list[str] | None:
    """The model's target names once it has answered (None when this shard never asked it)."""
    try:
        return list(model.target_names)
    except Exception:  # the model was not asked anything: the merge takes another shard's names
        return None


def _flip_tests(
    folder: WorkFolder, inputs: StepInputs, index: int, data: TabularDataset, run: AnalysisRun
) -> list[list[Any]]:
    """FT of every facet group (and segment), comparing this shard's facet-d rows (:mod:`.flip_test`)."""
    artefacts = read_artefacts(folder, inputs.plan)
    assert artefacts is not None
    _, planned = codec.decode(artefacts, "the plan's artefacts")
    profiled = planned["bias"]
    bias_plan = plan_bias(run, data.columns)
    found = merge_first_passes(profiled["parts"])
    rows = restored_ft_rows(profiled["ft"], bias_plan, data, inputs.options.progress_interval_seconds)
    starts = profiled["starts"]
    specs = parse_segment_configs(inputs.config.segment_config)
    return shard_flip_tests(run, bias_plan, found, rows, (int(starts[index]), int(starts[index + 1])), specs)
